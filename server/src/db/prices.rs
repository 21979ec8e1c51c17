//! Mark-price samples.

use super::entities::mark_price::{self, Entity as MarkPrices};
use app::TimestampMs;
use app::market::MarkPrice;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

pub async fn insert(db: &impl ConnectionTrait, marks: &[MarkPrice]) -> Result<(), DbErr> {
    for chunk in marks.chunks(500) {
        let models = chunk.iter().map(|m| mark_price::ActiveModel {
            venue: Set(m.venue.as_str().to_owned()),
            symbol: Set(m.symbol.as_str().to_owned()),
            time_ms: Set(m.time_ms),
            mark: Set(m.mark.to_string()),
            index_price: Set(m.index.to_string()),
            ..Default::default()
        });
        MarkPrices::insert_many(models).exec(db).await?;
    }
    Ok(())
}

pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    MarkPrices::find().count(db).await
}

pub async fn prune(db: &impl ConnectionTrait, before_ms: TimestampMs) -> Result<u64, DbErr> {
    let res = MarkPrices::delete_many().filter(mark_price::Column::TimeMs.lt(before_ms)).exec(db).await?;
    Ok(res.rows_affected)
}

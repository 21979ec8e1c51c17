//! Strategies in the database: each one's own exposure cap, and the closed positions a
//! strategy's book is summed from.

use super::columns::{decimal, parse_json};
use super::entities::position;
use app::history::ClosedPosition;
use app::trading::PositionView;
use app::{StrategyId, TimestampMs, Usd};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use std::collections::BTreeMap;

pub mod cap {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "strategy_caps")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub strategy: String,
        pub max_notional: String,
        pub updated_ms: i64,
        pub author: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub async fn caps(db: &impl ConnectionTrait) -> Result<BTreeMap<StrategyId, Usd>, DbErr> {
    let rows = cap::Entity::find().all(db).await?;
    rows.into_iter()
        .map(|m| {
            let id = StrategyId::new(&m.strategy).map_err(DbErr::Custom)?;
            Ok((id, Usd(decimal(&m.max_notional)?)))
        })
        .collect()
}

/// Set (or, with `None`, remove) a strategy's cap.
pub async fn set_cap(
    db: &impl ConnectionTrait,
    strategy: &StrategyId,
    max_notional: Option<Usd>,
    author: &str,
    now: TimestampMs,
) -> Result<(), DbErr> {
    let Some(max) = max_notional else {
        cap::Entity::delete_by_id(strategy.to_string()).exec(db).await?;
        return Ok(());
    };
    let model = cap::ActiveModel {
        strategy: Set(strategy.to_string()),
        max_notional: Set(max.0.to_string()),
        updated_ms: Set(now),
        author: Set(author.to_owned()),
    };
    let cols = [cap::Column::MaxNotional, cap::Column::UpdatedMs, cap::Column::Author];
    cap::Entity::insert(model)
        .on_conflict(OnConflict::column(cap::Column::Strategy).update_columns(cols).to_owned())
        .exec(db)
        .await?;
    Ok(())
}

/// Every strategy that ever held a position.
pub async fn names(db: &impl ConnectionTrait) -> Result<Vec<StrategyId>, DbErr> {
    let rows: Vec<String> = position::Entity::find()
        .select_only()
        .column(position::Column::Strategy)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.iter().filter_map(|s| StrategyId::new(s).ok()).collect())
}

/// Every finished (closed or failed) position as stored, oldest first, as History's rows.
pub async fn finished(db: &impl ConnectionTrait) -> Result<Vec<ClosedPosition>, DbErr> {
    let rows = position::Entity::find()
        .filter(position::Column::Status.is_in(["closed", "failed"]))
        .order_by_asc(position::Column::Id)
        .all(db)
        .await?;
    rows.iter()
        .map(|r| {
            let v: PositionView = parse_json(&r.view)?;
            Ok(super::history::closed_row(v, None))
        })
        .collect()
}

//! Funding payments as the engine booked them to positions: stored once per (venue, payment
//! id), listed for History, summed for the P&L series.

use super::columns::{decimal, parse_text};
use super::page::{Columns, Ledger};
use app::history::FundingRecord;
use app::{FundingInterval, FundingRate, Price, Qty, Symbol, Usd};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "funding_payments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub venue: String,
        pub payment_id: String,
        pub position_id: i64,
        pub strategy: String,
        pub symbol: String,
        pub rate: String,
        pub interval_hours: i32,
        pub position_qty: String,
        pub mark_price: String,
        pub amount: String,
        pub time_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::Column;
pub use entity::Entity as Payments;

/// Store a payment; one already stored (same venue and payment id) is left as is.
pub async fn insert(db: &impl ConnectionTrait, p: &FundingRecord) -> Result<(), DbErr> {
    let model = entity::ActiveModel {
        venue: Set(p.venue.to_string()),
        payment_id: Set(p.payment_id.clone()),
        position_id: Set(p.position_id.get()),
        strategy: Set(p.strategy.to_string()),
        symbol: Set(p.symbol.to_string()),
        rate: Set(p.rate.rate.to_string()),
        interval_hours: Set(p.rate.interval.hours() as i32),
        position_qty: Set(p.position_qty.0.to_string()),
        mark_price: Set(p.mark_price.0.to_string()),
        amount: Set(p.amount.0.to_string()),
        time_ms: Set(p.time_ms),
        ..Default::default()
    };
    let conflict = OnConflict::columns([Column::Venue, Column::PaymentId]).do_nothing().to_owned();
    Payments::insert(model).on_conflict(conflict).do_nothing().exec(db).await?;
    Ok(())
}

impl Ledger for Payments {
    type Record = FundingRecord;

    fn columns() -> Columns<Column> {
        Columns::ledger(Column::TimeMs, Column::Id, Column::Symbol, Column::Strategy, Column::Venue, Column::PositionId)
    }

    fn record(m: &entity::Model) -> Result<FundingRecord, DbErr> {
        let interval = FundingInterval::from_hours(u32::try_from(m.interval_hours).unwrap_or(0))
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        Ok(FundingRecord {
            venue: parse_text(&m.venue)?,
            payment_id: m.payment_id.clone(),
            position_id: m.position_id.into(),
            strategy: app::StrategyId::new(&m.strategy).map_err(DbErr::Custom)?,
            symbol: Symbol::new(&m.symbol).map_err(|e| DbErr::Custom(e.to_string()))?,
            rate: FundingRate::new(decimal(&m.rate)?, interval),
            position_qty: Qty(decimal(&m.position_qty)?),
            mark_price: Price(decimal(&m.mark_price)?),
            amount: Usd(decimal(&m.amount)?),
            time_ms: m.time_ms,
        })
    }
}

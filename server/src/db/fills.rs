//! Fills as the engine booked them to legs: stored once per (client order id, cumulative
//! filled quantity), listed for History, summed for the P&L series.

use super::columns::{decimal, parse_text, text};
use super::page::{Columns, Ledger};
use app::history::FillRecord;
use app::sizing::legs_of;
use app::trading::{PositionId, PositionView};
use app::{ClientOrderId, Price, Qty, Symbol, Usd};
use rust_decimal::Decimal;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use std::collections::HashMap;

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "fills")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub client_order_id: String,
        pub filled_qty: String,
        pub position_id: i64,
        pub strategy: String,
        pub venue: String,
        pub symbol: String,
        pub side: String,
        pub purpose: String,
        pub qty: String,
        pub price: String,
        pub fee: String,
        pub realized_pnl: String,
        pub time_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::Column;
pub use entity::Entity as Fills;

/// Store a fill; one already stored (same order, same cumulative quantity) is left as is.
pub async fn insert(db: &impl ConnectionTrait, f: &FillRecord) -> Result<(), DbErr> {
    let model = entity::ActiveModel {
        client_order_id: Set(f.client_order_id.to_string()),
        filled_qty: Set(f.filled_qty.0.normalize().to_string()),
        position_id: Set(f.position_id.get()),
        strategy: Set(f.strategy.to_string()),
        venue: Set(f.venue.to_string()),
        symbol: Set(f.symbol.to_string()),
        side: Set(text(&f.side)),
        purpose: Set(text(&f.purpose)),
        qty: Set(f.qty.0.to_string()),
        price: Set(f.price.0.to_string()),
        fee: Set(f.fee.0.to_string()),
        realized_pnl: Set(f.realized_pnl.0.to_string()),
        time_ms: Set(f.time_ms),
        ..Default::default()
    };
    let conflict = OnConflict::columns([Column::ClientOrderId, Column::FilledQty]).do_nothing().to_owned();
    Fills::insert(model).on_conflict(conflict).do_nothing().exec(db).await?;
    Ok(())
}

impl Ledger for Fills {
    type Record = FillRecord;

    fn columns() -> Columns<Column> {
        Columns::ledger(Column::TimeMs, Column::Id, Column::Symbol, Column::Strategy, Column::Venue, Column::PositionId)
    }

    fn record(m: &entity::Model) -> Result<FillRecord, DbErr> {
        let id = ClientOrderId::new(&m.client_order_id).map_err(|e| DbErr::Custom(e.to_string()))?;
        Ok(FillRecord {
            client_order_id: id,
            filled_qty: Qty(decimal(&m.filled_qty)?),
            position_id: m.position_id.into(),
            strategy: app::StrategyId::new(&m.strategy).map_err(DbErr::Custom)?,
            venue: parse_text(&m.venue)?,
            symbol: Symbol::new(&m.symbol).map_err(|e| DbErr::Custom(e.to_string()))?,
            side: parse_text(&m.side)?,
            purpose: parse_text(&m.purpose)?,
            qty: Qty(decimal(&m.qty)?),
            price: Price(decimal(&m.price)?),
            fee: Usd(decimal(&m.fee)?),
            realized_pnl: Usd(decimal(&m.realized_pnl)?),
            time_ms: m.time_ms,
        })
    }
}

/// For each position, the largest quantity its long leg held, replaying its fills in the
/// order they were booked. Positions without recorded fills are absent.
pub async fn peak_long_qty(
    db: &impl ConnectionTrait,
    views: &[PositionView],
) -> Result<HashMap<PositionId, Qty>, DbErr> {
    if views.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<i64> = views.iter().map(|v| v.id.get()).collect();
    let rows = Fills::find().filter(Column::PositionId.is_in(ids)).order_by_asc(Column::Id).all(db).await?;
    let long_venue: HashMap<PositionId, app::Venue> = views.iter().map(|v| (v.id, legs_of(v.direction).0)).collect();
    let mut running: HashMap<PositionId, (Decimal, Decimal)> = HashMap::new();
    for m in &rows {
        let f = Fills::record(m)?;
        if long_venue.get(&f.position_id) != Some(&f.venue) {
            continue;
        }
        let (qty, peak) = running.entry(f.position_id).or_default();
        *qty += f.side.sign() * f.qty.0;
        *peak = (*peak).max(qty.abs());
    }
    Ok(running.into_iter().map(|(id, (_, peak))| (id, Qty(peak))).collect())
}

/// For each position, the notional its opening fills bought on one leg (half of both legs'):
/// the capital it occupied, as the Strategies view counts it.
pub async fn opened_notional(db: &impl ConnectionTrait) -> Result<HashMap<PositionId, Usd>, DbErr> {
    let rows = Fills::find().filter(Column::Purpose.eq("open")).all(db).await?;
    let mut out: HashMap<PositionId, Decimal> = HashMap::new();
    for m in &rows {
        *out.entry(m.position_id.into()).or_default() += decimal(&m.qty)? * decimal(&m.price)? / Decimal::TWO;
    }
    Ok(out.into_iter().map(|(id, n)| (id, Usd(n))).collect())
}

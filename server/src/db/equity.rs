//! Daily equity snapshots, one row per venue and day; writing a day again replaces it.

use super::entities::equity_snapshot;
use app::equity::{EquityDay, VenueEquity};
use app::{TimestampMs, Usd, Venue};
use rust_decimal::Decimal;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use std::str::FromStr;

pub async fn upsert(db: &impl ConnectionTrait, day_ms: TimestampMs, e: &VenueEquity) -> Result<(), DbErr> {
    let model = equity_snapshot::ActiveModel {
        venue: Set(e.venue.as_str().to_owned()),
        day_ms: Set(day_ms),
        equity: Set(e.equity.0.to_string()),
        wallet: Set(e.wallet.0.to_string()),
        unrealised: Set(e.unrealised.0.to_string()),
        taken_ms: Set(e.taken_ms),
    };
    use equity_snapshot::Column as C;
    let conflict = OnConflict::columns([C::Venue, C::DayMs])
        .update_columns([C::Equity, C::Wallet, C::Unrealised, C::TakenMs])
        .to_owned();
    equity_snapshot::Entity::insert(model).on_conflict(conflict).exec(db).await?;
    Ok(())
}

/// The latest day `venue` has a snapshot for.
pub async fn last_day(db: &impl ConnectionTrait, venue: Venue) -> Result<Option<TimestampMs>, DbErr> {
    let row = equity_snapshot::Entity::find()
        .filter(equity_snapshot::Column::Venue.eq(venue.as_str()))
        .order_by_desc(equity_snapshot::Column::DayMs)
        .one(db)
        .await?;
    Ok(row.map(|r| r.day_ms))
}

/// Days starting in `[from_ms, to_ms]`, oldest first, each with its venues and total.
pub async fn days(
    db: &impl ConnectionTrait,
    from_ms: TimestampMs,
    to_ms: TimestampMs,
) -> Result<Vec<EquityDay>, DbErr> {
    let rows = equity_snapshot::Entity::find()
        .filter(equity_snapshot::Column::DayMs.between(from_ms, to_ms))
        .order_by_asc(equity_snapshot::Column::DayMs)
        .all(db)
        .await?;
    let snapshots = rows.into_iter().map(|r| Ok((r.day_ms, parse(&r)?))).collect::<Result<Vec<_>, DbErr>>()?;
    Ok(EquityDay::group(snapshots))
}

fn parse(r: &equity_snapshot::Model) -> Result<VenueEquity, DbErr> {
    let bad = |what: &str| DbErr::Custom(format!("equity snapshot {} {}: bad {what}", r.venue, r.day_ms));
    let usd = |s: &str, what: &str| Decimal::from_str(s).map(Usd).map_err(|_| bad(what));
    Ok(VenueEquity {
        venue: Venue::from_str(&r.venue).map_err(|_| bad("venue"))?,
        equity: usd(&r.equity, "equity")?,
        wallet: usd(&r.wallet, "wallet")?,
        unrealised: usd(&r.unrealised, "unrealised")?,
        taken_ms: r.taken_ms,
    })
}

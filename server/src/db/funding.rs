//! Funding-rate history queries.

use super::entities::funding_rate::{self, Entity as FundingRates};
use app::api::{FundingKind, FundingPoint};
use app::{FundingInterval, FundingRate, Symbol, TimestampMs, Venue};
use rust_decimal::Decimal;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use std::str::FromStr;

/// A settled rate as stored for the backtester, with the mark at settlement where known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettledRow {
    pub venue: Venue,
    pub symbol: Symbol,
    pub time_ms: TimestampMs,
    pub rate: Decimal,
    pub interval: FundingInterval,
    pub mark: Option<Decimal>,
}

/// One row to store: a venue's rate for a symbol at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingRecord {
    pub venue: Venue,
    pub symbol: Symbol,
    pub kind: FundingKind,
    pub time_ms: TimestampMs,
    pub rate: FundingRate,
}

/// Insert, ignoring rows already stored (same venue, symbol, kind and time).
pub async fn insert(db: &impl ConnectionTrait, records: &[FundingRecord]) -> Result<(), DbErr> {
    // Keep each statement well under SQLite's bound-parameter limit.
    for chunk in records.chunks(500) {
        let models = chunk.iter().map(|r| funding_rate::ActiveModel {
            venue: Set(r.venue.as_str().to_owned()),
            symbol: Set(r.symbol.as_str().to_owned()),
            kind: Set(r.kind.as_str().to_owned()),
            time_ms: Set(r.time_ms),
            rate: Set(r.rate.rate.to_string()),
            interval_hours: Set(r.rate.interval.hours() as i32),
            mark: Set(None),
            ..Default::default()
        });
        let conflict = OnConflict::columns([
            funding_rate::Column::Symbol,
            funding_rate::Column::Venue,
            funding_rate::Column::Kind,
            funding_rate::Column::TimeMs,
        ])
        .do_nothing()
        .to_owned();
        FundingRates::insert_many(models).on_conflict(conflict).do_nothing().exec(db).await?;
    }
    Ok(())
}

pub struct HistoryFilter {
    pub symbol: Symbol,
    pub venue: Option<Venue>,
    pub kind: FundingKind,
    pub from_ms: TimestampMs,
    pub to_ms: TimestampMs,
}

/// Stored points in `[from, to]`, oldest first. A row that no longer parses is skipped and
/// logged rather than failing the whole request.
pub async fn history(db: &impl ConnectionTrait, f: &HistoryFilter) -> Result<Vec<FundingPoint>, DbErr> {
    let mut q = FundingRates::find()
        .filter(funding_rate::Column::Symbol.eq(f.symbol.as_str()))
        .filter(funding_rate::Column::Kind.eq(f.kind.as_str()))
        .filter(funding_rate::Column::TimeMs.between(f.from_ms, f.to_ms));
    if let Some(v) = f.venue {
        q = q.filter(funding_rate::Column::Venue.eq(v.as_str()));
    }
    let rows = q.order_by_asc(funding_rate::Column::TimeMs).all(db).await?;
    Ok(rows.into_iter().filter_map(to_point).collect())
}

fn to_point(m: funding_rate::Model) -> Option<FundingPoint> {
    let parsed = (|| {
        let venue = Venue::from_str(&m.venue).ok()?;
        let rate = Decimal::from_str(&m.rate).ok()?;
        let interval = FundingInterval::from_hours(u32::try_from(m.interval_hours).ok()?).ok()?;
        Some(FundingPoint::new(venue, m.time_ms, FundingRate::new(rate, interval)))
    })();
    if parsed.is_none() {
        tracing::warn!(id = m.id, "skipping unreadable funding row");
    }
    parsed
}

/// The newest stored time for a venue, symbol and kind: where a backfill resumes.
pub async fn latest_time(
    db: &impl ConnectionTrait,
    venue: Venue,
    symbol: &Symbol,
    kind: FundingKind,
) -> Result<Option<TimestampMs>, DbErr> {
    let row = FundingRates::find()
        .filter(funding_rate::Column::Venue.eq(venue.as_str()))
        .filter(funding_rate::Column::Symbol.eq(symbol.as_str()))
        .filter(funding_rate::Column::Kind.eq(kind.as_str()))
        .order_by_desc(funding_rate::Column::TimeMs)
        .one(db)
        .await?;
    Ok(row.map(|r| r.time_ms))
}

/// Delete predicted snapshots older than `before_ms`; returns how many went. Settled rates are
/// kept: one row per settlement is small, and the backtester replays them.
pub async fn prune(db: &impl ConnectionTrait, before_ms: TimestampMs) -> Result<u64, DbErr> {
    let res = FundingRates::delete_many()
        .filter(funding_rate::Column::TimeMs.lt(before_ms))
        .filter(funding_rate::Column::Kind.eq(FundingKind::Predicted.as_str()))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// Store settlements read from history files, with their marks where the file has them; a
/// settlement already stored (same venue, symbol and time) is left as it is. Returns how many
/// were new.
pub async fn insert_settled(db: &impl ConnectionTrait, rows: &[SettledRow]) -> Result<u64, DbErr> {
    let mut added = 0;
    for chunk in rows.chunks(400) {
        let models = chunk.iter().map(|r| funding_rate::ActiveModel {
            venue: Set(r.venue.as_str().to_owned()),
            symbol: Set(r.symbol.as_str().to_owned()),
            kind: Set(FundingKind::Settled.as_str().to_owned()),
            time_ms: Set(r.time_ms),
            rate: Set(r.rate.to_string()),
            interval_hours: Set(r.interval.hours() as i32),
            mark: Set(r.mark.map(|m| m.to_string())),
            ..Default::default()
        });
        let conflict = OnConflict::columns([
            funding_rate::Column::Symbol,
            funding_rate::Column::Venue,
            funding_rate::Column::Kind,
            funding_rate::Column::TimeMs,
        ])
        .do_nothing()
        .to_owned();
        let res = FundingRates::insert_many(models).on_conflict(conflict).do_nothing().exec_without_returning(db).await;
        added += match res {
            Ok(sea_orm::TryInsertResult::Inserted(n)) => n,
            Ok(_) | Err(DbErr::RecordNotInserted) => 0,
            Err(e) => return Err(e),
        };
    }
    Ok(added)
}

/// Every stored settlement, as the backtester replays it (a row that no longer parses is
/// skipped and logged).
pub async fn settled(db: &impl ConnectionTrait) -> Result<Vec<SettledRow>, DbErr> {
    let rows = FundingRates::find()
        .filter(funding_rate::Column::Kind.eq(FundingKind::Settled.as_str()))
        .order_by_asc(funding_rate::Column::TimeMs)
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(to_row).collect())
}

fn to_row(m: funding_rate::Model) -> Option<SettledRow> {
    let parsed = (|| {
        let mark = match &m.mark {
            Some(text) => Some(Decimal::from_str(text).ok()?),
            None => None,
        };
        Some(SettledRow {
            venue: Venue::from_str(&m.venue).ok()?,
            symbol: Symbol::new(&m.symbol).ok()?,
            time_ms: m.time_ms,
            rate: Decimal::from_str(&m.rate).ok()?,
            interval: FundingInterval::from_hours(u32::try_from(m.interval_hours).ok()?).ok()?,
            mark,
        })
    })();
    if parsed.is_none() {
        tracing::warn!(id = m.id, "skipping unreadable settled funding row");
    }
    parsed
}

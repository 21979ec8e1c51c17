//! The collector's database side: predicted funding and marks written and old rows pruned
//! (by the scheduled jobs `funding_write`, `price_write`, `prune`), settled funding backfilled
//! from the venues (beside the collector's loop). None of it runs on the loop that carries
//! venue events to the engine, which never waits for the disk.

use crate::db;
use crate::db::funding::FundingRecord;
use crate::venue::DynVenue;
use app::api::FundingKind;
use app::market::{FundingSnapshot, MarkPrice};
use app::{Symbol, TimestampMs};
use sea_orm::{DatabaseConnection, DbErr};

/// Store every symbol's latest predicted funding; returns how many rows.
pub async fn write_funding(db: &DatabaseConnection, snapshots: Vec<FundingSnapshot>) -> Result<usize, DbErr> {
    let records: Vec<FundingRecord> = snapshots
        .into_iter()
        .map(|f| FundingRecord {
            venue: f.venue,
            symbol: f.symbol,
            kind: FundingKind::Predicted,
            time_ms: f.time_ms,
            rate: f.predicted,
        })
        .collect();
    db::funding::insert(db, &records).await?;
    Ok(records.len())
}

/// Store every symbol's latest mark and index; returns how many rows.
pub async fn write_prices(db: &DatabaseConnection, marks: Vec<MarkPrice>) -> Result<usize, DbErr> {
    db::prices::insert(db, &marks).await?;
    Ok(marks.len())
}

/// Delete funding and price rows older than `before` (venue time); returns how many.
pub async fn prune(db: &DatabaseConnection, before: TimestampMs) -> Result<u64, DbErr> {
    let funding = db::funding::prune(db, before).await?;
    let prices = db::prices::prune(db, before).await?;
    tracing::debug!(funding, prices, "pruned history");
    Ok(funding + prices)
}

/// Store settled rates from where the database stops (at most `retention_ms` back) to now.
pub async fn backfill(db: &DatabaseConnection, venue: &DynVenue, symbol: &Symbol, retention_ms: i64) {
    let now = venue.now_ms();
    let latest = db::funding::latest_time(db, venue.venue(), symbol, FundingKind::Settled).await.ok().flatten();
    let from = latest.unwrap_or(TimestampMs::MIN).max(now - retention_ms);
    match venue.funding_history(symbol, from, now).await {
        Ok(rows) => {
            let records: Vec<FundingRecord> = rows
                .into_iter()
                .map(|r| FundingRecord {
                    venue: r.venue,
                    symbol: r.symbol,
                    kind: FundingKind::Settled,
                    time_ms: r.time_ms,
                    rate: r.rate,
                })
                .collect();
            if let Err(e) = db::funding::insert(db, &records).await {
                tracing::error!(venue = %venue.venue(), %symbol, error = %e, "storing settled funding failed");
            }
        }
        Err(e) => tracing::warn!(venue = %venue.venue(), %symbol, error = %e, "funding history unavailable"),
    }
}

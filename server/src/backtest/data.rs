//! The history a backtest replays: the embedded year, plus every settlement the database
//! holds — imported files (`server history import`) and what the collector recorded from the
//! venues — not looped: a window must lie inside it.

use crate::db;
use crate::db::funding::SettledRow;
use crate::venue::sim::history::{History, HistoryError, Recorded, Settlement};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("embedded history: {0}")]
    Embedded(#[from] HistoryError),
    #[error("stored history: {0}")]
    Database(#[from] sea_orm::DbErr),
}

/// The embedded year alone.
pub fn embedded() -> Result<Arc<History>, HistoryError> {
    Ok(Arc::new(History::embedded()?.extended([])))
}

/// The embedded year and what the database adds.
pub async fn load(db: &DatabaseConnection) -> Result<Arc<History>, DataError> {
    let stored = db::funding::settled(db).await?;
    Ok(Arc::new(History::embedded()?.extended(stored.into_iter().map(recorded))))
}

/// A recording as the database stores it.
pub fn row(r: &Recorded) -> SettledRow {
    let s = &r.settlement;
    SettledRow {
        venue: r.venue,
        symbol: r.symbol.clone(),
        time_ms: s.time_ms,
        rate: s.rate,
        interval: s.interval,
        mark: s.mark,
    }
}

fn recorded(r: SettledRow) -> Recorded {
    let settlement = Settlement { time_ms: r.time_ms, rate: r.rate, interval: r.interval, mark: r.mark };
    Recorded { venue: r.venue, symbol: r.symbol, settlement }
}

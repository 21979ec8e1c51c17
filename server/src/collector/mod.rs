//! The market-data collector: follows every venue's updates, keeps the latest state in memory,
//! fans changed funding rows out to WebSocket clients, writes funding (every minute) and prices
//! (every 10 s) to the database, backfills settled rates, and prunes old rows.

pub mod state;

use crate::db;
use crate::db::funding::FundingRecord;
use crate::settings::CollectorSettings;
use crate::venue::{DynVenue, VenueEvent};
use app::api::{FundingKind, FundingRow};
use app::{MS_PER_HOUR, Symbol, TimestampMs, Venue};
use axum::extract::ws::Utf8Bytes;
use sea_orm::DatabaseConnection;
use state::MarketState;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, watch};
use tokio_util::sync::CancellationToken;

pub type SharedState = Arc<RwLock<MarketState>>;

/// A changed board row, serialized once for every WebSocket client.
#[derive(Clone, Debug)]
pub struct RowUpdate {
    pub row: Arc<FundingRow>,
    /// `FundingMessage::Update(row)` as JSON.
    pub json: Utf8Bytes,
}

impl RowUpdate {
    pub fn new(row: FundingRow) -> Self {
        let msg = app::ws::FundingMessage::Update(row);
        let json = serde_json::to_string(&msg).unwrap_or_default();
        let app::ws::FundingMessage::Update(row) = msg else { unreachable!("constructed as Update above") };
        Self { row: Arc::new(row), json: Utf8Bytes::from(json) }
    }
}

/// What the API needs from the collector: the state to read and the row stream to follow.
#[derive(Clone)]
pub struct CollectorHandle {
    pub state: SharedState,
    pub rows: broadcast::Sender<RowUpdate>,
    /// Becomes true once every venue's markets are known and history is backfilled.
    ready: watch::Sender<bool>,
    /// The board's rows as JSON and the state version they were made at (`board_json`).
    board_rows: Arc<Mutex<Option<(u64, Arc<str>)>>>,
}

impl CollectorHandle {
    pub fn new() -> Self {
        let (rows, _) = broadcast::channel(1024);
        Self { state: Arc::default(), rows, ready: watch::Sender::new(false), board_rows: Arc::default() }
    }

    pub fn is_ready(&self) -> bool {
        *self.ready.borrow()
    }

    /// Wait until the first discovery and backfill are done.
    pub async fn wait_ready(&self) {
        let mut rx = self.ready.subscribe();
        // An error means the collector is gone; nothing more to wait for.
        let _ = rx.wait_for(|r| *r).await;
    }

    pub fn read<T>(&self, f: impl FnOnce(&MarketState) -> T) -> T {
        f(&self.state.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// `FundingBoard { as_of_ms, rows }` as JSON. The rows are serialised once per change of
    /// what they show, not per request: polling clients read the board far more often than
    /// the venues change it.
    pub fn board_json(&self, as_of_ms: TimestampMs) -> String {
        let mut cached = self.board_rows.lock().unwrap_or_else(|e| e.into_inner());
        let version = self.read(|s| s.board_version());
        let rows = match &*cached {
            Some((v, rows)) if *v == version => rows.clone(),
            _ => {
                // Version and rows under one read lock, so they belong together.
                let (version, board) = self.read(|s| (s.board_version(), s.board(as_of_ms)));
                let rows: Arc<str> = serde_json::to_string(&board.rows).unwrap_or_else(|_| "[]".into()).into();
                *cached = Some((version, rows.clone()));
                rows
            }
        };
        format!(r#"{{"as_of_ms":{as_of_ms},"rows":{rows}}}"#)
    }

    fn write<T>(&self, f: impl FnOnce(&mut MarketState) -> T) -> T {
        f(&mut self.state.write().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Default for CollectorHandle {
    fn default() -> Self {
        Self::new()
    }
}

pub struct Collector {
    handle: CollectorHandle,
    venues: Vec<DynVenue>,
    db: DatabaseConnection,
    settings: CollectorSettings,
}

impl Collector {
    pub fn new(
        handle: CollectorHandle,
        venues: Vec<DynVenue>,
        db: DatabaseConnection,
        settings: CollectorSettings,
    ) -> Self {
        Self { handle, venues, db, settings }
    }

    pub async fn run(self, cancel: CancellationToken) {
        let (tx, mut rx) = mpsc::channel::<VenueEvent>(8192);
        for venue in &self.venues {
            self.handle.write(|s| s.add_venue(venue.venue(), venue.mode()));
            tokio::spawn(forward(venue.clone(), tx.clone(), cancel.clone()));
        }
        drop(tx);
        // A venue unreachable at start-up is retried until its markets are known.
        let mut undiscovered = Vec::new();
        for venue in &self.venues {
            if !self.discover(venue).await {
                undiscovered.push(venue.clone());
            }
        }
        self.handle.ready.send_replace(true);
        let mut rediscover_timer = tokio::time::interval(Duration::from_secs(self.settings.rediscover_secs.max(1)));
        rediscover_timer.reset();
        let mut funding_timer = tokio::time::interval(Duration::from_secs(self.settings.funding_write_secs.max(1)));
        let mut price_timer = tokio::time::interval(Duration::from_secs(self.settings.price_write_secs.max(1)));
        let mut prune_timer = tokio::time::interval(Duration::from_secs(self.settings.prune_every_secs.max(1)));
        for t in [&mut funding_timer, &mut price_timer, &mut prune_timer] {
            t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        }
        loop {
            tokio::select! {
                _ = cancel.cancelled() => break,
                event = rx.recv() => match event {
                    Some(event) => self.on_event(&event),
                    None => break,
                },
                _ = funding_timer.tick() => self.write_funding().await,
                _ = price_timer.tick() => self.write_prices().await,
                _ = prune_timer.tick() => self.prune().await,
                _ = rediscover_timer.tick(), if !undiscovered.is_empty() => {
                    let mut still = Vec::new();
                    for venue in undiscovered.drain(..) {
                        if !self.discover(&venue).await {
                            still.push(venue);
                        }
                    }
                    undiscovered = still;
                }
            }
        }
        tracing::info!("collector stopped");
    }

    /// Learn a venue's markets and backfill its settled funding for the retention window.
    /// False when the markets could not be listed (retried later).
    async fn discover(&self, venue: &DynVenue) -> bool {
        let markets = match venue.markets().await {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(venue = %venue.venue(), error = %e, "cannot list markets; will retry");
                return false;
            }
        };
        self.handle.write(|s| s.list_symbols(venue.venue(), markets.iter().map(|m| m.symbol.clone())));
        for m in &markets {
            if let Ok(f) = venue.funding(&m.symbol).await {
                self.on_event(&VenueEvent::Funding(f));
            }
            backfill(&self.db, venue, &m.symbol, self.retention_ms()).await;
        }
        true
    }

    fn retention_ms(&self) -> i64 {
        i64::from(self.settings.retention_days) * 24 * MS_PER_HOUR
    }

    fn on_event(&self, event: &VenueEvent) {
        let settled_before = match event {
            VenueEvent::Funding(f) => {
                self.handle.read(|s| s.funding(&f.symbol, f.venue).map(|old| old.next_funding_ms))
            }
            _ => None,
        };
        if let Some(row) = self.handle.write(|s| s.apply(event)) {
            // No subscribers is normal when no browser is open.
            let _ = self.handle.rows.send(RowUpdate::new(row));
        }
        if let (VenueEvent::Funding(f), Some(before)) = (event, settled_before)
            && f.next_funding_ms > before
            && let Some(venue) = self.venue(f.venue)
        {
            // A settlement passed: fetch it from the venue, which is the truth.
            let (db, symbol, retention) = (self.db.clone(), f.symbol.clone(), self.retention_ms());
            tokio::spawn(async move { backfill(&db, &venue, &symbol, retention).await });
        }
    }

    fn venue(&self, v: Venue) -> Option<DynVenue> {
        self.venues.iter().find(|x| x.venue() == v).cloned()
    }

    async fn write_funding(&self) {
        let records: Vec<FundingRecord> = self.handle.read(|s| {
            s.snapshots()
                .into_iter()
                .map(|f| FundingRecord {
                    venue: f.venue,
                    symbol: f.symbol,
                    kind: FundingKind::Predicted,
                    time_ms: f.time_ms,
                    rate: f.predicted,
                })
                .collect()
        });
        if let Err(e) = db::funding::insert(&self.db, &records).await {
            tracing::error!(error = %e, "writing funding snapshots failed");
        }
    }

    async fn write_prices(&self) {
        let marks = self.handle.read(|s| s.marks());
        if let Err(e) = db::prices::insert(&self.db, &marks).await {
            tracing::error!(error = %e, "writing mark prices failed");
        }
    }

    async fn prune(&self) {
        let Some(now) = self.venues.iter().map(|v| v.now_ms()).max() else { return };
        let before = now - self.retention_ms();
        let funding = db::funding::prune(&self.db, before).await;
        let prices = db::prices::prune(&self.db, before).await;
        match (funding, prices) {
            (Ok(f), Ok(p)) => tracing::debug!(funding = f, prices = p, "pruned history"),
            (Err(e), _) | (_, Err(e)) => tracing::error!(error = %e, "pruning failed"),
        }
    }
}

/// Copy one venue's event stream into the collector's queue. A lagging receiver skips what it
/// missed: the next events carry the full latest state.
async fn forward(venue: DynVenue, tx: mpsc::Sender<VenueEvent>, cancel: CancellationToken) {
    let mut rx = venue.subscribe();
    loop {
        let event = tokio::select! {
            _ = cancel.cancelled() => return,
            e = rx.recv() => e,
        };
        match event {
            Ok(e) => {
                if tx.send(e).await.is_err() {
                    return;
                }
            }
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(venue = %venue.venue(), skipped = n, "collector lagged behind venue events");
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
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

/// How many settled rows each venue has, for diagnostics and tests.
pub async fn settled_counts(db: &DatabaseConnection, symbol: &Symbol) -> HashMap<Venue, usize> {
    let filter = db::funding::HistoryFilter {
        symbol: symbol.clone(),
        venue: None,
        kind: FundingKind::Settled,
        from_ms: 0,
        to_ms: i64::MAX,
    };
    let mut out = HashMap::new();
    for p in db::funding::history(db, &filter).await.unwrap_or_default() {
        *out.entry(p.venue).or_default() += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::api::FundingBoard;
    use app::market::{FundingSnapshot, MarkPrice};
    use app::{FundingInterval, FundingRate, Price};
    use rust_decimal_macros::dec;

    fn board(h: &CollectorHandle, now: TimestampMs) -> FundingBoard {
        serde_json::from_str(&h.board_json(now)).expect("the board's JSON")
    }

    #[test]
    fn the_cached_board_is_the_board_after_every_change() {
        let h = CollectorHandle::new();
        let symbol = Symbol::new("ETH").unwrap();
        let funding = |rate| {
            VenueEvent::Funding(FundingSnapshot {
                venue: Venue::Binance,
                symbol: symbol.clone(),
                predicted: FundingRate::new(rate, FundingInterval::EIGHT_HOURS),
                last_settled: None,
                next_funding_ms: 0,
                time_ms: 1,
            })
        };
        let mark = |p| {
            VenueEvent::Mark(MarkPrice { venue: Venue::Binance, symbol: symbol.clone(), mark: p, index: p, time_ms: 2 })
        };
        assert_eq!(board(&h, 5), h.read(|s| s.board(5)));
        for event in [funding(dec!(0.0001)), mark(Price(dec!(2500))), mark(Price(dec!(2501))), funding(dec!(0.0002))] {
            h.write(|s| s.apply(&event));
            assert_eq!(board(&h, 7), h.read(|s| s.board(7)), "after {event:?}");
        }
        let later = board(&h, 9);
        assert_eq!(later.as_of_ms, 9, "the time is the request's, the rows are cached");
        assert_eq!(later.rows[0].binance.as_ref().and_then(|b| b.mark_price), Some(Price(dec!(2501))));
    }
}

//! The market-data owner. One actor follows every venue's stream and holds the latest funding,
//! marks, books and connectivity (`state::MarketState`, read by the API). It fans changed
//! funding rows out to the board's WebSocket clients, feeds the engine (account events all,
//! market events sampled: `sampler`), and judges each venue's freshness by one policy
//! (`freshness`), telling the engine before anyone else can read the verdict. Its database
//! work (`store`) runs beside it, never in its way. When a venue's stream may have lost events
//! (the forwarder lagged, the stream reconnected) it asks the re-fetcher (`crate::refetch`).

pub mod freshness;
pub mod sampler;
pub mod state;
pub mod store;

use crate::clock::Clock;
use crate::engine::EngineEvent;
use crate::notify::Notifier;
use crate::refetch::RefetchHandle;
use crate::settings::CollectorSettings;
use crate::venue::{DynVenue, VenueEvent};
use app::api::FundingRow;
use app::market::Freshness;
use app::trading::{Kind, Level, Notification};
use app::{MS_PER_HOUR, TimestampMs, Venue};
use axum::extract::ws::Utf8Bytes;
use freshness::FreshnessPolicy;
use sampler::Sampler;
use sea_orm::DatabaseConnection;
use state::MarketState;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, watch};
use tokio_util::sync::CancellationToken;

pub type SharedState = Arc<RwLock<MarketState>>;

/// How often (wall time) each venue's freshness is judged.
const JUDGE_EVERY: Duration = Duration::from_millis(250);

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
    /// Becomes true once every venue's markets are known and history is backfilled (or the
    /// venue failed to answer once; it is retried).
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

/// What enters the collector's queue, in one order per venue.
enum Input {
    Event(VenueEvent),
    /// A venue's discovery finished: markets listed and history backfilled (or it failed).
    Discovered {
        venue: Venue,
        ok: bool,
    },
}

pub struct Collector {
    handle: CollectorHandle,
    venues: Vec<DynVenue>,
    db: DatabaseConnection,
    settings: CollectorSettings,
    clock: Clock,
    /// The engine's queue; none when the collector runs alone (board only).
    engine: Option<mpsc::Sender<EngineEvent>>,
    notifier: Notifier,
    sampler: Sampler,
    policy: FreshnessPolicy,
    /// Venues whose data has been fresh once: only their later changes are news.
    was_fresh: HashSet<Venue>,
    /// Asked to fetch a venue's history again when its stream may have lost events.
    refetch: Option<RefetchHandle>,
    /// Venues whose stream is down (a reconnect is a reason to re-fetch).
    disconnected: HashSet<Venue>,
}

impl Collector {
    pub fn new(
        handle: CollectorHandle,
        venues: Vec<DynVenue>,
        db: DatabaseConnection,
        settings: CollectorSettings,
        clock: Clock,
        notifier: Notifier,
    ) -> Self {
        let policy = FreshnessPolicy { stale_after_ms: i64::try_from(settings.stale_after_secs).unwrap_or(30) * 1000 };
        Self {
            handle,
            venues,
            db,
            settings,
            clock,
            engine: None,
            notifier,
            sampler: Sampler::default(),
            policy,
            was_fresh: HashSet::new(),
            refetch: None,
            disconnected: HashSet::new(),
        }
    }

    /// Ask `refetch` for what a lagging or reconnected stream may have lost.
    pub fn refetching(mut self, refetch: RefetchHandle) -> Self {
        self.refetch = Some(refetch);
        self
    }

    /// Feed the engine: every account event, sampled market events and freshness verdicts.
    pub fn feeding(mut self, engine: mpsc::Sender<EngineEvent>) -> Self {
        self.engine = Some(engine);
        self
    }

    pub async fn run(mut self, cancel: CancellationToken) {
        let (tx, mut rx) = mpsc::channel::<Input>(8192);
        for venue in &self.venues {
            self.handle.write(|s| s.add_venue(venue.venue(), venue.mode()));
            tokio::spawn(forward(venue.clone(), tx.clone(), self.refetch.clone(), cancel.clone()));
        }
        // Discovery runs beside the loop: the loop must keep carrying venue events meanwhile.
        let mut undiscovered: HashSet<Venue> = self.venues.iter().map(|v| v.venue()).collect();
        let mut first_round: HashSet<Venue> = undiscovered.clone();
        for venue in &self.venues {
            tokio::spawn(self.discovery(venue.clone(), tx.clone()));
        }
        if first_round.is_empty() {
            self.handle.ready.send_replace(true);
        }
        let secs = |s: u64| Duration::from_secs(s.max(1));
        let mut rediscover = tokio::time::interval(secs(self.settings.rediscover_secs));
        rediscover.reset();
        let mut judge = tokio::time::interval(JUDGE_EVERY);
        judge.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = cancel.cancelled() => break,
                input = rx.recv() => match input {
                    Some(Input::Event(event)) => self.on_event(event).await,
                    Some(Input::Discovered { venue, ok }) => {
                        if ok {
                            undiscovered.remove(&venue);
                        }
                        if first_round.remove(&venue) && first_round.is_empty() {
                            self.handle.ready.send_replace(true);
                        }
                    }
                    None => break,
                },
                _ = judge.tick() => self.judge().await,
                _ = rediscover.tick(), if !undiscovered.is_empty() => {
                    for venue in self.venues.iter().filter(|v| undiscovered.contains(&v.venue())) {
                        tokio::spawn(self.discovery(venue.clone(), tx.clone()));
                    }
                }
            }
        }
        tracing::info!("collector stopped");
    }

    fn retention_ms(&self) -> i64 {
        i64::from(self.settings.retention_days) * 24 * MS_PER_HOUR
    }

    /// Learn a venue's markets, take each symbol's funding now (into the queue, as if pushed)
    /// and backfill its settled funding for the retention window; then say how it went.
    fn discovery(&self, venue: DynVenue, tx: mpsc::Sender<Input>) -> impl Future<Output = ()> + use<> {
        let (handle, db, retention) = (self.handle.clone(), self.db.clone(), self.retention_ms());
        async move {
            let ok = match venue.markets().await {
                Ok(markets) => {
                    handle.write(|s| s.list_symbols(venue.venue(), markets.iter().map(|m| m.symbol.clone())));
                    for m in &markets {
                        if let Ok(f) = venue.funding(&m.symbol).await {
                            let _ = tx.send(Input::Event(VenueEvent::Funding(f))).await;
                        }
                        store::backfill(&db, &venue, &m.symbol, retention).await;
                    }
                    true
                }
                Err(e) => {
                    tracing::warn!(venue = %venue.venue(), error = %e, "cannot list markets; will retry");
                    false
                }
            };
            let _ = tx.send(Input::Discovered { venue: venue.venue(), ok }).await;
        }
    }

    async fn on_event(&mut self, event: VenueEvent) {
        let received = self.clock.wall_ms();
        if let VenueEvent::Connection { venue, connected, .. } = &event {
            if !connected {
                self.disconnected.insert(*venue);
            } else if self.disconnected.remove(venue)
                && let Some(refetch) = &self.refetch
            {
                refetch.request(*venue, "reconnect");
            }
        }
        let settled_before = match &event {
            VenueEvent::Funding(f) => {
                self.handle.read(|s| s.funding(&f.symbol, f.venue).map(|old| old.next_funding_ms))
            }
            _ => None,
        };
        if let Some(row) = self.handle.write(|s| s.apply(&event, received)) {
            // No subscribers is normal when no browser is open.
            let _ = self.handle.rows.send(RowUpdate::new(row));
        }
        if let (VenueEvent::Funding(f), Some(before)) = (&event, settled_before)
            && f.next_funding_ms > before
            && let Some(venue) = self.venues.iter().find(|v| v.venue() == f.venue).cloned()
        {
            // A settlement passed: fetch it from the venue, which is the truth.
            let (db, symbol, retention) = (self.db.clone(), f.symbol.clone(), self.retention_ms());
            tokio::spawn(async move { store::backfill(&db, &venue, &symbol, retention).await });
        }
        if let Some(engine) = &self.engine
            && self.sampler.keep(&event)
        {
            let _ = engine.send(EngineEvent::Venue(event)).await;
        }
    }

    /// Judge every venue; tell the engine of changed verdicts first, then publish them where
    /// `/status` reads them, so that no reader sees a verdict the engine has not queued.
    async fn judge(&mut self) {
        let now = self.clock.wall_ms();
        let policy = self.policy;
        let changed = self.handle.read(|s| s.changed_verdicts(|v, h| policy.judge(v, h, now)));
        if changed.is_empty() {
            return;
        }
        if let Some(engine) = &self.engine {
            let _ = engine.send(EngineEvent::Freshness(changed.clone())).await;
        }
        self.handle.write(|s| s.set_verdicts(&changed));
        for verdict in changed {
            self.announce(verdict, now);
        }
    }

    fn announce(&mut self, verdict: Freshness, now: app::TimestampMs) {
        let venue = verdict.venue;
        let time_ms = self.clock.venue_ms();
        let n = match verdict.stale {
            None if self.was_fresh.insert(venue) => return,
            None => Notification::new(
                Level::Info,
                Kind::VenueFresh,
                time_ms,
                format!("{venue} market data fresh again"),
                "new positions may open",
            ),
            // Not news before the venue's data has ever been fresh (start-up).
            Some(_) if !self.was_fresh.contains(&venue) => return,
            Some(reason) => {
                let down = self.handle.read(|s| s.stream_down(venue));
                let (kind, what) = if down { (Kind::VenueDown, "down") } else { (Kind::VenueStale, "stale") };
                Notification::new(
                    Level::Warning,
                    kind,
                    time_ms,
                    format!("{venue} market data {what}"),
                    format!("{reason}; no new positions open until it is fresh again"),
                )
            }
        };
        tracing::debug!(%venue, wall_ms = now, "freshness changed");
        self.notifier.publish(n.about(venue));
    }
}

/// Copy one venue's event stream into the collector's queue. A lagging receiver skips what it
/// missed: the next market events carry the full latest state, and the account events it lost
/// (payments, order reports) are fetched again from the venue.
async fn forward(venue: DynVenue, tx: mpsc::Sender<Input>, refetch: Option<RefetchHandle>, cancel: CancellationToken) {
    let mut rx = venue.subscribe();
    loop {
        let event = tokio::select! {
            _ = cancel.cancelled() => return,
            e = rx.recv() => e,
        };
        match event {
            Ok(e) => {
                if tx.send(Input::Event(e)).await.is_err() {
                    return;
                }
            }
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(venue = %venue.venue(), skipped = n, "collector lagged behind venue events; re-fetching");
                if let Some(refetch) = &refetch {
                    refetch.request(venue.venue(), "lag");
                }
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::api::FundingBoard;
    use app::market::{FundingSnapshot, MarkPrice};
    use app::{FundingInterval, FundingRate, Price, Symbol};
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
            h.write(|s| s.apply(&event, 1));
            assert_eq!(board(&h, 7), h.read(|s| s.board(7)), "after {event:?}");
        }
        let later = board(&h, 9);
        assert_eq!(later.as_of_ms, 9, "the time is the request's, the rows are cached");
        assert_eq!(later.rows[0].binance.as_ref().and_then(|b| b.mark_price), Some(Price(dec!(2501))));
    }
}

//! (b) Decision → both legs handed to the venues, through the real `Runner` fed by the real
//! collector (the market-data owner), as in production.

use super::{START, percentile, sim_venues};
use app::market::FundingSnapshot;
use app::market::{MarkPrice, Market, OrderBook, SettledFunding, TopOfBook};
use app::order::{Balance, Fill, FundingPayment, OrderReport, OrderRequest, VenuePosition};
use app::params::StrategyParams;
use app::trading::PositionStatus;
use app::{ClientOrderId, FundingRate, Symbol, TimestampMs, Venue, VenueMode};
use async_trait::async_trait;
use rust_decimal::Decimal;
use server::clock::Clock;
use server::collector::{Collector, CollectorHandle};
use server::db::Durability;
use server::engine::Engine;
use server::engine::event_log::EventLog;
use server::notify::Notifier;
use server::settings::CollectorSettings;
use server::venue::sim::SimVenue;
use server::venue::{DynVenue, VenueClient, VenueError, VenueEvent};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, broadcast};
use tokio_util::sync::CancellationToken;
use tracing_subscriber::layer::{Context, SubscriberExt};

const DECISIONS: usize = 1_000;
const HOT: &str = "LINK";

/// Instants at which the engine decided to send orders: the runner's `engine::decision` trace
/// event, emitted as `Engine::process` returns outputs that include a send, before they are
/// stored and carried out.
static DECIDED: Mutex<Vec<Instant>> = Mutex::new(Vec::new());

struct DecisionMarks;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for DecisionMarks {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let at = Instant::now();
        if event.metadata().target() == "engine::decision" {
            DECIDED.lock().unwrap_or_else(|e| e.into_inner()).push(at);
        }
    }
}

/// The simulator, with the instant each `place_order` is entered.
pub struct Recording {
    pub inner: Arc<SimVenue>,
    pub calls: Arc<Calls>,
}

#[derive(Default)]
pub struct Calls {
    at: Mutex<Vec<Instant>>,
    changed: Notify,
}

impl Calls {
    pub fn take(&self) -> Vec<Instant> {
        std::mem::take(&mut *self.at.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub async fn wait_for(&self, n: usize) {
        loop {
            let notified = self.changed.notified();
            if self.at.lock().unwrap_or_else(|e| e.into_inner()).len() >= n {
                return;
            }
            notified.await;
        }
    }
}

#[async_trait]
impl VenueClient for Recording {
    fn venue(&self) -> Venue {
        self.inner.venue()
    }
    fn mode(&self) -> VenueMode {
        self.inner.mode()
    }
    fn now_ms(&self) -> TimestampMs {
        self.inner.now_ms()
    }
    fn subscribe(&self) -> broadcast::Receiver<VenueEvent> {
        self.inner.subscribe()
    }
    async fn markets(&self) -> Result<Vec<Market>, VenueError> {
        self.inner.markets().await
    }
    async fn funding(&self, symbol: &Symbol) -> Result<FundingSnapshot, VenueError> {
        self.inner.funding(symbol).await
    }
    async fn funding_history(
        &self,
        symbol: &Symbol,
        from_ms: TimestampMs,
        to_ms: TimestampMs,
    ) -> Result<Vec<SettledFunding>, VenueError> {
        self.inner.funding_history(symbol, from_ms, to_ms).await
    }
    async fn mark_price(&self, symbol: &Symbol) -> Result<MarkPrice, VenueError> {
        self.inner.mark_price(symbol).await
    }
    async fn top_of_book(&self, symbol: &Symbol) -> Result<TopOfBook, VenueError> {
        self.inner.top_of_book(symbol).await
    }
    async fn order_book(&self, symbol: &Symbol, depth: usize) -> Result<OrderBook, VenueError> {
        self.inner.order_book(symbol, depth).await
    }
    async fn place_order(&self, order: &OrderRequest) -> Result<OrderReport, VenueError> {
        self.calls.at.lock().unwrap_or_else(|e| e.into_inner()).push(Instant::now());
        self.calls.changed.notify_waiters();
        self.inner.place_order(order).await
    }
    async fn cancel_order(&self, symbol: &Symbol, id: &ClientOrderId) -> Result<OrderReport, VenueError> {
        self.inner.cancel_order(symbol, id).await
    }
    async fn query_order(&self, symbol: &Symbol, id: &ClientOrderId) -> Result<Option<OrderReport>, VenueError> {
        self.inner.query_order(symbol, id).await
    }
    async fn open_orders(&self) -> Result<Vec<OrderReport>, VenueError> {
        self.inner.open_orders().await
    }
    async fn positions(&self) -> Result<Vec<VenuePosition>, VenueError> {
        self.inner.positions().await
    }
    async fn balance(&self) -> Result<Balance, VenueError> {
        self.inner.balance().await
    }
    async fn fills(&self, since_ms: TimestampMs) -> Result<Vec<Fill>, VenueError> {
        self.inner.fills(since_ms).await
    }
    async fn funding_payments(&self, since_ms: TimestampMs) -> Result<Vec<FundingPayment>, VenueError> {
        self.inner.funding_payments(since_ms).await
    }
}

/// Per decision: venue event → decision, decision → first leg, decision → both legs, first
/// leg → second leg, and venue event → both legs, in nanoseconds.
async fn measure(db: Db) -> Vec<[u64; 5]> {
    let dir = tempfile::tempdir().expect("tmp");
    let url = match db {
        Db::Memory => "sqlite::memory:".to_owned(),
        Db::File(_) => format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()),
    };
    let durability = if let Db::File(d) = db { d } else { Durability::Normal };
    let db = server::db::connect_with(&url, durability).await.expect("database");
    let log = EventLog::create(&dir.path().join("events"), START).expect("event log");
    // The clock stands still: market data stays fresh, and no funding settles meanwhile.
    let clock = server::venue::sim::SimClock::manual(START);
    let sims = sim_venues(&clock);
    let calls = Arc::new(Calls::default());
    let venues: Vec<DynVenue> = Venue::ALL
        .iter()
        .map(|v| Arc::new(Recording { inner: sims[v].clone(), calls: calls.clone() }) as DynVenue)
        .collect();
    // Open on one observation, close on one, in one slice: every crafted event is a decision
    // that sends both legs at once.
    let params = StrategyParams {
        auto_open: true,
        entry_min_apr: Decimal::TEN,
        entry_confirmations: 1,
        exit_below_apr: -Decimal::ONE,
        slices: 1,
        ..Default::default()
    };
    let (runner, handle) = server::engine::run::runner(Engine::new(params, 1), venues.clone(), db.clone(), log);
    let clock = Clock::with_venue(clock);
    let runner = runner.with_clock(clock.clone());
    let settings = CollectorSettings {
        retention_days: 7,
        // Only the crafted events flow once the market is set up: never judge it stale here.
        stale_after_secs: 3_600,
        rediscover_secs: 30,
    };
    let collector =
        Collector::new(CollectorHandle::new(), venues, db, settings, clock, Notifier::new().0).feeding(handle.events());
    let cancel = CancellationToken::new();
    let collecting = tokio::spawn(collector.run(cancel.clone()));
    let task = tokio::spawn(runner.run(cancel.clone()));
    let mut positions = handle.positions.subscribe();
    tokio::time::sleep(Duration::from_millis(300)).await;
    for sim in sims.values() {
        sim.tick();
    }
    let hot = Symbol::new(HOT).expect("symbol");
    let ready = async {
        while !handle.read(|v| v.opportunities.iter().any(|o| o.symbol == hot)) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), ready).await.expect("the engine never saw the market");

    let lighter = &sims[&Venue::Lighter];
    let base = lighter.funding(&hot).await.expect("funding");
    let mut out = Vec::with_capacity(DECISIONS);
    for i in 0..DECISIONS {
        let opening = i % 2 == 0;
        let rate = Decimal::new(3, 3) + Decimal::new(i as i64, 12);
        let event = FundingSnapshot {
            predicted: FundingRate::new(if opening { rate } else { -rate }, base.predicted.interval),
            ..base.clone()
        };
        calls.take();
        DECIDED.lock().unwrap_or_else(|e| e.into_inner()).clear();
        let published = Instant::now();
        lighter.publish_event(VenueEvent::Funding(event));
        tokio::time::timeout(Duration::from_secs(10), calls.wait_for(2)).await.expect("both legs sent");
        let legs = calls.take();
        let decided = DECIDED.lock().unwrap_or_else(|e| e.into_inner()).first().copied().expect("a decision");
        // Let the fills come back and the position settle before the next decision.
        let done = if opening { PositionStatus::Open } else { PositionStatus::Closed };
        let settled = async {
            loop {
                match positions.recv().await {
                    Ok(p) if p.symbol == hot && p.status == done => return,
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => panic!("the engine stopped"),
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(10), settled).await.expect("position settled");
        tokio::time::sleep(Duration::from_millis(5)).await;
        let ns = |d: Duration| d.as_nanos() as u64;
        let (first, second) = (legs[0].min(legs[1]), legs[0].max(legs[1]));
        out.push([
            ns(decided - published),
            ns(first - decided),
            ns(second - decided),
            ns(second - first),
            ns(second - published),
        ]);
    }
    cancel.cancel();
    let _ = task.await;
    let _ = collecting.await;
    out
}

#[derive(Clone, Copy)]
enum Db {
    File(Durability),
    Memory,
}

pub fn decision_to_legs() {
    let subscriber = tracing_subscriber::registry().with(DecisionMarks);
    tracing::subscriber::set_global_default(subscriber).expect("one subscriber");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let runs = [
        (Db::File(Durability::Normal), "SQLite file, WAL, synchronous=NORMAL (default)"),
        (Db::File(Durability::Full), "SQLite file, WAL, synchronous=FULL"),
        (Db::Memory, "SQLite in memory"),
    ];
    for (db, label) in runs {
        let samples = rt.block_on(measure(db));
        let db = label;
        println!("\ndecision -> both legs handed to the venues (Runner, {db}, event log), {DECISIONS} decisions");
        println!("{:<26} {:>9} {:>9} {:>9}", "", "p50 µs", "p99 µs", "max µs");
        let labels = [
            "venue event -> decision",
            "decision -> first leg",
            "decision -> both legs",
            "first leg -> second leg",
            "venue event -> both legs",
        ];
        for (i, label) in labels.iter().enumerate() {
            let mut v: Vec<u64> = samples.iter().map(|s| s[i]).collect();
            v.sort_unstable();
            let us = |n: u64| n as f64 / 1000.0;
            let (p50, p99, max) = (percentile(&v, 0.5), percentile(&v, 0.99), v[v.len() - 1]);
            println!("{label:<26} {:>9.1} {:>9.1} {:>9.1}", us(p50), us(p99), us(max));
        }
    }
}

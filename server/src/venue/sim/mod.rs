//! The simulated venues — the embedded default. `sim-binance` (8 h funding, 4 h where the data
//! says so) and `sim-lighter` (hourly) replay a year of real funding, with a seeded price path,
//! a synthetic book, fees, margin, funding settlement and injectable faults.

pub mod clock;
pub mod exchange;
pub mod history;
pub mod journal;
pub mod machine;
pub mod market;
mod noise;

use super::{VenueClient, VenueError, VenueEvent};
use crate::settings::FaultSettings;
use app::market::{FundingSnapshot, MarkPrice, Market, OrderBook, SettledFunding, TopOfBook};
use app::order::{Balance, Fill, FundingPayment, OrderReport, OrderRequest, VenuePosition};
use app::{ClientOrderId, Symbol, TimestampMs, Venue, VenueMode};
use async_trait::async_trait;
pub use clock::SimClock;
use exchange::SimExchange;
use history::History;
use machine::{Phase, PlaceError, SimCore};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

pub struct SimConfig {
    pub seed: u64,
    pub starting_balance: Decimal,
    pub faults: FaultSettings,
}

struct Inner {
    core: SimCore,
    /// Where the state is journaled after every change (none: in memory only).
    journal: Option<std::path::PathBuf>,
}

pub struct SimVenue {
    venue: Venue,
    seed: u64,
    clock: SimClock,
    faults: FaultSettings,
    started: Instant,
    inner: Mutex<Inner>,
    events: broadcast::Sender<VenueEvent>,
    /// A fault on demand: the market-data stream stays open but sends nothing.
    stalled: std::sync::atomic::AtomicBool,
    /// A fault on demand: every order is refused, as a venue in maintenance refuses them.
    refusing: std::sync::atomic::AtomicBool,
}

impl SimVenue {
    pub fn new(venue: Venue, history: Arc<History>, clock: SimClock, config: SimConfig) -> Arc<Self> {
        let (events, _) = broadcast::channel(8192);
        let now = clock.now_ms();
        let inner =
            Inner { core: SimCore::new(venue, history, config.seed, config.starting_balance, now), journal: None };
        Arc::new(Self {
            venue,
            seed: config.seed,
            clock,
            faults: config.faults,
            started: Instant::now(),
            inner: Mutex::new(inner),
            events,
            stalled: std::sync::atomic::AtomicBool::new(false),
            refusing: std::sync::atomic::AtomicBool::new(false),
        })
    }

    pub fn clock(&self) -> &SimClock {
        &self.clock
    }

    /// Journal this venue's state at `path`, resuming from it if it exists: the simulator's
    /// orders, fills, positions and wallet then survive our restarts, as a real venue's do.
    pub fn journal_at(&self, path: std::path::PathBuf) -> std::io::Result<()> {
        let saved = journal::load(&path)?;
        self.resume_from(path, saved)
    }

    /// As [`SimVenue::journal_at`] with the saved state already read (start-up reads each
    /// journal once, to resume the clock too).
    pub fn resume_from(&self, path: std::path::PathBuf, saved: Option<journal::SimState>) -> std::io::Result<()> {
        let mut inner = self.lock();
        if let Some(saved) = saved {
            if saved.venue != self.venue {
                return Err(std::io::Error::other(format!("{} holds {}'s state", path.display(), saved.venue)));
            }
            tracing::info!(venue = %self.venue, path = %path.display(), "simulated venue resumes its saved state");
            inner.core.exchange = saved.exchange;
            inner.core.synced_ms = saved.synced_ms;
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        inner.journal = Some(path);
        self.save(&inner);
        Ok(())
    }

    /// A copy of the venue's books (tests read what the venue holds).
    pub fn exchange(&self) -> SimExchange {
        self.lock().core.exchange().clone()
    }

    fn save(&self, inner: &Inner) {
        if let Some(path) = &inner.journal
            && let Err(e) = journal::save(path, self.venue, inner.core.synced_ms, inner.core.exchange())
        {
            tracing::error!(venue = %self.venue, error = %e, "simulated venue could not journal its state");
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent-enough state for a simulator.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Push an event on this venue's stream as if the venue had sent it: the hook that tests
    /// and benchmarks use to measure the path from a venue update to the browser.
    pub fn publish_event(&self, event: VenueEvent) {
        self.publish(event);
    }

    fn publish(&self, event: VenueEvent) {
        // No receivers is fine: nobody is listening yet.
        let _ = self.events.send(event);
    }

    /// Whether a disconnect fault is in force now (measured in real time).
    fn disconnected(&self) -> bool {
        let f = &self.faults;
        f.disconnect_every_secs > 0 && {
            let s = self.started.elapsed().as_secs();
            s >= f.disconnect_every_secs && s % f.disconnect_every_secs < f.disconnect_secs
        }
    }

    /// Settle funding and fill resting orders up to `t`, publishing what happened.
    fn sync(&self, inner: &mut Inner, t: TimestampMs) {
        let mut events = Vec::new();
        inner.core.sync(t, &mut events);
        if !events.is_empty() {
            self.save(inner);
        }
        events.into_iter().for_each(|e| self.publish(e));
    }

    /// Stall (or resume) the market-data stream: the venue keeps trading and settling, but
    /// publishes no funding, marks or books, as a real venue's feed sometimes goes quiet.
    pub fn stall_market_data(&self, stalled: bool) {
        self.stalled.store(stalled, std::sync::atomic::Ordering::SeqCst);
    }

    /// Refuse (or accept again) every order, as a venue in maintenance does.
    pub fn refuse_orders(&self, refusing: bool) {
        self.refusing.store(refusing, std::sync::atomic::Ordering::SeqCst);
    }

    /// One publication of market data for every symbol, as a venue's streams would push it:
    /// settlements, books, marks, funding (see [`machine`]).
    pub fn tick(&self) {
        for phase in Phase::ALL {
            self.tick_phase(phase);
        }
    }

    /// One phase of a publication at the clock's time (a test steps the phases one by one).
    pub fn tick_phase(&self, phase: Phase) {
        let t = self.clock.now_ms();
        let mut inner = self.lock();
        if phase == Phase::Settle {
            return self.sync(&mut inner, t);
        }
        if self.disconnected() || self.stalled.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        let mut events = Vec::new();
        inner.core.publish(phase, t, &mut events);
        drop(inner);
        events.into_iter().for_each(|e| self.publish(e));
    }

    /// Publish market data every `every` until cancelled; reports connection changes.
    pub async fn run(self: Arc<Self>, every: Duration, cancel: CancellationToken) {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut was_connected = true;
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = interval.tick() => {}
            }
            let connected = !self.disconnected();
            if connected != was_connected {
                was_connected = connected;
                tracing::warn!(venue = %self.venue, connected, "simulated connection change");
                self.publish(VenueEvent::Connection { venue: self.venue, connected, time_ms: self.clock.now_ms() });
            }
            self.tick();
        }
    }

    /// Latency and disconnect faults, applied before every request.
    async fn gate(&self) -> Result<(), VenueError> {
        if self.faults.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(self.faults.latency_ms)).await;
        }
        if self.disconnected() {
            return Err(VenueError::Connectivity { venue: self.venue, message: "simulated disconnect".into() });
        }
        Ok(())
    }

    /// Seeded per order id, so a replay with the same seed meets the same faults.
    fn fault_hits(&self, rate: f64, salt: u64, id: &ClientOrderId) -> bool {
        let p = Decimal::from_f64(rate).unwrap_or_default();
        p > Decimal::ZERO && noise::unit(&[self.seed, salt, noise::hash_str(id.as_str())]) < p
    }

    fn unknown_symbol(&self, symbol: &Symbol) -> VenueError {
        VenueError::Rejected {
            venue: self.venue,
            code: "unknown_symbol".into(),
            message: format!("no market {symbol}"),
        }
    }

    /// List only these markets (a test or a trial on a few symbols).
    pub fn restrict(&self, symbols: &[Symbol]) {
        self.lock().core.restrict(symbols);
    }

    pub fn set_leverage(&self, symbol: &Symbol, leverage: u32) {
        let mut inner = self.lock();
        inner.core.set_leverage(symbol, leverage);
        self.save(&inner);
    }
}

#[async_trait]
impl VenueClient for SimVenue {
    fn venue(&self) -> Venue {
        self.venue
    }

    fn mode(&self) -> VenueMode {
        VenueMode::Sim
    }

    fn now_ms(&self) -> TimestampMs {
        self.clock.now_ms()
    }

    fn subscribe(&self) -> broadcast::Receiver<VenueEvent> {
        self.events.subscribe()
    }

    async fn markets(&self) -> Result<Vec<Market>, VenueError> {
        self.gate().await?;
        Ok(self.lock().core.markets())
    }

    async fn funding(&self, symbol: &Symbol) -> Result<FundingSnapshot, VenueError> {
        self.gate().await?;
        let t = self.clock.now_ms();
        self.lock().core.market_data().funding(symbol, t).ok_or_else(|| self.unknown_symbol(symbol))
    }

    async fn funding_history(
        &self,
        symbol: &Symbol,
        from_ms: TimestampMs,
        to_ms: TimestampMs,
    ) -> Result<Vec<SettledFunding>, VenueError> {
        self.gate().await?;
        let to_ms = to_ms.min(self.clock.now_ms());
        let mut inner = self.lock();
        let market = inner.core.market_data();
        market.market(symbol).ok_or_else(|| self.unknown_symbol(symbol))?;
        let rows = market.settlements(symbol, from_ms, to_ms).into_iter().map(|s| SettledFunding {
            venue: self.venue,
            symbol: symbol.clone(),
            time_ms: s.time_ms,
            rate: app::FundingRate::new(s.rate, s.interval),
        });
        Ok(rows.collect())
    }

    async fn mark_price(&self, symbol: &Symbol) -> Result<MarkPrice, VenueError> {
        self.gate().await?;
        let t = self.clock.now_ms();
        self.lock().core.market_data().mark(symbol, t).ok_or_else(|| self.unknown_symbol(symbol))
    }

    async fn top_of_book(&self, symbol: &Symbol) -> Result<TopOfBook, VenueError> {
        self.gate().await?;
        let t = self.clock.now_ms();
        self.lock().core.market_data().top_of_book(symbol, t).ok_or_else(|| self.unknown_symbol(symbol))
    }

    async fn order_book(&self, symbol: &Symbol, depth: usize) -> Result<OrderBook, VenueError> {
        self.gate().await?;
        let t = self.clock.now_ms();
        self.lock().core.market_data().order_book(symbol, t, depth).ok_or_else(|| self.unknown_symbol(symbol))
    }

    async fn place_order(&self, order: &OrderRequest) -> Result<OrderReport, VenueError> {
        self.gate().await?;
        let id = &order.client_order_id;
        if self.refusing.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(VenueError::Rejected {
                venue: self.venue,
                code: "sim_maintenance".into(),
                message: "the venue refuses orders (maintenance)".into(),
            });
        }
        if self.fault_hits(self.faults.reject_rate, 0x4E1, id) {
            return Err(VenueError::Rejected {
                venue: self.venue,
                code: "sim_reject".into(),
                message: "injected reject".into(),
            });
        }
        let t = self.clock.now_ms();
        let cap = self.fault_hits(self.faults.partial_fill_rate, 0x9A7, id).then(|| {
            order.qty.0
                * (Decimal::new(2, 1)
                    + noise::unit(&[self.seed, 0x9A8, noise::hash_str(id.as_str())]) * Decimal::new(6, 1))
        });
        let mut events = Vec::new();
        let placed = {
            let mut inner = self.lock();
            let placed = inner.core.place(order, cap, t, &mut events);
            // Journaled before any answer leaves the venue.
            self.save(&inner);
            placed
        };
        events.into_iter().for_each(|e| self.publish(e));
        let report = placed.map_err(|e| match e {
            PlaceError::UnknownSymbol => self.unknown_symbol(&order.symbol),
            PlaceError::Rejected(r) => {
                VenueError::Rejected { venue: self.venue, code: r.code.into(), message: r.message }
            }
        })?;
        if self.fault_hits(self.faults.outcome_unknown_rate, 0x5CC, id) {
            return Err(VenueError::OutcomeUnknown { venue: self.venue, message: "injected 5xx after accept".into() });
        }
        Ok(report)
    }

    async fn cancel_order(&self, symbol: &Symbol, id: &ClientOrderId) -> Result<OrderReport, VenueError> {
        self.gate().await?;
        let t = self.clock.now_ms();
        let report = {
            let mut inner = self.lock();
            let report = inner.core.cancel(id, t);
            self.save(&inner);
            report
        }
        .ok_or_else(|| VenueError::Rejected {
            venue: self.venue,
            code: "unknown_order".into(),
            message: format!("no order {id} on {symbol}"),
        })?;
        self.publish(VenueEvent::Order(report.clone()));
        Ok(report)
    }

    async fn query_order(&self, _symbol: &Symbol, id: &ClientOrderId) -> Result<Option<OrderReport>, VenueError> {
        self.gate().await?;
        Ok(self.lock().core.order(id).cloned())
    }

    async fn open_orders(&self) -> Result<Vec<OrderReport>, VenueError> {
        self.gate().await?;
        Ok(self.lock().core.exchange().open_orders())
    }

    async fn positions(&self) -> Result<Vec<VenuePosition>, VenueError> {
        self.gate().await?;
        let t = self.clock.now_ms();
        let mut inner = self.lock();
        self.sync(&mut inner, t);
        Ok(inner.core.positions(t, &mut Vec::new()))
    }

    async fn balance(&self) -> Result<Balance, VenueError> {
        self.gate().await?;
        let t = self.clock.now_ms();
        let mut inner = self.lock();
        self.sync(&mut inner, t);
        Ok(inner.core.balance(t, &mut Vec::new()))
    }

    async fn fills(&self, since_ms: TimestampMs) -> Result<Vec<Fill>, VenueError> {
        self.gate().await?;
        Ok(self.lock().core.exchange().fills_since(since_ms))
    }

    async fn funding_payments(&self, since_ms: TimestampMs) -> Result<Vec<FundingPayment>, VenueError> {
        self.gate().await?;
        let t = self.clock.now_ms();
        let mut inner = self.lock();
        self.sync(&mut inner, t);
        Ok(inner.core.exchange().payments_since(since_ms))
    }
}

#[cfg(test)]
mod tests;

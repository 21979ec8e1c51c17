//! The backtest makes the live runner's decisions. One week, the same seed and parameters:
//! once through the backtester, once through the live platform's own pieces — `SimVenue`s
//! publishing on their broadcasts, the `Collector` (its queue, its sampler, its freshness
//! judge), the async `Runner` (its queue, its event log, its write-ahead SQLite transaction,
//! its sends on spawned tasks) — with the simulators' clock moved as fast as the pipeline
//! drains (a week in seconds), on the backtester's schedule (`driver`'s module comment).
//!
//! Why by hand and not on a scaled clock: with a clock that runs by itself, when each tick and
//! timer lands depends on the operating system's scheduler, so no two live runs see the same
//! instants; stepping the clock makes the live run reproducible, and everything between the
//! venues and the engine is still the live code. Tokio's clock is paused, and the test never
//! lets the runtime go idle (it polls rather than sleeps), so the runner's and the collector's
//! own timers fire only where the schedule puts them: once, at start-up.
//!
//! The live engine's inputs are in its event log; replaying them through a fresh engine gives
//! exactly its outputs (that is what the log is for), and those are compared with the
//! backtest's: the same positions opened and closed at the same venue times, the same fills,
//! the same funding payments, the same P&L.

use super::busy as trading_params;
use crate::backtest::driver::Driver;
use crate::backtest::ledger::Ledger;
use crate::backtest::spec::Spec;
use crate::backtest::{data, report};
use crate::clock::{Clock, TimeSource};
use crate::collector::sampler::Sampler;
use crate::collector::{Collector, CollectorHandle};
use crate::engine::event_log::EventLog;
use crate::engine::{Command, Engine, EngineEvent, EngineHandle};
use crate::notify::Notifier;
use crate::settings::{FaultSettings, Settings};
use crate::venue::sim::history::History;
use crate::venue::sim::machine::Phase;
use crate::venue::sim::{SimConfig, SimVenue};
use crate::venue::{DynVenue, VenueClient, VenueEvent};
use app::backtest::{Resolution, parse_day};
use app::market::Freshness;
use app::trading::CloseAllRequest;
use app::{Symbol, TimestampMs, Venue};
use rust_decimal::Decimal;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

const SYMBOLS: [&str; 6] = ["BTC", "ETH", "SOL", "DOGE", "TIA", "SUI"];

fn week() -> Spec {
    Spec {
        from_ms: parse_day("2025-10-01").unwrap(),
        to_ms: parse_day("2025-10-08").unwrap(),
        symbols: SYMBOLS.iter().map(|s| Symbol::new(s).unwrap()).collect(),
        params: trading_params(),
        resolution: Resolution::Hour,
        strict: false,
        seed: 42,
        starting_balance: Decimal::from(100_000),
    }
}

/// The live platform's pieces on simulated venues whose clock the test moves.
struct Live {
    sims: Vec<Arc<SimVenue>>,
    clock: TimeSource,
    engine: EngineHandle,
    log_path: PathBuf,
    /// What the venues published, through a sampler like the collector's: what the engine gets.
    published: Vec<broadcast::Receiver<VenueEvent>>,
    sampler: Sampler,
    kept: usize,
    /// Events fed by the test itself (timers, balances).
    injected: usize,
    log: LogCount,
    cancel: CancellationToken,
    _dir: tempfile::TempDir,
}

/// The engine's event log read as it grows: how many venue events and how many timers and
/// balances it has processed.
struct LogCount {
    reader: Option<BufReader<std::fs::File>>,
    offset: u64,
    partial: String,
    venue: usize,
    injected: usize,
    fresh: bool,
}

impl LogCount {
    fn refresh(&mut self, path: &Path) {
        if self.reader.is_none() {
            self.reader = std::fs::File::open(path).ok().map(BufReader::new);
        }
        let Some(r) = self.reader.as_mut() else { return };
        let _ = r.seek(SeekFrom::Start(self.offset));
        loop {
            let mut line = String::new();
            let n = r.read_line(&mut line).unwrap_or(0);
            if n == 0 {
                break;
            }
            self.offset += n as u64;
            self.partial.push_str(&line);
            if !self.partial.ends_with('\n') {
                continue;
            }
            let l = std::mem::take(&mut self.partial);
            if l.starts_with("{\"Venue\"") {
                self.venue += 1;
            } else if l.starts_with("{\"Timer\"") || l.starts_with("{\"Balance\"") {
                self.injected += 1;
            } else if l.starts_with("{\"Freshness\"") {
                let event: EngineEvent = serde_json::from_str(&l).unwrap();
                if let EngineEvent::Freshness(v) = event {
                    self.fresh = v.len() == 2 && v.iter().all(Freshness::is_fresh);
                }
            }
        }
    }
}

impl Live {
    async fn start(spec: &Spec, history: Arc<History>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let clock = TimeSource::manual(spec.from_ms);
        let mut sims = Vec::new();
        for v in Venue::ALL {
            let config = SimConfig {
                seed: spec.seed,
                starting_balance: spec.starting_balance,
                faults: FaultSettings::default(),
            };
            let sim = SimVenue::new(v, history.clone(), clock.clone(), config);
            sim.restrict(&spec.symbols);
            let leverage =
                if v == Venue::Binance { spec.params.leverage_binance } else { spec.params.leverage_lighter };
            for s in &spec.symbols {
                sim.set_leverage(s, leverage);
            }
            sims.push(sim);
        }
        let published = sims.iter().map(|s| s.subscribe()).collect();
        let venues: Vec<DynVenue> = sims.iter().map(|s| s.clone() as DynVenue).collect();
        let db = crate::db::connect("sqlite::memory:").await.unwrap();
        let env = config::Environment::with_prefix("ARB").source(Some(std::collections::HashMap::new()));
        let settings = Settings::load_with_env(None, env).unwrap();
        let platform = Clock::new(TimeSource::System, clock.clone());
        let notifier = Notifier::new().0;
        let log = EventLog::create(dir.path(), 0).unwrap();
        let log_path = log.path().to_owned();
        // From here on, tokio's clock moves only when the test says so.
        tokio::time::pause();
        let engine = Engine::new(spec.params.clone(), 1);
        let (runner, handle) = crate::engine::run::runner(engine, venues.clone(), db.clone(), log);
        let runner = runner.with_clock(platform.clone()).with_notifier(notifier.clone());
        let collector_handle = CollectorHandle::new();
        let collector =
            Collector::new(collector_handle.clone(), venues, db, settings.collector.clone(), platform, notifier)
                .feeding(handle.events());
        let cancel = CancellationToken::new();
        tokio::spawn(collector.run(cancel.clone()));
        tokio::spawn(runner.run(cancel.clone()));
        busy(collector_handle.wait_ready()).await;
        let mut live = Live {
            sims,
            clock,
            engine: handle,
            log_path,
            published,
            sampler: Sampler::default(),
            kept: 0,
            injected: 0,
            log: LogCount { reader: None, offset: 0, partial: String::new(), venue: 0, injected: 0, fresh: false },
            cancel,
            _dir: dir,
        };
        // The collector's discovery took each symbol's funding by request, not from the
        // stream: the engine got those too, and the collector's sampler remembers them.
        for sim in live.sims.clone() {
            for s in &spec.symbols {
                let f = busy(sim.funding(s)).await.unwrap();
                if live.sampler.keep(&VenueEvent::Funding(f)) {
                    live.kept += 1;
                }
            }
        }
        // Tokio fires a timer only once its clock has passed the deadline: one millisecond
        // lets the runner's and the collector's first ticks go off (a timer, a balance poll,
        // the first freshness judgement, which finds the discovered data fresh), and never
        // again.
        live.drain_until(|l| l.log.venue >= l.kept).await;
        tokio::time::advance(Duration::from_millis(1)).await;
        live.drain_until(|l| l.log.fresh && l.log.injected >= 3).await;
        live.injected = live.log.injected;
        live.settle().await;
        live
    }

    async fn drain_until(&mut self, done: impl Fn(&Self) -> bool) {
        loop {
            self.count();
            if done(self) {
                return;
            }
            tokio::task::yield_now().await;
        }
    }

    /// Run what was published through the sampler; read the log.
    fn count(&mut self) {
        for rx in &mut self.published {
            while let Ok(e) = rx.try_recv() {
                if self.sampler.keep(&e) {
                    self.kept += 1;
                }
            }
        }
        self.log.refresh(&self.log_path);
    }

    /// Until the engine has processed everything published and injected, and no send is
    /// waiting for its answer; the counts must hold across a look into the engine, so that
    /// nothing was processed in between.
    async fn settle(&mut self) {
        loop {
            self.count();
            let before = (self.kept, self.log.venue, self.log.injected);
            if self.log.venue == self.kept && self.log.injected == self.injected {
                let waiting = busy(self.engine.inspect(|e| e.awaiting_answers())).await.unwrap();
                self.count();
                if waiting == 0 && before == (self.kept, self.log.venue, self.log.injected) {
                    return;
                }
            }
            tokio::task::yield_now().await;
        }
    }

    async fn feed(&mut self, e: EngineEvent) {
        self.injected += 1;
        busy(self.engine.events().send(e)).await.unwrap();
        self.settle().await;
    }

    /// The driver's `step`: every phase of both venues, a timer, balances.
    async fn step(&mut self, t: TimestampMs) {
        self.clock.set(t);
        for phase in Phase::ALL {
            for sim in self.sims.clone() {
                sim.tick_phase(phase);
                self.settle().await;
            }
        }
        self.feed(EngineEvent::Timer { now_ms: t, wall_ms: t }).await;
        for sim in self.sims.clone() {
            let b = busy(sim.balance()).await.unwrap();
            self.feed(EngineEvent::Balance(b)).await;
        }
    }

    async fn executing(&self) -> bool {
        busy(self.engine.inspect(|e| e.is_executing())).await.unwrap()
    }

    async fn command(&mut self, c: Command) {
        let _ = busy(self.engine.command(c)).await;
        self.settle().await;
    }

    /// The driver's `run_started` and `finish`, on the live pieces.
    async fn run(&mut self, spec: &Spec) {
        let (from, to, step) = (spec.from_ms, spec.to_ms, spec.resolution.millis());
        self.step(from).await;
        let mut t = from;
        loop {
            let next = t + step;
            let mut s = t + 1_000;
            while self.executing().await && s < next.min(to) {
                self.step(s).await;
                s += 1_000;
            }
            t = next;
            if t >= to {
                break;
            }
            self.step(t).await;
        }
        self.clock.set(to);
        self.command(Command::Pause).await;
        self.step(to).await;
        self.command(Command::CloseAll(CloseAllRequest::default())).await;
        let mut s = to + 1_000;
        while self.executing().await && s <= to + 3_600_000 {
            self.step(s).await;
            s += 1_000;
        }
        self.cancel.cancel();
    }
}

/// Wait for `f` without ever leaving the runtime idle: a paused clock would jump to the next
/// timer (the runner's, the collector's, the database pool's) whenever nothing is ready.
async fn busy<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    loop {
        tokio::select! {
            biased;
            out = &mut f => return out,
            _ = tokio::task::yield_now() => {}
        }
    }
}

/// The live engine's outputs: its logged inputs replayed through a fresh engine.
fn replay(spec: &Spec, log: &Path) -> Ledger {
    let mut engine = Engine::new(spec.params.clone(), 1);
    let mut ledger = Ledger::new(spec);
    for e in EventLog::read(log).unwrap() {
        for o in engine.process(&e) {
            ledger.record(o);
        }
    }
    ledger
}

#[tokio::test]
async fn a_week_backtest_makes_the_live_runners_decisions_with_the_same_pnl() {
    let spec = week();
    let history = data::embedded().unwrap();
    let backtest = Driver::new(&spec, history.clone()).run(&mut |_| {}, &AtomicBool::new(false)).unwrap();

    let mut live = Live::start(&spec, history).await;
    live.run(&spec).await;
    let live = replay(&spec, &live.log_path);

    let positions = |l: &Ledger| -> Vec<(String, String, i64, Option<i64>, String)> {
        l.positions
            .values()
            .map(|p| {
                let direction = app::text::name(&p.direction);
                (p.symbol.to_string(), direction, p.opened_ms, p.closed_ms, app::text::name(&p.status))
            })
            .collect()
    };
    let ours = positions(&backtest);
    assert!(ours.len() >= 5, "the week should trade: {ours:?}");
    assert_eq!(positions(&live), ours, "the same positions, opened and closed at the same times");
    // Each as a sorted list of lines: the two legs of a slice are sent on two tasks at once
    // live, so which answer comes back first is the scheduler's business.
    let fills = |l: &Ledger| -> Vec<String> {
        let mut v: Vec<String> = l.fills.iter().map(|f| serde_json::to_string(f).unwrap()).collect();
        v.sort();
        v
    };
    let (live_fills, our_fills) = (fills(&live), fills(&backtest));
    assert_eq!(live_fills.len(), our_fills.len(), "as many fills");
    for (a, b) in live_fills.iter().zip(&our_fills) {
        assert_eq!(a, b, "the same fills");
    }
    let payments = |l: &Ledger| -> Vec<String> {
        let mut v: Vec<String> = l.payments.iter().map(|p| serde_json::to_string(p).unwrap()).collect();
        v.sort();
        v
    };
    assert_eq!(payments(&live), payments(&backtest), "the same funding payments");
    let money = |l: &Ledger| {
        let r = report::build(&spec, l, 0);
        (r.net, r.price_pnl, r.funding, r.fees, r.positions, r.exits_by_reason)
    };
    assert_eq!(money(&live), money(&backtest));
}

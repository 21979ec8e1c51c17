//! (a) Market event → decision: `Engine::process` timed on market events.

use super::{START, percentile, sim_venues};
use app::market::Freshness;
use app::order::OrderRequest;
use app::params::StrategyParams;
use app::trading::{OpenPositionRequest, PositionStatus};
use app::{FundingRate, SpreadDirection, Symbol, Usd, Venue};
use criterion::Criterion;
use rust_decimal::Decimal;
use server::engine::position::Position;
use server::engine::{Command, Engine, EngineEvent, Output, SendFailure};
use server::venue::sim::{SimClock, SimVenue};
use server::venue::{VenueClient, VenueError, VenueEvent};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;
use tokio::sync::broadcast;

const HELD: [&str; 3] = ["BTC", "ETH", "SOL"];
const HOT: [&str; 2] = ["LINK", "AVAX"];
/// Simulated seconds the crafted spread stays on one side of the threshold.
const PHASE_TICKS: i64 = 8;
/// Events per session; then the engine starts afresh, so closed positions do not pile up.
const SESSION_EVENTS: usize = 25_000;
const SAMPLES: usize = 500_000;
/// Finished positions behind the engine in the history comparison.
const HISTORY: i64 = 10_000;
const HISTORY_SAMPLES: usize = 100_000;

/// What lies behind the engine when a session starts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Behind {
    Nothing,
    /// `HISTORY` positions closed long ago, restored and let go of (as after a restart).
    Finished,
    /// The same positions closed just now: still in the working set (what every finished
    /// position cost before the engine let go of them).
    Held,
}

fn failure(e: VenueError) -> SendFailure {
    match e {
        VenueError::OutcomeUnknown { message, .. } => SendFailure::Unknown(message),
        other => SendFailure::Refused(other.to_string()),
    }
}

/// Lighter's prediction for a hot symbol: ±0.3 %/h (far past the 1,000 % APR entry threshold,
/// far below the −100 % APR exit), alternating every `PHASE_TICKS`; a tiny per-tick drift so
/// that every observation is a change.
fn crafted_rate(tick: i64, hot_index: i64) -> Decimal {
    let wide = ((tick + hot_index * PHASE_TICKS / 2) / PHASE_TICKS) % 2 == 0;
    let rate = Decimal::new(3, 3) + Decimal::new(tick, 12);
    if wide { rate } else { -rate }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Funding,
    Mark,
    Book,
}

/// One engine on two simulated venues; see the module comment.
struct Session {
    engine: Engine,
    venues: HashMap<Venue, Arc<SimVenue>>,
    rx: Vec<broadcast::Receiver<VenueEvent>>,
    clock: SimClock,
    last_prediction: HashMap<(Venue, Symbol), Decimal>,
    /// This tick's events; `Some(kind)` for the timed market events.
    pending: VecDeque<(EngineEvent, Option<Kind>)>,
    tick: i64,
    measured: usize,
}

impl Session {
    fn new(rt: &Runtime, behind: Behind) -> Self {
        let clock = SimClock::manual(START);
        let venues = sim_venues(&clock);
        let rx = Venue::ALL.iter().map(|v| venues[v].subscribe()).collect();
        let params = StrategyParams {
            auto_open: true,
            entry_min_apr: Decimal::TEN,
            exit_below_apr: -Decimal::ONE,
            ..Default::default()
        };
        let mut s = Session {
            engine: Engine::new(params, 1),
            venues,
            rx,
            clock,
            last_prediction: HashMap::new(),
            pending: VecDeque::new(),
            tick: 0,
            measured: 0,
        };
        for v in Venue::ALL {
            let markets = rt.block_on(s.venues[&v].markets()).expect("markets");
            s.feed(rt, EngineEvent::Markets(markets));
        }
        // The collector's verdict: both venues fresh.
        s.feed(rt, EngineEvent::Freshness(Venue::ALL.into_iter().map(Freshness::fresh).collect()));
        if behind != Behind::Nothing {
            let closed_ms = if behind == Behind::Held { START } else { START - 30 * 24 * app::MS_PER_HOUR };
            s.engine.restore(finished_positions(closed_ms), Vec::new());
        }
        s.run_ticks(rt, 2);
        for v in Venue::ALL {
            let b = rt.block_on(s.venues[&v].balance()).expect("balance");
            s.feed(rt, EngineEvent::Balance(b));
        }
        for (i, symbol) in HELD.iter().enumerate() {
            let direction = if i % 2 == 0 {
                SpreadDirection::LongLighterShortBinance
            } else {
                SpreadDirection::LongBinanceShortLighter
            };
            let open = OpenPositionRequest {
                symbol: Symbol::new(symbol).expect("symbol"),
                direction,
                notional: Usd(Decimal::from(5_000)),
                leverage_binance: None,
                leverage_lighter: None,
                slices: None,
                slippage_cap_bps: None,
                exit_on_reversal: false,
                close_after_hours: None,
            };
            s.feed(rt, EngineEvent::Command { request: i as u64, command: Command::Open(open) });
        }
        s.run_ticks(rt, 6);
        let held = s.engine.positions().into_iter().filter(|p| HELD.contains(&p.symbol.as_str()));
        let open = held.filter(|p| p.status == PositionStatus::Open).count();
        assert_eq!(open, HELD.len(), "the held positions must be open before measuring");
        s
    }

    fn run_ticks(&mut self, rt: &Runtime, n: usize) {
        for _ in 0..n {
            self.next_tick(rt);
            while let Some((e, _)) = self.pending.pop_front() {
                self.feed(rt, e);
            }
        }
    }

    /// Process an event untimed and carry out everything that follows from it.
    fn feed(&mut self, rt: &Runtime, e: EngineEvent) {
        let out = self.engine.process(&e);
        self.carry_out(rt, out);
    }

    /// Hand orders to the simulators and feed their answers and account events back.
    fn carry_out(&mut self, rt: &Runtime, mut outputs: Vec<Output>) {
        let mut queue = VecDeque::new();
        loop {
            for o in outputs.drain(..) {
                match o {
                    Output::Send(approved, venue) => {
                        let req: OrderRequest = approved.into_inner();
                        let result = rt.block_on(self.venues[&venue].place_order(&req)).map_err(failure);
                        queue.push_back(EngineEvent::Sent { id: req.client_order_id, result });
                    }
                    Output::Query { venue, symbol, id } => {
                        let result = rt.block_on(self.venues[&venue].query_order(&symbol, &id));
                        queue.push_back(EngineEvent::Queried { id, result: result.map_err(|e| e.to_string()) });
                    }
                    _ => {}
                }
            }
            for rx in &mut self.rx {
                while let Ok(e) = rx.try_recv() {
                    queue.push_back(EngineEvent::Venue(e));
                }
            }
            let Some(e) = queue.pop_front() else { return };
            outputs = self.engine.process(&e);
        }
    }

    /// One simulated second: both venues publish; market events queue up to be timed, account
    /// events (settlements) are fed at once; a timer and, every 5 s, balances follow.
    fn next_tick(&mut self, rt: &Runtime) {
        self.clock.advance(1_000);
        self.tick += 1;
        let now = self.clock.now_ms();
        for v in Venue::ALL {
            self.venues[&v].tick();
        }
        let mut events = Vec::new();
        for rx in &mut self.rx {
            while let Ok(e) = rx.try_recv() {
                events.push(e);
            }
        }
        for e in events {
            let kind = match &e {
                VenueEvent::Funding(_) => Kind::Funding,
                VenueEvent::Mark(_) => Kind::Mark,
                VenueEvent::Book(_) => Kind::Book,
                _ => {
                    self.feed(rt, EngineEvent::Venue(e));
                    continue;
                }
            };
            let e = match e {
                VenueEvent::Funding(mut f) => {
                    let hot = HOT.iter().position(|h| *h == f.symbol.as_str());
                    if let (Some(i), Venue::Lighter) = (hot, f.venue) {
                        f.predicted = FundingRate::new(crafted_rate(self.tick, i as i64), f.predicted.interval);
                    }
                    // As the runner's forwarder: funding only when the prediction changed.
                    let key = (f.venue, f.symbol.clone());
                    if self.last_prediction.insert(key, f.predicted.rate) == Some(f.predicted.rate) {
                        continue;
                    }
                    VenueEvent::Funding(f)
                }
                other => other,
            };
            self.pending.push_back((EngineEvent::Venue(e), Some(kind)));
        }
        self.pending.push_back((EngineEvent::Timer { now_ms: now, wall_ms: now }, None));
        if self.tick % 5 == 0 {
            for v in Venue::ALL {
                let b = rt.block_on(self.venues[&v].balance()).expect("balance");
                self.pending.push_back((EngineEvent::Balance(b), None));
            }
        }
    }
}

/// One timed market event.
struct Sample {
    nanos: u64,
    kind: Kind,
    sent: bool,
    /// The strategy opened or closed a position (rather than the executor sending a slice).
    decided: bool,
}

/// `HISTORY` closed positions (a year's trading at about one an hour), as stored for restarts.
fn finished_positions(closed_ms: i64) -> Vec<serde_json::Value> {
    let symbols = ["DOGE", "XRP", "ADA", "TON", "TIA", "SUI"];
    (1..=HISTORY)
        .map(|id| {
            let symbol = Symbol::new(symbols[id as usize % symbols.len()]).expect("symbol");
            let direction = SpreadDirection::LongLighterShortBinance;
            let mut p = Position::new(
                id.into(),
                (app::StrategyId::auto(), Default::default()),
                symbol,
                direction,
                (3, 3),
                closed_ms - 24 * app::MS_PER_HOUR,
            );
            p.status = PositionStatus::Closed;
            p.closed_ms = Some(closed_ms);
            serde_json::json!({ "position": p, "execution": null })
        })
        .collect()
}

struct Workload {
    rt: Runtime,
    session: Session,
    behind: Behind,
}

impl Workload {
    fn new(behind: Behind) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let session = Session::new(&rt, behind);
        Self { rt, session, behind }
    }

    /// Process market events until one is timed; the untimed work around it is carried out.
    fn step(&mut self) -> Sample {
        if self.session.measured >= SESSION_EVENTS {
            self.session = Session::new(&self.rt, self.behind);
        }
        let s = &mut self.session;
        loop {
            if s.pending.is_empty() {
                s.next_tick(&self.rt);
            }
            let Some((event, kind)) = s.pending.pop_front() else { continue };
            let Some(kind) = kind else {
                s.feed(&self.rt, event);
                continue;
            };
            let start = Instant::now();
            let out = s.engine.process(&event);
            let nanos = start.elapsed().as_nanos() as u64;
            s.measured += 1;
            let sent = out.iter().any(|o| matches!(o, Output::Send(..)));
            let decided = out.iter().any(opens_or_closes);
            s.carry_out(&self.rt, out);
            return Sample { nanos, kind, sent, decided };
        }
    }
}

/// The strategy's decision announces itself before its orders.
fn opens_or_closes(o: &Output) -> bool {
    let Output::Notify(n) = o else { return false };
    n.title.starts_with("Opening position") || n.title.starts_with("Closing position")
}

fn print_row(label: &str, mut nanos: Vec<u64>) {
    if nanos.is_empty() {
        println!("{label:<26} {:>8}", 0);
        return;
    }
    nanos.sort_unstable();
    let us = |n: u64| n as f64 / 1000.0;
    let (p50, p99, max) = (percentile(&nanos, 0.5), percentile(&nanos, 0.99), nanos[nanos.len() - 1]);
    println!("{label:<26} {:>8} {:>9.2} {:>9.2} {:>9.2}", nanos.len(), us(p50), us(p99), us(max));
}

pub fn percentiles() {
    let mut w = Workload::new(Behind::Nothing);
    let samples: Vec<Sample> = (0..SAMPLES).map(|_| w.step()).collect();
    println!("\nmarket event -> decision (Engine::process), {SAMPLES} events");
    println!("{:<26} {:>8} {:>9} {:>9} {:>9}", "", "events", "p50 µs", "p99 µs", "max µs");
    let rows = |f: &dyn Fn(&Sample) -> bool| samples.iter().filter(|s| f(s)).map(|s| s.nanos).collect();
    print_row("all market events", rows(&|_| true));
    print_row("  funding updates", rows(&|s| s.kind == Kind::Funding));
    print_row("  mark updates", rows(&|s| s.kind == Kind::Mark));
    print_row("  book updates", rows(&|s| s.kind == Kind::Book));
    print_row("  that sent orders", rows(&|s| s.sent));
    print_row("    opening or closing", rows(&|s| s.decided));
    print_row("  that sent nothing", rows(&|s| !s.sent));
}

/// The cost of a market event with nothing behind the engine, with `HISTORY` finished
/// positions it has let go of, and with them held in its working set.
pub fn history_cost() {
    println!("\nmarket event cost against finished positions behind the engine, {HISTORY_SAMPLES} events each");
    println!("{:<44} {:>9} {:>9} {:>9}", "", "mean µs", "p50 µs", "p99 µs");
    let runs = [
        (Behind::Nothing, "no finished positions"),
        (Behind::Finished, "10,000 finished, let go (the engine now)"),
        (Behind::Held, "10,000 finished, held (the engine before)"),
    ];
    for (behind, label) in runs {
        let mut w = Workload::new(behind);
        let mut nanos: Vec<u64> = (0..HISTORY_SAMPLES).map(|_| w.step().nanos).collect();
        nanos.sort_unstable();
        let us = |n: u64| n as f64 / 1000.0;
        let mean = nanos.iter().sum::<u64>() as f64 / nanos.len() as f64 / 1000.0;
        let (p50, p99) = (percentile(&nanos, 0.5), percentile(&nanos, 0.99));
        println!("{label:<44} {mean:>9.2} {:>9.2} {:>9.2}", us(p50), us(p99));
    }
}

pub fn criterion_bench(c: &mut Criterion) {
    let mut w = Workload::new(Behind::Nothing);
    c.bench_function("engine_market_event", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| Duration::from_nanos(w.step().nanos)).sum())
    });
}

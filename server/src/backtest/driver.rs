//! The run: two simulated venues on a manual clock publish in venue-time order, the
//! collector's `Sampler` keeps what the live engine would see, the live `Engine` decides, and
//! each order it sends is carried out against its simulator at once, the answer and the
//! venue's account events fed back before the next market event.
//!
//! The schedule, which the equivalence test drives the live runner through too:
//! - start: each venue's markets, the freshness verdict (both venues have data: fresh), the
//!   collector's first funding snapshot of every symbol, then the first step;
//! - every step (`resolution`) at time `t`: both venues settle, then publish their books, then
//!   their marks, then their funding (`venue::sim::machine::Phase`), then a timer and balances;
//! - while the engine is working an order, the venues publish every second, as live, until it
//!   is done or the next step is due;
//! - at the end: pause, close everything, and step by the second until the closes are done.
//!
//! Nothing here waits: no channel, no task, no database, no clock but the one moved by hand.

use super::ledger::Ledger;
use super::spec::Spec;
use crate::collector::sampler::Sampler;
use crate::engine::{Command, Engine, EngineEvent, Output, SendFailure};
use crate::venue::VenueError;
use crate::venue::VenueEvent;
use crate::venue::sim::history::History;
use crate::venue::sim::machine::{Phase, PlaceError, SimCore};
use crate::venue::sim::market::SimMarket;
use app::market::Freshness;
use app::trading::CloseAllRequest;
use app::{TimestampMs, Venue};
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// How long the closes at the end may take before the run gives up on them (their legs are
/// then valued at mark).
const CLOSE_LIMIT_MS: i64 = 3_600_000;
const SECOND: i64 = 1_000;
/// How often progress is reported, in steps.
const PROGRESS_EVERY: u64 = 2_048;

/// How far a run is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// 0 to 1.
    pub done: f64,
    pub events: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the backtest was cancelled")]
pub struct Cancelled;

pub struct Driver {
    spec: Spec,
    engine: Engine,
    venues: [SimCore; 2],
    sampler: Sampler,
    pub ledger: Ledger,
    /// Venue time now.
    now: TimestampMs,
    events: u64,
    queue: VecDeque<EngineEvent>,
    published: Vec<VenueEvent>,
    request: u64,
}

impl Driver {
    pub fn new(spec: &Spec, history: Arc<History>) -> Self {
        let core = |venue| {
            let market = SimMarket::new(venue, history.clone(), spec.seed).settled_only(spec.strict);
            let mut core = SimCore::with_market(market, spec.starting_balance, spec.from_ms);
            core.restrict(&spec.symbols);
            // The engine does not set leverage on a venue: the account is set up to match the
            // parameters, as an operator does before trading.
            let leverage = match venue {
                Venue::Binance => spec.params.leverage_binance,
                Venue::Lighter => spec.params.leverage_lighter,
            };
            for symbol in &spec.symbols {
                core.set_leverage(symbol, leverage);
            }
            core
        };
        Self {
            engine: Engine::new(spec.params.clone(), 1),
            venues: [core(Venue::Binance), core(Venue::Lighter)],
            sampler: Sampler::default(),
            ledger: Ledger::new(spec),
            now: spec.from_ms,
            events: 0,
            queue: VecDeque::new(),
            published: Vec::new(),
            request: 0,
            spec: spec.clone(),
        }
    }

    pub fn events(&self) -> u64 {
        self.events
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The whole window; `progress` is told every few thousand steps, `cancel` checked as often.
    pub fn run(mut self, progress: &mut dyn FnMut(Progress), cancel: &AtomicBool) -> Result<Ledger, Cancelled> {
        self.start();
        self.run_started(progress, cancel)
    }

    /// The window after [`Driver::start`] (a test may act in between, as an operator would).
    pub fn run_started(mut self, progress: &mut dyn FnMut(Progress), cancel: &AtomicBool) -> Result<Ledger, Cancelled> {
        let (from, to, step) = (self.spec.from_ms, self.spec.to_ms, self.spec.resolution.millis());
        let mut t = from;
        let mut steps: u64 = 0;
        loop {
            let next = t + step;
            let mut s = t + SECOND;
            while self.engine.is_executing() && s < next.min(to) {
                self.step(s);
                s += SECOND;
            }
            t = next;
            if t >= to {
                break;
            }
            self.step(t);
            steps += 1;
            if steps.is_multiple_of(PROGRESS_EVERY) {
                if cancel.load(Ordering::Relaxed) {
                    return Err(Cancelled);
                }
                progress(Progress { done: (t - from) as f64 / (to - from) as f64, events: self.events });
            }
        }
        self.finish(to);
        progress(Progress { done: 1.0, events: self.events });
        let events = self.events;
        let Driver { mut ledger, .. } = self;
        ledger.events = events;
        Ok(ledger)
    }

    /// What the live engine receives before its first tick, and the first publication.
    pub fn start(&mut self) {
        let t = self.now;
        for v in Venue::ALL {
            let markets = self.venues[v.index()].markets();
            self.feed(EngineEvent::Markets(markets));
        }
        self.feed(EngineEvent::Freshness(Venue::ALL.into_iter().map(Freshness::fresh).collect()));
        for v in Venue::ALL {
            let mut out = std::mem::take(&mut self.published);
            self.venues[v.index()].funding(t, &mut out);
            self.pass_on(&mut out);
            self.published = out;
        }
        self.step(t);
    }

    /// One publication of both venues at `t`, a timer and balances.
    pub fn step(&mut self, t: TimestampMs) {
        self.now = t;
        for phase in Phase::ALL {
            for v in Venue::ALL {
                self.publish(v, phase, t);
            }
        }
        self.feed(EngineEvent::Timer { now_ms: t, wall_ms: t });
        self.balances(t);
        self.ledger.sample_day(t, &mut self.venues);
    }

    fn publish(&mut self, v: Venue, phase: Phase, t: TimestampMs) {
        let mut out = std::mem::take(&mut self.published);
        self.venues[v.index()].publish(phase, t, &mut out);
        self.pass_on(&mut out);
        self.published = out;
    }

    /// Feed what the sampler keeps, one event at a time, each with its consequences.
    fn pass_on(&mut self, events: &mut Vec<VenueEvent>) {
        for e in events.iter() {
            if self.sampler.keep(e) {
                self.feed_venue(e);
            }
        }
        events.clear();
    }

    fn balances(&mut self, t: TimestampMs) {
        for v in Venue::ALL {
            let mut out = Vec::new();
            let b = self.venues[v.index()].balance(t, &mut out);
            self.pass_on(&mut out);
            self.feed(EngineEvent::Balance(b));
        }
    }

    /// Pause, close everything, and give the closes time (by the second) to finish.
    fn finish(&mut self, to: TimestampMs) {
        self.now = to;
        self.command(Command::Pause);
        self.step(to);
        self.command(Command::CloseAll(CloseAllRequest::default()));
        let mut s = to + SECOND;
        while self.engine.is_executing() && s <= to + CLOSE_LIMIT_MS {
            self.step(s);
            s += SECOND;
        }
        self.ledger.close(self.now, &mut self.venues);
    }

    pub fn command(&mut self, command: Command) {
        self.request += 1;
        self.feed(EngineEvent::Command { request: self.request, command });
    }

    /// Process one event and everything that follows from it, in the order the live runner
    /// would most plausibly see it: a send's answer, then the venue's account events.
    pub fn feed(&mut self, event: EngineEvent) {
        // The queue is empty here: the event goes first without a trip through it.
        self.process(&event);
        while let Some(e) = self.queue.pop_front() {
            self.process(&e);
        }
    }

    /// [`Driver::feed`] of `EngineEvent::Venue(e)`, without moving the event into one (called,
    /// like `feed`, with the queue empty).
    fn feed_venue(&mut self, e: &VenueEvent) {
        self.events += 1;
        let outputs = self.engine.process_venue(e);
        self.carry_out(outputs);
        while let Some(e) = self.queue.pop_front() {
            self.process(&e);
        }
    }

    /// One event through the engine; a send is carried out at once and its answer and the
    /// venue's account events are queued behind it.
    fn process(&mut self, e: &EngineEvent) {
        self.events += 1;
        let outputs = self.engine.process(e);
        self.carry_out(outputs);
    }

    fn carry_out(&mut self, outputs: Vec<Output>) {
        // Most events want nothing done.
        if outputs.is_empty() {
            return;
        }
        for output in outputs {
            match output {
                Output::Send(approved, venue) => {
                    let req = approved.into_inner();
                    let mut out = Vec::new();
                    let placed = self.venues[venue.index()].place(&req, None, self.now, &mut out);
                    let result = placed.map_err(|e| SendFailure::Refused(refusal(venue, &req.symbol, e)));
                    self.queue.push_back(EngineEvent::Sent { id: req.client_order_id, result });
                    for ev in out {
                        if self.sampler.keep(&ev) {
                            self.queue.push_back(EngineEvent::Venue(ev));
                        }
                    }
                }
                Output::Query { venue, id, .. } => {
                    let result = Ok(self.venues[venue.index()].order(&id).cloned());
                    self.queue.push_back(EngineEvent::Queried { id, result });
                }
                other => self.ledger.record(other),
            }
        }
    }
}

/// The refusal as the live runner words it (`VenueError`'s text).
fn refusal(venue: Venue, symbol: &app::Symbol, e: PlaceError) -> String {
    let e = match e {
        PlaceError::UnknownSymbol => {
            VenueError::Rejected { venue, code: "unknown_symbol".into(), message: format!("no market {symbol}") }
        }
        PlaceError::Rejected(r) => VenueError::Rejected { venue, code: r.code.into(), message: r.message },
    };
    e.to_string()
}

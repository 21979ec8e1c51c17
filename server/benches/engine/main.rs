//! Engine latency, in two parts.
//!
//! (a) Market event → decision: the time of one `Engine::process` call on a venue's market
//! event. Two simulated venues (manual clock, embedded history, 18 symbols) publish every
//! mark and book once a simulated second, and funding when the prediction changes, as the
//! runner's forwarder samples them. Three positions are held (BTC, ETH, SOL); on two more
//! symbols (LINK, AVAX) Lighter's prediction is replaced by one that swings every 8 s across
//! the entry threshold and back, so the strategy confirms (3 in a row), opens, and exits on
//! reversal, and the executor sends 4 slices each way. The orders are filled by the
//! simulators and their answers fed back *untimed*, with a timer and balances; only market
//! events are timed. Criterion reports the mean; the pass after it prints p50/p99 over
//! 500,000 events, split by kind and by whether orders came out.
//!
//! (b) Decision → both legs handed to the venues, through the real async `Runner` fed by the
//! real collector (SQLite database, event log on disk, multi-threaded runtime): a Lighter
//! funding event that makes the strategy open (or close) in one slice is published on the
//! simulated venue. The decision instant is when `Engine::process` has returned outputs that
//! include a send (the runner's `engine::decision` trace event), before they are stored; each
//! leg's instant is when `place_order` is entered on a recording wrapper around the simulator.
//! So "decision → both legs" includes the write-ahead transaction.
//!
//! (c) The cost of a market event with 10,000 finished positions behind the engine, let go of
//! (as the engine does once they are stored) and, for comparison, held in its working set.
//!
//! (d) Signals: intake throughput, and a signal received → both legs handed to the venues
//! through the real HTTP server (`signals`).
//!
//! Run: `cargo bench -p server --bench engine` (parts (a) and (c) in `market`, (b) in `runner`,
//! (d) in `signals`); `ARB_BENCH_ONLY=signals` runs part (d) alone.

use app::Venue;
use criterion::Criterion;
use rust_decimal::Decimal;
use server::venue::sim::history::{History, PERIOD_MS};
use server::venue::sim::{SimClock, SimConfig, SimVenue};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

mod market;
mod runner;
mod signals;

/// 2027-03-01, within the recorded year one cycle on (as the engine tests).
const START: i64 = 1_772_323_200_000 + PERIOD_MS;

pub fn sim_venues(clock: &SimClock) -> HashMap<Venue, Arc<SimVenue>> {
    let history = History::embedded().expect("history");
    let config = || SimConfig { seed: 9, starting_balance: Decimal::from(1_000_000), faults: Default::default() };
    Venue::ALL.into_iter().map(|v| (v, SimVenue::new(v, history.clone(), clock.clone(), config()))).collect()
}

pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    // `ARB_BENCH_ONLY=market|history|legs|signals` runs one part (a quiet moment is short on a
    // shared machine); unset, all of them.
    let only = std::env::var("ARB_BENCH_ONLY").unwrap_or_default();
    let run = |part: &str| only.is_empty() || only == part;
    if run("market") {
        let mut c = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(5)).configure_from_args();
        market::criterion_bench(&mut c);
        c.final_summary();
        market::percentiles();
    }
    if run("history") {
        market::history_cost();
    }
    if run("legs") {
        runner::decision_to_legs();
    }
    if run("signals") {
        signals::intake_and_latency();
    }
}

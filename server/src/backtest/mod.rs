//! The backtester: a window of recorded funding history through the live engine's own code —
//! the same strategy, sizing, executor and risk checks — in seconds.
//!
//! - `spec`: a request (the command line's flags, the API's JSON) checked into runnable specs;
//! - `driver`: the run itself, two simulated venues and the pure engine on one thread, no
//!   channel, task, database or wall clock on the way (its module comment has the schedule);
//! - `ledger` records what the engine produced, `report` turns it into figures, `export`
//!   writes `report.json`, `fills.csv`, `funding.csv` (History's columns) and `equity.csv`;
//! - `sweep` runs a grid of parameter sets on every core and ranks them;
//! - `data` assembles the history: the embedded year, imported files and what the collector
//!   recorded; `import` reads more from CSV;
//! - `jobs` runs the API's backtests beside the live engine, a limited number at a time.

pub mod cli;
pub mod data;
pub mod driver;
pub mod export;
pub mod import;
pub mod jobs;
pub mod ledger;
pub mod report;
pub mod spec;
pub mod sweep;

use crate::venue::sim::history::History;
use app::backtest::Report;
use app::history::{FillRecord, FundingRecord};
use driver::{Cancelled, Driver, Progress};
use spec::Spec;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// A finished run: its report and the rows every figure is recomputed from.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub report: Report,
    pub fills: Vec<FillRecord>,
    pub payments: Vec<FundingRecord>,
}

/// Run one backtest on this thread.
pub fn run(
    spec: &Spec,
    history: Arc<History>,
    progress: &mut dyn FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<Outcome, Cancelled> {
    let started = Instant::now();
    let ledger = Driver::new(spec, history).run(progress, cancel)?;
    let elapsed_ms = started.elapsed().as_millis() as u64;
    let report = report::build(spec, &ledger, elapsed_ms);
    Ok(Outcome { report, fills: ledger.fills, payments: ledger.payments })
}

#[cfg(test)]
mod tests;

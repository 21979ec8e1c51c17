//! A grid of parameter sets, run on every core and ranked. Each point is a whole backtest on
//! its own thread (the engine is single-threaded by design); the points share the history.

use super::driver::{Cancelled, Progress};
use super::spec::Plan;
use super::{Outcome, run};
use crate::venue::sim::history::History;
use app::backtest::{Metric, SweepPoint};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// One point of the grid, done.
pub struct Done {
    pub set: BTreeMap<String, Value>,
    pub outcome: Outcome,
}

/// How many threads a sweep uses by default: one per core.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Run every point of `plan` on up to `threads` threads; `progress` gets the share done (0 to 1)
/// from whichever thread advanced it. Points come back in the plan's order.
pub fn run_all(
    plan: &Plan,
    history: Arc<History>,
    threads: usize,
    progress: &(dyn Fn(f64) + Sync),
    cancel: &AtomicBool,
) -> Result<Vec<Done>, Cancelled> {
    let n = plan.points.len();
    let next = AtomicUsize::new(0);
    // Per point, thousandths done.
    let done: Vec<AtomicU64> = (0..n).map(|_| AtomicU64::new(0)).collect();
    let results: Mutex<Vec<Option<Result<Done, Cancelled>>>> = Mutex::new((0..n).map(|_| None).collect());
    let report = || {
        let total: u64 = done.iter().map(|d| d.load(Ordering::Relaxed)).sum();
        progress(total as f64 / (n.max(1) as f64 * 1000.0));
    };
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, n.max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((set, spec)) = plan.points.get(i) else { return };
                    let mut tell = |p: Progress| {
                        done[i].store((p.done * 1000.0) as u64, Ordering::Relaxed);
                        report();
                    };
                    let result =
                        run(spec, history.clone(), &mut tell, cancel).map(|outcome| Done { set: set.clone(), outcome });
                    results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(result);
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.into_iter().map(|r| r.unwrap_or(Err(Cancelled))).collect()
}

/// The points best first by `metric` (ties keep the plan's order), numbered from 1.
pub fn rank(points: &[Done], metric: Metric) -> Vec<(usize, SweepPoint)> {
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|a, b| metric.score(&points[*b].outcome.report).cmp(&metric.score(&points[*a].outcome.report)));
    order
        .into_iter()
        .enumerate()
        .map(|(rank, i)| {
            let mut p = SweepPoint::of(points[i].set.clone(), &points[i].outcome.report);
            p.rank = rank as u32 + 1;
            (i, p)
        })
        .collect()
}

//! The one scheduler. Its "now" is the platform's `Clock` — wall time for most jobs, the
//! markets' time for the market-day ones — so tests move a manual clock and call `tick`
//! instead of sleeping through hours. Several cron times passed between two ticks (a paused
//! process, a compressed clock) make one run, for the latest of them.

use super::runner::Jobs;
use super::{CatchUp, RunError};
use crate::db::job_runs;
use app::TimestampMs;
use app::jobs::{JobRun, Trigger};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How often (real time) the clock is looked at: well under the finest schedule (10 s).
const POLL: Duration = Duration::from_millis(500);

pub type RunHandle = JoinHandle<Result<JobRun, RunError>>;

pub struct Scheduler {
    jobs: Arc<Jobs>,
    /// Each enabled job's next cron time on its clock.
    next: HashMap<&'static str, TimestampMs>,
}

impl Scheduler {
    pub fn new(jobs: Arc<Jobs>) -> Self {
        let mut next = HashMap::new();
        for e in jobs.entries().iter().filter(|e| e.enabled) {
            let now = jobs.context().now(e.spec.time_base);
            if let Some(t) = e.schedule.next_after(now) {
                next.insert(e.spec.name, t);
            }
        }
        Self { jobs, next }
    }

    /// At start-up: run once, for the latest cron time, each job that asks for it and missed
    /// that time while the platform was down.
    pub async fn catch_up(&self) -> Vec<RunHandle> {
        let mut runs = Vec::new();
        for e in self.jobs.entries().iter().filter(|e| e.enabled && e.spec.catch_up != CatchUp::No) {
            let now = self.jobs.context().now(e.spec.time_base);
            let Some(due) = e.schedule.latest_at_or_before(now) else { continue };
            let last = match job_runs::last_scheduled(&self.jobs.context().db, e.spec.name).await {
                Ok(last) => last,
                Err(err) => {
                    tracing::error!(job = e.spec.name, error = %err, "cannot read the job log; no catch-up");
                    continue;
                }
            };
            let missed = match last {
                Some(last) => last < due,
                None => e.spec.catch_up == CatchUp::Always,
            };
            if missed {
                tracing::info!(job = e.spec.name, due_ms = due, "running a missed job");
                runs.push(self.spawn(e.spec.name, due, Trigger::Missed));
            }
        }
        runs
    }

    /// Start every job whose cron time has come; check for overdue jobs.
    pub fn tick(&mut self) -> Vec<RunHandle> {
        let mut runs = Vec::new();
        for e in self.jobs.entries().iter().filter(|e| e.enabled) {
            let Some(&next) = self.next.get(e.spec.name) else { continue };
            let now = self.jobs.context().now(e.spec.time_base);
            if now < next {
                continue;
            }
            let due = e.schedule.latest_at_or_before(now).unwrap_or(next).max(next);
            runs.push(self.spawn(e.spec.name, due, Trigger::Schedule));
            match e.schedule.next_after(now) {
                Some(t) => self.next.insert(e.spec.name, t),
                None => self.next.remove(e.spec.name),
            };
        }
        self.jobs.check_overdue();
        runs
    }

    fn spawn(&self, name: &'static str, due: TimestampMs, trigger: Trigger) -> RunHandle {
        let jobs = self.jobs.clone();
        tokio::spawn(async move {
            let result = jobs.run(name, due, trigger).await;
            if let Err(e) = &result {
                tracing::error!(job = name, error = %e, "job run not recorded");
            }
            result
        })
    }

    /// The long-lived task: catch up, then tick until `cancel`. Runs in progress finish on
    /// their own tasks.
    pub async fn run(mut self, cancel: CancellationToken) {
        drop(self.catch_up().await);
        let mut poll = tokio::time::interval(POLL);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = poll.tick() => { drop(self.tick()); }
            }
        }
        tracing::info!("scheduler stopped");
    }
}

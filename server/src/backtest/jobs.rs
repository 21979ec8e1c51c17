//! Backtests for the API. A request is checked first (a refusal names the field and nothing is
//! stored), then stored as queued and run off the trading engine's task: on the blocking pool,
//! on at most `backtest.max_threads` threads at once (a sweep spreads over them, a single run
//! takes one; the others wait their turn), so live trading keeps the rest of the machine.
//! Progress goes to `/ws/backtests` as it advances, the report is stored when done, and a
//! failure is a notification. Runs a stopped server left unfinished are marked failed at
//! start-up.

use super::data::{self, DataError};
use super::driver::Progress;
use super::spec::{self, Context, Invalid, Plan};
use super::sweep;
use crate::clock::Clock;
use crate::db;
use crate::notify::Notifier;
use crate::venue::sim::history::History;
use app::backtest::{BacktestRequest, BacktestRun, Report, RunStatus, SweepPoint};
use app::params::StrategyParams;
use app::trading::{Kind, Level, Notification};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use sea_orm::{DatabaseConnection, DbErr};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{Semaphore, broadcast};
use tokio_util::sync::CancellationToken;

/// What the jobs need from the settings.
#[derive(Debug, Clone)]
pub struct JobSettings {
    pub max_threads: usize,
    pub seed: u64,
    pub starting_balance: Decimal,
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    History(#[from] DataError),
    #[error(transparent)]
    Database(#[from] DbErr),
}

struct Jobs {
    db: DatabaseConnection,
    notifier: Notifier,
    clock: Clock,
    settings: JobSettings,
    threads: Arc<Semaphore>,
    updates: broadcast::Sender<BacktestRun>,
    /// Runs queued or running, with their latest progress.
    live: Mutex<BTreeMap<i64, BacktestRun>>,
    shutdown: CancellationToken,
}

/// The API's handle on its backtests. Cheap to clone.
#[derive(Clone)]
pub struct BacktestJobs(Arc<Jobs>);

impl BacktestJobs {
    pub fn new(
        db: DatabaseConnection,
        notifier: Notifier,
        clock: Clock,
        settings: JobSettings,
        shutdown: CancellationToken,
    ) -> Self {
        let threads = Arc::new(Semaphore::new(settings.max_threads.max(1)));
        Self(Arc::new(Jobs {
            db,
            notifier,
            clock,
            settings,
            threads,
            updates: broadcast::channel(256).0,
            live: Mutex::new(BTreeMap::new()),
            shutdown,
        }))
    }

    /// Mark what a previous process left queued or running as failed.
    pub async fn recover(&self) -> Result<u64, DbErr> {
        db::backtests::fail_unfinished(&self.0.db, self.0.clock.wall_ms()).await
    }

    /// Check, store and queue a backtest over `current` (the parameters in effect); its id.
    pub async fn submit(
        &self,
        req: BacktestRequest,
        current: StrategyParams,
        author: &str,
    ) -> Result<i64, SubmitError> {
        let j = &self.0;
        let history = data::load(&j.db).await?;
        let ctx = Context {
            history: &history,
            current: &current,
            seed: j.settings.seed,
            starting_balance: j.settings.starting_balance,
        };
        let plan = spec::plan(&req, &ctx)?;
        let now = j.clock.wall_ms();
        let id = db::backtests::insert(&j.db, author, &req, now).await?;
        let run = BacktestRun {
            id,
            status: RunStatus::Queued,
            progress: Decimal::ZERO,
            author: author.to_owned(),
            created_ms: now,
            finished_ms: None,
            request: req,
            error: None,
            net: None,
            apr_budget: None,
            report: None,
            sweep: Vec::new(),
        };
        self.publish(run.clone());
        tokio::spawn(self.clone().execute(run, plan, history));
        Ok(id)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<BacktestRun> {
        self.0.updates.subscribe()
    }

    /// Runs queued or running now, oldest first.
    pub fn live(&self) -> Vec<BacktestRun> {
        self.0.live.lock().unwrap_or_else(|e| e.into_inner()).values().cloned().collect()
    }

    /// The newest stored runs, with the live progress of those still going.
    pub async fn list(&self, limit: u64) -> Result<Vec<BacktestRun>, DbErr> {
        let mut runs = db::backtests::list(&self.0.db, limit).await?;
        let live = self.0.live.lock().unwrap_or_else(|e| e.into_inner());
        for r in &mut runs {
            if let Some(l) = live.get(&r.id) {
                (r.status, r.progress) = (l.status, l.progress);
            }
        }
        Ok(runs)
    }

    pub async fn get(&self, id: i64) -> Result<Option<BacktestRun>, DbErr> {
        let mut run = db::backtests::get(&self.0.db, id).await?;
        if let (Some(r), Some(l)) = (&mut run, self.0.live.lock().unwrap_or_else(|e| e.into_inner()).get(&id)) {
            (r.status, r.progress) = (l.status, l.progress);
        }
        Ok(run)
    }

    /// Tell the stream, and remember the run while it is going.
    fn publish(&self, run: BacktestRun) {
        let mut live = self.0.live.lock().unwrap_or_else(|e| e.into_inner());
        match run.status {
            RunStatus::Queued | RunStatus::Running => live.insert(run.id, run.clone()),
            RunStatus::Done | RunStatus::Failed => live.remove(&run.id),
        };
        drop(live);
        // Nobody listening is fine.
        let _ = self.0.updates.send(run);
    }

    async fn execute(self, mut run: BacktestRun, plan: Plan, history: Arc<History>) {
        let j = self.0.clone();
        let threads = plan.points.len().clamp(1, j.settings.max_threads.max(1));
        let permit = tokio::select! {
            p = j.threads.clone().acquire_many_owned(threads as u32) => p.ok(),
            _ = j.shutdown.cancelled() => None,
        };
        let Some(permit) = permit else {
            return self.failed(run, "the server stopped before the run started".into()).await;
        };
        run.status = RunStatus::Running;
        if let Err(e) = db::backtests::set_status(&j.db, run.id, RunStatus::Running).await {
            tracing::warn!(id = run.id, error = %e, "backtest status not stored");
        }
        self.publish(run.clone());
        let cancel = Arc::new(AtomicBool::new(false));
        let stop = {
            let (cancel, shutdown) = (cancel.clone(), j.shutdown.clone());
            tokio::spawn(async move {
                shutdown.cancelled().await;
                cancel.store(true, Ordering::Relaxed);
            })
        };
        let jobs = self.clone();
        let going = run.clone();
        let result = tokio::task::spawn_blocking(move || compute(&jobs, going, &plan, history, threads, &cancel)).await;
        stop.abort();
        drop(permit);
        match result {
            Ok(Ok((report, points))) => {
                let now = j.clock.wall_ms();
                if let Err(e) = db::backtests::finish(&j.db, run.id, &report, &points, now).await {
                    return self.failed(run, format!("storing the report failed: {e}")).await;
                }
                run.status = RunStatus::Done;
                run.progress = Decimal::ONE;
                run.finished_ms = Some(now);
                run.net = Some(report.net);
                run.apr_budget = Some(report.apr_budget);
                self.publish(run);
            }
            Ok(Err(e)) => self.failed(run, e.to_string()).await,
            Err(e) => self.failed(run, format!("the run crashed: {e}")).await,
        }
    }

    async fn failed(&self, mut run: BacktestRun, error: String) {
        let j = &self.0;
        let now = j.clock.wall_ms();
        if let Err(e) = db::backtests::fail(&j.db, run.id, &error, now).await {
            tracing::error!(id = run.id, error = %e, "backtest failure not stored");
        }
        let n = Notification::new(
            Level::Warning,
            Kind::BacktestFailed,
            now,
            format!("Backtest {} failed", run.id),
            error.clone(),
        );
        j.notifier.publish(n);
        run.status = RunStatus::Failed;
        run.error = Some(error);
        run.finished_ms = Some(now);
        self.publish(run);
    }
}

/// The blocking part: one run, or every point of a sweep and its ranking.
fn compute(
    jobs: &BacktestJobs,
    run: BacktestRun,
    plan: &Plan,
    history: Arc<History>,
    threads: usize,
    cancel: &AtomicBool,
) -> Result<(Report, Vec<SweepPoint>), super::driver::Cancelled> {
    let shown = Mutex::new((run, -1i64));
    let tell = |done: f64| {
        let mut guard = shown.lock().unwrap_or_else(|e| e.into_inner());
        let percent = (done * 100.0).floor() as i64;
        if percent > guard.1 {
            guard.1 = percent;
            guard.0.progress = Decimal::from_f64(done).unwrap_or_default().round_dp(4);
            jobs.publish(guard.0.clone());
        }
    };
    if !plan.is_sweep() {
        let (_, spec) = &plan.points[0];
        let outcome = super::run(spec, history, &mut |p: Progress| tell(p.done), cancel)?;
        return Ok((outcome.report, Vec::new()));
    }
    let done = sweep::run_all(plan, history, threads, &tell, cancel)?;
    let ranked = sweep::rank(&done, plan.rank_by);
    let best = ranked.first().map_or(0, |(i, _)| *i);
    let report = done[best].outcome.report.clone();
    Ok((report, ranked.into_iter().map(|(_, p)| p).collect()))
}

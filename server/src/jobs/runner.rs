//! One run of one job: its row in the job log before the work starts and completed after,
//! the work itself on a task of its own (a panic is a failed run, not a dead scheduler), the
//! metrics, and the alerts: a failed run, a success rate that fell below the threshold, a job
//! overdue. A job still running is not started again: that attempt is logged as skipped.

use super::alerts::{self, RateRule};
use super::schedule::{Schedule, ScheduleError};
use super::{JobContext, JobSpec, SPECS, tasks};
use crate::db::job_runs::{self, Ended};
use crate::metrics::names;
use crate::settings::JobsSettings;
use app::TimestampMs;
use app::jobs::{JobRun, JobView, RunStatus, TimeBase, Trigger};
use app::trading::{Kind, Level, Notification};
use sea_orm::DbErr;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Runs shown per job on the System page.
const RECENT: u64 = 10;

/// A job with its settings in force.
#[derive(Debug, Clone)]
pub struct Entry {
    pub spec: &'static JobSpec,
    pub schedule: Schedule,
    pub enabled: bool,
    pub grace_ms: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("no job named {0:?}")]
    Unknown(String),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// What the alerts remember per job: which conditions are in force, and the last success.
#[derive(Debug, Default, Clone, Copy)]
struct Watch {
    rate_low: bool,
    overdue: bool,
    /// The cron time of the last success (or when watching began).
    last_ok: TimestampMs,
}

/// The jobs and their shared state: what the scheduler, the API and `run-once` drive.
pub struct Jobs {
    ctx: JobContext,
    entries: Vec<Entry>,
    running: Mutex<HashSet<&'static str>>,
    watch: Mutex<HashMap<&'static str, Watch>>,
    rule: RateRule,
}

/// Takes a job out of the running set however its run ends.
struct Running<'a>(&'a Jobs, &'static str);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.running.lock().unwrap_or_else(|e| e.into_inner()).remove(self.1);
    }
}

impl Jobs {
    /// Every job with its settings; an unreadable cron expression is an error at start-up.
    pub async fn new(ctx: JobContext, settings: &JobsSettings) -> Result<Arc<Jobs>, JobsError> {
        let mut entries = Vec::new();
        let mut watch = HashMap::new();
        for spec in &SPECS {
            let js = settings.job(spec.name).ok_or(JobsError::Missing(spec.name))?;
            let schedule = Schedule::parse(&js.cron)?;
            let grace_ms = i64::try_from(js.grace_secs.unwrap_or(settings.grace_secs)).unwrap_or(i64::MAX / 2) * 1000;
            let last_ok = match job_runs::last_success(&ctx.db, spec.name).await? {
                Some(run) => run.scheduled_ms,
                None => ctx.now(spec.time_base),
            };
            watch.insert(spec.name, Watch { last_ok, ..Watch::default() });
            entries.push(Entry { spec, schedule, enabled: js.enabled, grace_ms });
        }
        let rule = RateRule { window: settings.alert_window.max(1), min_success: settings.alert_min_success };
        Ok(Arc::new(Jobs { ctx, entries, running: Mutex::default(), watch: Mutex::new(watch), rule }))
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn entry(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.spec.name == name)
    }

    pub fn context(&self) -> &JobContext {
        &self.ctx
    }

    pub fn is_running(&self, name: &str) -> bool {
        self.running.lock().unwrap_or_else(|e| e.into_inner()).contains(name)
    }

    /// Run `name` for cron time `scheduled_ms`; returns its row as completed (status
    /// `skipped` when it was already running).
    pub async fn run(&self, name: &str, scheduled_ms: TimestampMs, trigger: Trigger) -> Result<JobRun, RunError> {
        let entry = self.entry(name).ok_or_else(|| RunError::Unknown(name.to_owned()))?;
        let spec = entry.spec;
        let db = &self.ctx.db;
        let started_ms = self.ctx.clock.wall_ms();
        let fresh = self.running.lock().unwrap_or_else(|e| e.into_inner()).insert(spec.name);
        if !fresh {
            let why = "the previous run is still running";
            let id = job_runs::skipped(db, spec.name, scheduled_ms, started_ms, trigger, why).await?;
            self.count(spec.name, RunStatus::Skipped, 0.0);
            return job_runs::get(db, id)
                .await?
                .ok_or_else(|| RunError::Db(DbErr::RecordNotFound(format!("run {id}"))));
        }
        let _running = Running(self, spec.name);
        let id = job_runs::start(db, spec.name, scheduled_ms, started_ms, trigger).await?;
        tracing::info!(job = spec.name, ?trigger, "job started");
        let clock = Instant::now();
        let (ctx, job) = (self.ctx.clone(), spec.name);
        let result = match tokio::spawn(async move { tasks::execute(job, &ctx, trigger).await }).await {
            Ok(r) => r,
            Err(e) => Err(format!("the job panicked: {e}")),
        };
        let elapsed = clock.elapsed();
        let ended = match &result {
            Ok(o) => Ended {
                ended_ms: self.ctx.clock.wall_ms(),
                status: o.status,
                records: o.records,
                error: o.note.clone(),
                duration_ms: elapsed.as_millis() as i64,
            },
            Err(e) => Ended {
                ended_ms: self.ctx.clock.wall_ms(),
                status: RunStatus::Failed,
                records: 0,
                error: Some(e.clone()),
                duration_ms: elapsed.as_millis() as i64,
            },
        };
        job_runs::finish(db, id, &ended).await?;
        tracing::info!(
            job = spec.name,
            status = ended.status.as_str(),
            records = ended.records,
            ms = ended.duration_ms,
            "job ended"
        );
        self.count(spec.name, ended.status, elapsed.as_secs_f64());
        self.after_run(spec, scheduled_ms, &ended).await?;
        job_runs::get(db, id).await?.ok_or_else(|| RunError::Db(DbErr::RecordNotFound(format!("run {id}"))))
    }

    fn count(&self, job: &'static str, status: RunStatus, secs: f64) {
        metrics::counter!(names::JOB_RUNS, "job" => job, "status" => status.as_str()).increment(1);
        if status != RunStatus::Skipped {
            metrics::histogram!(names::JOB_DURATION, "job" => job).record(secs);
        }
        if status == RunStatus::Success {
            let now = self.ctx.clock.wall_ms() as f64 / 1000.0;
            metrics::gauge!(names::JOB_LAST_SUCCESS, "job" => job).set(now);
        }
    }

    /// The alerts a finished run may raise or clear.
    async fn after_run(&self, spec: &'static JobSpec, scheduled_ms: TimestampMs, ended: &Ended) -> Result<(), DbErr> {
        let now = self.ctx.clock.wall_ms();
        if ended.status == RunStatus::Failed {
            let error = ended.error.clone().unwrap_or_default();
            let n = if spec.name == "backup" {
                Notification::new(Level::Critical, Kind::BackupFailed, now, "Backup failed", error)
            } else {
                Notification::new(Level::Warning, Kind::JobFailed, now, format!("Job {} failed", spec.name), error)
            };
            self.ctx.notifier.publish(n.about(spec.name));
        }
        let recent = job_runs::recent(&self.ctx.db, spec.name, u64::from(self.rule.window) * 3).await?;
        let statuses: Vec<RunStatus> = recent.iter().filter_map(|r| r.status).collect();
        let low = alerts::rate_too_low(&statuses, self.rule);
        let mut watch = self.watch.lock().unwrap_or_else(|e| e.into_inner());
        let w = watch.entry(spec.name).or_default();
        if ended.status == RunStatus::Success {
            w.last_ok = w.last_ok.max(scheduled_ms);
            w.overdue = false;
        }
        match (low, w.rate_low) {
            (Some(rate), false) => {
                w.rate_low = true;
                let title = format!("Job {} succeeds too rarely", spec.name);
                let message = format!(
                    "{}% of its last {} runs succeeded (alert below {}%)",
                    rate.percent().round_dp(0),
                    self.rule.window,
                    self.rule.min_success.percent().round_dp(0)
                );
                let n = Notification::new(Level::Warning, Kind::JobSuccessRate, now, title, message);
                self.ctx.notifier.publish(n.about(spec.name));
            }
            (None, true) => w.rate_low = false,
            _ => {}
        }
        Ok(())
    }

    /// Alert each enabled job that has had no success within its period plus grace (once per
    /// episode). Called by the scheduler on every tick; cheap, in memory.
    pub fn check_overdue(&self) {
        let mut watch = self.watch.lock().unwrap_or_else(|e| e.into_inner());
        for e in self.entries.iter().filter(|e| e.enabled) {
            let w = watch.entry(e.spec.name).or_default();
            let now = self.ctx.now(e.spec.time_base);
            let Some(deadline) = alerts::deadline(&e.schedule, w.last_ok, e.grace_ms) else { continue };
            if now > deadline && !w.overdue {
                w.overdue = true;
                let title = format!("Job {} is overdue", e.spec.name);
                let message = format!(
                    "no success since {} (schedule {}, grace {} s)",
                    app::history::iso_utc(w.last_ok),
                    e.schedule.text(),
                    e.grace_ms / 1000
                );
                let n = Notification::new(Level::Warning, Kind::JobOverdue, self.ctx.clock.wall_ms(), title, message);
                self.ctx.notifier.publish(n.about(e.spec.name));
            }
        }
    }

    /// Every job as the API lists it.
    pub async fn views(&self) -> Result<Vec<JobView>, DbErr> {
        let mut out = Vec::new();
        for e in &self.entries {
            let recent = job_runs::recent(&self.ctx.db, e.spec.name, RECENT.max(u64::from(self.rule.window))).await?;
            let statuses: Vec<RunStatus> = recent.iter().filter_map(|r| r.status).collect();
            let rate = alerts::success_rate(&statuses, self.rule.window).map(|(r, _)| r);
            let now = self.ctx.now(e.spec.time_base);
            out.push(JobView {
                name: e.spec.name.to_owned(),
                description: e.spec.description.to_owned(),
                cron: e.schedule.text().to_owned(),
                time_base: e.spec.time_base,
                enabled: e.enabled,
                running: self.is_running(e.spec.name),
                last_run: recent.first().cloned(),
                next_ms: if e.enabled { e.schedule.next_after(now) } else { None },
                success_rate: rate,
                rate_window: self.rule.window,
                recent: recent.into_iter().take(RECENT as usize).collect(),
            });
        }
        Ok(out)
    }

    /// The time base a job's cron reads.
    pub fn base(&self, name: &str) -> TimeBase {
        self.entry(name).map_or(TimeBase::Wall, |e| e.spec.time_base)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JobsError {
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    #[error("no settings for job {0}")]
    Missing(&'static str),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

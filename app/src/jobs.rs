//! Scheduled jobs as the API and the System page show them: each job with its schedule, last
//! and next run and success rate, and the job log's rows (one per run).

use crate::{Fraction, TimestampMs};
use serde::{Deserialize, Serialize};

/// How a run ended.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Success,
    /// Did part of its work (one venue unreachable, some rows refused).
    Partial,
    Failed,
    /// Not run: the previous run was still going.
    Skipped,
}

impl RunStatus {
    pub const ALL: [RunStatus; 4] = [RunStatus::Success, RunStatus::Partial, RunStatus::Failed, RunStatus::Skipped];

    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Success => "success",
            RunStatus::Partial => "partial",
            RunStatus::Failed => "failed",
            RunStatus::Skipped => "skipped",
        }
    }
}

/// What started a run.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// Its cron time came.
    Schedule,
    /// A cron time passed while the platform was down (jobs that ask for it).
    Missed,
    /// An admin's "run now" (audited).
    Manual,
    /// `server run-once`.
    Cli,
}

/// Which clock a job's cron expression reads. Both are UTC; they differ only on compressed
/// simulators, whose market day passes in minutes.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeBase {
    /// Real time: backups, reconciliation, writes, prune, re-fetch.
    Wall,
    /// The markets' time: a market day's equity snapshot, a market month's report.
    Venue,
}

/// One row of the job log.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRun {
    pub id: i64,
    pub job: String,
    /// The cron time this run was for (the request time for manual and CLI runs).
    pub scheduled_ms: TimestampMs,
    pub started_ms: TimestampMs,
    /// `None` while it runs.
    #[serde(default)]
    pub ended_ms: Option<TimestampMs>,
    pub status: Option<RunStatus>,
    pub trigger: Trigger,
    /// Rows written, events re-fetched, files removed: what the job counts as its work.
    pub records: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Real milliseconds from start to end.
    pub duration_ms: Option<i64>,
}

/// A job as `GET /api/v1/jobs` lists it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobView {
    pub name: String,
    pub description: String,
    /// The cron expression in force (UTC).
    pub cron: String,
    pub time_base: TimeBase,
    pub enabled: bool,
    pub running: bool,
    pub last_run: Option<JobRun>,
    /// The next cron time on the job's clock (`None` when disabled).
    pub next_ms: Option<TimestampMs>,
    /// Successes among the last `rate_window` finished runs (`None` before any run).
    pub success_rate: Option<Fraction>,
    pub rate_window: u32,
    /// The most recent runs, newest first.
    pub recent: Vec<JobRun>,
}

//! Scheduled jobs: every periodic task of the platform, run by one scheduler on cron times in
//! UTC, each run a row of the job log (`db::job_runs`), failures and unhealthy jobs alerted.
//!
//! - `schedule`: cron expressions and their next/previous times;
//! - `tasks`: what each job does (the work lives in its own module: `backup`, `refetch`,
//!   `equity`, the collector's `store`, the engine's reconciliation), and `report` for the two
//!   reports;
//! - `alerts`: the pure rules for the success-rate and overdue alerts;
//! - `runner`: one run of one job — the row, the work, the metrics, the alerts;
//! - `scheduler`: the loop that finds due jobs on the clock (a manual one in tests).

pub mod alerts;
pub mod report;
pub mod runner;
pub mod schedule;
pub mod scheduler;
pub mod tasks;

use crate::clock::Clock;
use crate::collector::CollectorHandle;
use crate::engine::EngineHandle;
use crate::notify::Notifier;
use crate::refetch::RefetchHandle;
use crate::settings::BackupSettings;
use crate::venue::DynVenue;
use app::TimestampMs;
use app::jobs::{RunStatus, TimeBase};
pub use runner::{Jobs, RunError};
use sea_orm::DatabaseConnection;
use secrecy::SecretString;
use std::path::PathBuf;

/// Whether a cron time that passed while the platform was down is run at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatchUp {
    No,
    /// When a run was missed since the last one (a job that never ran missed nothing).
    Missed,
    /// Also when the job never ran: its work is idempotent and due at once (today's snapshot).
    Always,
}

/// What a job is, apart from its settings.
#[derive(Debug, Clone, Copy)]
pub struct JobSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub time_base: TimeBase,
    pub catch_up: CatchUp,
}

/// Every job, in the order `run-once` runs them.
pub const SPECS: [JobSpec; 9] = [
    spec("funding_write", "Store the predicted funding of every symbol", TimeBase::Wall, CatchUp::No),
    spec("price_write", "Store every symbol's mark and index price", TimeBase::Wall, CatchUp::No),
    spec("refetch", "Fetch payments, fills and order reports the streams may have lost", TimeBase::Wall, CatchUp::No),
    spec("reconcile", "Compare our positions and orders with every venue's", TimeBase::Wall, CatchUp::No),
    spec(
        "reconcile_report",
        "Full reconciliation and a check of every position against its fills",
        TimeBase::Wall,
        CatchUp::No,
    ),
    spec("snapshot", "Each venue's equity for the market day", TimeBase::Venue, CatchUp::Always),
    spec("backup", "Back the database up and apply retention", TimeBase::Wall, CatchUp::Missed),
    spec("prune", "Remove funding and price history past retention, and old job-log rows", TimeBase::Wall, CatchUp::No),
    spec("monthly_report", "P&L of the past market month, per venue and symbol", TimeBase::Venue, CatchUp::No),
];

const fn spec(name: &'static str, description: &'static str, time_base: TimeBase, catch_up: CatchUp) -> JobSpec {
    JobSpec { name, description, time_base, catch_up }
}

pub fn spec_of(name: &str) -> Option<&'static JobSpec> {
    SPECS.iter().find(|s| s.name == name)
}

/// How a job's work ended, when it did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `Success` or `Partial`.
    pub status: RunStatus,
    pub records: i64,
    /// Why a partial run was partial.
    pub note: Option<String>,
}

impl Outcome {
    pub fn done(records: impl TryInto<i64>) -> Self {
        Self { status: RunStatus::Success, records: records.try_into().unwrap_or(i64::MAX), note: None }
    }

    pub fn partial(records: impl TryInto<i64>, why: impl Into<String>) -> Self {
        Self { status: RunStatus::Partial, records: records.try_into().unwrap_or(i64::MAX), note: Some(why.into()) }
    }
}

/// Everything the jobs work with: the running platform's handles and the settings they read.
#[derive(Clone)]
pub struct JobContext {
    pub db: DatabaseConnection,
    pub db_url: SecretString,
    pub venues: Vec<DynVenue>,
    pub engine: EngineHandle,
    pub collector: CollectorHandle,
    pub refetch: RefetchHandle,
    pub notifier: Notifier,
    pub clock: Clock,
    pub backup: BackupSettings,
    /// Funding and price history kept (days of venue time).
    pub retention_days: u32,
    /// Job-log rows kept (days of wall time).
    pub job_log_days: u32,
    /// Where the monthly reports are written.
    pub reports_dir: PathBuf,
}

impl JobContext {
    /// Now on a job's clock.
    pub fn now(&self, base: TimeBase) -> TimestampMs {
        match base {
            TimeBase::Wall => self.clock.wall_ms(),
            TimeBase::Venue => self.clock.venue_ms(),
        }
    }
}

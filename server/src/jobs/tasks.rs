//! What each job does. The work itself belongs to the modules that own the data: this file
//! only calls them and says what a run counts as its records and when it is partial.

use super::{JobContext, Outcome, report};
use crate::backup::{self, retention::Keep};
use crate::collector::store;
use app::audit::{AuditEntry, AuditOutcome};
use app::jobs::Trigger;
use app::{MS_PER_HOUR, TimestampMs};
use secrecy::ExposeSecret;

/// Run job `name`'s work once. The error is the run's error text.
pub async fn execute(name: &str, ctx: &JobContext, trigger: Trigger) -> Result<Outcome, String> {
    match name {
        "funding_write" => {
            let snapshots = ctx.collector.read(|s| s.snapshots());
            store::write_funding(&ctx.db, snapshots).await.map(Outcome::done).map_err(|e| e.to_string())
        }
        "price_write" => {
            let marks = ctx.collector.read(|s| s.marks());
            store::write_prices(&ctx.db, marks).await.map(Outcome::done).map_err(|e| e.to_string())
        }
        "prune" => prune(ctx).await,
        "reconcile" => report::reconcile(ctx, "schedule").await,
        "reconcile_report" => report::daily(ctx).await,
        "snapshot" => snapshot(ctx).await,
        "backup" => backup(ctx, trigger).await,
        "refetch" => refetch(ctx).await,
        "monthly_report" => report::monthly(ctx).await,
        other => Err(format!("no job named {other:?}")),
    }
}

async fn prune(ctx: &JobContext) -> Result<Outcome, String> {
    let before = ctx.clock.venue_ms() - i64::from(ctx.retention_days) * 24 * MS_PER_HOUR;
    let history = store::prune(&ctx.db, before).await.map_err(|e| e.to_string())?;
    let log_before = ctx.clock.wall_ms() - i64::from(ctx.job_log_days.max(1)) * 24 * MS_PER_HOUR;
    let runs = crate::db::job_runs::prune(&ctx.db, log_before).await.map_err(|e| e.to_string())?;
    Ok(Outcome::done(history + runs))
}

/// Today's equity for every venue whose market day has none yet.
async fn snapshot(ctx: &JobContext) -> Result<Outcome, String> {
    let taken = crate::equity::snapshot_due(&ctx.db, &ctx.venues).await.map_err(|e| e.to_string())?;
    match (taken.written.len(), taken.failed.as_slice()) {
        (n, []) => Ok(Outcome::done(n)),
        (0, failed) => Err(failed.join("; ")),
        (n, failed) => Ok(Outcome::partial(n, failed.join("; "))),
    }
}

async fn backup(ctx: &JobContext, trigger: Trigger) -> Result<Outcome, String> {
    let now = ctx.clock.wall_ms();
    let keep = Keep { days: ctx.backup.keep_days, count: ctx.backup.keep_count };
    let result = backup::run(&ctx.db, ctx.db_url.expose_secret(), &ctx.backup.dir, now, keep).await;
    // A run-now is audited on its own (`job.run`, with the admin's name).
    let actor = match trigger {
        Trigger::Cli => "cli",
        Trigger::Manual => "run-now",
        Trigger::Schedule | Trigger::Missed => "scheduler",
    };
    let (outcome, target, detail) = match &result {
        Ok((b, removed)) => (
            AuditOutcome::Ok,
            Some(b.path.display().to_string()),
            Some(format!("{} bytes, sha256 {}; {removed} old backup(s) removed", b.bytes, b.sha256)),
        ),
        Err(e) => (AuditOutcome::Failed, None, Some(e.to_string())),
    };
    audit(ctx, actor, "backup.create", target, outcome, detail, now).await;
    let (b, removed) = result.map_err(|e| e.to_string())?;
    tracing::info!(path = %b.path.display(), bytes = b.bytes, removed, "backup written");
    Ok(Outcome::done(1 + removed))
}

async fn refetch(ctx: &JobContext) -> Result<Outcome, String> {
    let done = ctx.refetch.all("schedule").await.map_err(|e| e.to_string())?;
    if done.failed.is_empty() {
        Ok(Outcome::done(done.records))
    } else if done.records > 0 || done.failed.len() < ctx.venues.len() {
        Ok(Outcome::partial(done.records, done.failed.join("; ")))
    } else {
        Err(done.failed.join("; "))
    }
}

/// An audit-log entry for work done without a person at the keyboard.
pub async fn audit(
    ctx: &JobContext,
    actor: &str,
    action: &str,
    target: Option<String>,
    outcome: AuditOutcome,
    detail: Option<String>,
    time_ms: TimestampMs,
) {
    let entry = AuditEntry {
        id: 0,
        time_ms,
        actor: actor.to_owned(),
        action: action.to_owned(),
        target,
        before: None,
        after: None,
        outcome,
        detail,
        ip: None,
    };
    if let Err(e) = crate::db::audit::insert(&ctx.db, &entry).await {
        tracing::error!(error = %e, action, "could not write the audit log");
    }
}

//! The operations commands of the `server` binary: `run-once`, `backup`, `restore`. Each reads
//! the same settings as `server`.

use crate::backup::{self, retention::Keep};
use crate::clock::Clock;
use crate::jobs::SPECS;
use crate::settings::Settings;
use crate::startup;
use anyhow::{Context, bail};
use app::audit::{AuditEntry, AuditOutcome};
use app::jobs::{RunStatus, Trigger};
use secrecy::ExposeSecret;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How long `run-once` waits for the venues' markets before it runs the jobs anyway.
const READY_WITHIN: Duration = Duration::from_secs(60);

/// Start the platform's core (no HTTP, no scheduler), run the jobs, stop. True when every run
/// succeeded.
pub async fn run_once(settings: &Settings, task: Option<&str>) -> anyhow::Result<bool> {
    let names: Vec<&str> = match task {
        Some(name) if crate::jobs::spec_of(name).is_some() => vec![name],
        Some(name) => {
            let known: Vec<&str> = SPECS.iter().map(|s| s.name).collect();
            bail!("no job named {name:?}; the jobs are: {}", known.join(", "))
        }
        None => SPECS.iter().filter(|s| settings.jobs.job(s.name).is_some_and(|j| j.enabled)).map(|s| s.name).collect(),
    };
    let shutdown = CancellationToken::new();
    let built = crate::venue::build::build(settings, &shutdown).context("venues")?;
    let core = startup::core(settings, built, shutdown).await.context("starting")?;
    if tokio::time::timeout(READY_WITHIN, core.collector.wait_ready()).await.is_err() {
        tracing::warn!("the venues' markets are not all known yet; running the jobs anyway");
    }
    let mut all_ok = true;
    for name in names {
        let now = core.jobs.context().now(core.jobs.base(name));
        let run = core.jobs.run(name, now, Trigger::Cli).await;
        match run {
            Ok(r) => {
                let status = r.status.unwrap_or(RunStatus::Failed);
                all_ok &= status == RunStatus::Success;
                let error = r.error.map(|e| format!(": {e}")).unwrap_or_default();
                println!(
                    "{name}: {} ({} records, {} ms){error}",
                    status.as_str(),
                    r.records,
                    r.duration_ms.unwrap_or(0)
                );
            }
            Err(e) => {
                all_ok = false;
                println!("{name}: not run: {e}");
            }
        }
    }
    core.stop().await;
    Ok(all_ok)
}

/// `server backup [--out DIR]`: one backup now; returns its path.
pub async fn backup(settings: &Settings, out: Option<&Path>) -> anyhow::Result<PathBuf> {
    let url = settings.database.url.expose_secret();
    let db = crate::db::connect(url).await.context("database")?;
    let now = Clock::system().wall_ms();
    // Retention applies to the configured directory only: `--out` may hold anything.
    let (dir, keep) = match out {
        Some(dir) => (dir.to_owned(), Keep { days: 0, count: 0 }),
        None => {
            (settings.backup.dir.clone(), Keep { days: settings.backup.keep_days, count: settings.backup.keep_count })
        }
    };
    let result = backup::run(&db, url, &dir, now, keep).await;
    let (outcome, target, detail) = match &result {
        Ok((b, removed)) => (
            AuditOutcome::Ok,
            Some(b.path.display().to_string()),
            Some(format!("{} bytes, sha256 {}; {removed} old backup(s) removed", b.bytes, b.sha256)),
        ),
        Err(e) => (AuditOutcome::Failed, None, Some(e.to_string())),
    };
    audit(&db, "backup.create", target, outcome, detail, now).await;
    Ok(result.context("backup")?.0.path)
}

/// `server restore FILE`.
pub async fn restore(settings: &Settings, file: &Path) -> anyhow::Result<()> {
    let url = settings.database.url.expose_secret();
    let now = Clock::system().wall_ms();
    let restored = backup::restore::restore(url, file, now)
        .await
        .with_context(|| format!("restore refused: {}", file.display()))?;
    match &restored.replaced {
        Some(kept) => println!("restored {}; the replaced database is kept as {}", file.display(), kept.display()),
        None => println!("restored {}", file.display()),
    }
    // Connecting brings an older backup's schema up to date, then the restore is on record.
    let db = crate::db::connect(url).await.context("opening the restored database")?;
    let detail = restored.replaced.as_ref().map(|p| format!("replaced database kept as {}", p.display()));
    audit(&db, "backup.restore", Some(file.display().to_string()), AuditOutcome::Ok, detail, now).await;
    println!("schema up to date; start the server");
    Ok(())
}

async fn audit(
    db: &sea_orm::DatabaseConnection,
    action: &str,
    target: Option<String>,
    outcome: AuditOutcome,
    detail: Option<String>,
    time_ms: app::TimestampMs,
) {
    let entry = AuditEntry {
        id: 0,
        time_ms,
        actor: "cli".into(),
        action: action.into(),
        target,
        before: None,
        after: None,
        outcome,
        detail,
        ip: None,
    };
    if let Err(e) = crate::db::audit::insert(db, &entry).await {
        tracing::error!(error = %e, action, "could not write the audit log");
    }
}

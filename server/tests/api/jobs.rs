//! The scheduler and the job log on a manual clock: each job runs at its cron times, a job
//! that fails 3 of 5 runs raises the success-rate alert, a missed backup runs at start-up, and
//! the API lists the jobs and runs one now (admins, audited). No test sleeps through an hour:
//! the clock is moved by hand and the scheduler ticked.

use crate::helpers::{call, router_with, settings, spawn_app, users};
use app::auth::Role;
use app::jobs::{JobRun, JobView, RunStatus, Trigger};
use app::trading::{Kind, Notification};
use app::{TimestampMs, Venue};
use axum::http::StatusCode;
use server::clock::{Clock, TimeSource};
use server::db::job_runs;
use server::jobs::scheduler::Scheduler;
use server::startup::{self, Core};
use server::venue::DynVenue;
use server::venue::build::Venues;
use server::venue::sim::history::History;
use server::venue::sim::{SimConfig, SimVenue};
use std::sync::Arc;
use tempfile::TempDir;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

fn ms(rfc3339: &str) -> TimestampMs {
    chrono::DateTime::parse_from_rfc3339(rfc3339).unwrap().timestamp_millis()
}

/// The platform's core on simulated venues whose clock (wall and market alike) is `time`.
async fn manual_core(dir: &TempDir, time: &TimeSource, overrides: &[(&str, &str)]) -> Core {
    core_on(dir, time, time, overrides).await
}

/// As [`manual_core`] with the wall and the markets on clocks of their own.
async fn core_on(dir: &TempDir, wall: &TimeSource, time: &TimeSource, overrides: &[(&str, &str)]) -> Core {
    let settings = settings(overrides, dir);
    let history = History::embedded().unwrap();
    let sims: Vec<Arc<SimVenue>> = Venue::ALL
        .into_iter()
        .map(|v| {
            let config = SimConfig { seed: 42, starting_balance: 100_000.into(), faults: Default::default() };
            SimVenue::new(v, history.clone(), time.clone(), config)
        })
        .collect();
    let all: Vec<DynVenue> = sims.iter().map(|s| s.clone() as DynVenue).collect();
    let built = Venues { all, clock: Clock::new(wall.clone(), time.clone()), sims, tasks: vec![] };
    let core = startup::core(&settings, built, CancellationToken::new()).await.expect("core");
    tokio::time::timeout(std::time::Duration::from_secs(30), core.collector.wait_ready()).await.expect("ready");
    core
}

async fn all_runs(core: &Core, job: &str) -> Vec<JobRun> {
    let mut runs = job_runs::recent(&core.db, job, 1_000).await.unwrap();
    runs.reverse();
    runs
}

fn drain(rx: &mut broadcast::Receiver<Notification>) -> Vec<Notification> {
    std::iter::from_fn(|| rx.try_recv().ok()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_job_runs_at_its_cron_times_on_a_manual_clock() {
    let dir = tempfile::tempdir().unwrap();
    let time = TimeSource::manual(ms("2026-12-31T22:30:00Z"));
    let core = manual_core(&dir, &time, &[]).await;
    let mut scheduler = Scheduler::new(core.jobs.clone());
    assert!(scheduler.tick().is_empty(), "nothing is due at 22:30:00");
    let stops = [
        "2026-12-31T23:00:00Z",
        "2027-01-01T00:00:00Z",
        "2027-01-01T01:00:00Z",
        "2027-01-01T01:05:00Z",
        "2027-01-01T02:00:00Z",
    ];
    for at in stops {
        time.set(ms(at));
        for run in scheduler.tick() {
            let run = run.await.unwrap().unwrap();
            assert_eq!(run.status, Some(RunStatus::Success), "{run:?}");
            assert_eq!(run.trigger, Trigger::Schedule);
        }
    }
    time.set(ms("2027-01-01T02:00:05Z"));
    assert!(scheduler.tick().is_empty(), "between two cron times nothing runs");

    let at = |list: &[&str]| list.iter().map(|t| ms(t)).collect::<Vec<_>>();
    let every_stop = at(&stops);
    let hourly = at(&["2026-12-31T23:00:00Z", "2027-01-01T00:00:00Z", "2027-01-01T01:00:00Z", "2027-01-01T02:00:00Z"]);
    let expected: [(&str, Vec<TimestampMs>); 9] = [
        // Every minute and every 10 s: several times passed between two stops make one run.
        ("funding_write", every_stop.clone()),
        ("price_write", every_stop.clone()),
        ("reconcile", every_stop.clone()),
        ("prune", hourly),
        ("reconcile_report", at(&["2026-12-31T23:00:00Z"])),
        ("snapshot", at(&["2027-01-01T00:00:00Z"])),
        ("backup", at(&["2027-01-01T01:00:00Z"])),
        // Hourly at :05: passed between the stops, so run at the next one for that time.
        ("refetch", at(&["2026-12-31T23:05:00Z", "2027-01-01T00:05:00Z", "2027-01-01T01:05:00Z"])),
        ("monthly_report", at(&["2027-01-01T02:00:00Z"])),
    ];
    for (job, times) in expected {
        let runs = all_runs(&core, job).await;
        assert_eq!(runs.iter().map(|r| r.scheduled_ms).collect::<Vec<_>>(), times, "{job}");
        assert!(runs.iter().all(|r| r.ended_ms.is_some() && r.duration_ms.is_some()), "{job}: {runs:?}");
    }
    // What the runs left behind: a backup named for its time, the snapshot rows, the report.
    assert!(dir.path().join("backups/arb-20270101-010000.db").is_file());
    assert!(dir.path().join("backups/arb-20270101-010000.db.sha256").is_file());
    assert!(dir.path().join("reports/monthly-2026-12.json").is_file());
    assert_eq!(all_runs(&core, "snapshot").await[0].records, 2, "one row per venue");
    core.stop().await;
}

/// A compressed simulator: three market days pass in 72 real seconds. The snapshot follows the
/// markets' midnights; the backup, on the wall clock, waits for the real night.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn market_day_jobs_follow_the_compressed_market_clock() {
    let dir = tempfile::tempdir().unwrap();
    let wall = TimeSource::manual(ms("2026-12-07T12:00:00Z"));
    let market = TimeSource::manual(ms("2026-12-07T12:00:00Z"));
    let core = core_on(&dir, &wall, &market, &[]).await;
    let mut scheduler = Scheduler::new(core.jobs.clone());
    let midnights = ["2026-12-08T00:00:00Z", "2026-12-09T00:00:00Z", "2026-12-10T00:00:00Z"];
    for midnight in midnights {
        wall.advance(24_000);
        market.set(ms(midnight));
        for run in scheduler.tick() {
            assert_eq!(run.await.unwrap().unwrap().status, Some(RunStatus::Success));
        }
    }
    let snapshots = all_runs(&core, "snapshot").await;
    assert_eq!(snapshots.iter().map(|r| r.scheduled_ms).collect::<Vec<_>>(), midnights.map(ms));
    assert!(snapshots.iter().all(|r| r.records == 2), "a row per venue per market day: {snapshots:?}");
    assert!(all_runs(&core, "backup").await.is_empty(), "no real 01:00 has passed");
    let days = server::db::equity::days(&core.db, 0, i64::MAX).await.unwrap();
    assert_eq!(days.iter().map(|d| d.day_ms).collect::<Vec<_>>(), midnights.map(ms));
    core.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_failing_three_of_five_runs_raises_the_success_rate_alert() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("disk");
    let target = blocker.join("backups");
    let overrides = [("ARB__BACKUP__DIR", target.to_str().unwrap())];
    let time = TimeSource::manual(ms("2026-12-07T12:00:00Z"));
    let core = manual_core(&dir, &time, &overrides).await;
    let mut alerts = core.notifier.subscribe();
    // A file where the backup directory should be: the backup cannot be written.
    let broken = |yes: bool| {
        let _ = std::fs::remove_dir_all(&blocker);
        let _ = std::fs::remove_file(&blocker);
        if yes {
            std::fs::write(&blocker, b"not a directory").unwrap()
        } else {
            std::fs::create_dir_all(&blocker).unwrap()
        }
    };
    let mut seen = Vec::new();
    for (i, fails) in [true, false, true, false, true].into_iter().enumerate() {
        broken(fails);
        time.advance(60_000);
        let run = core.jobs.run("backup", time.now_ms(), Trigger::Manual).await.unwrap();
        let want = if fails { RunStatus::Failed } else { RunStatus::Success };
        assert_eq!(run.status, Some(want), "run {i}: {run:?}");
        let got = drain(&mut alerts);
        let rate_alerts = got.iter().filter(|n| n.kind == Some(Kind::JobSuccessRate)).count();
        assert_eq!(rate_alerts, usize::from(i == 4), "run {i}: only a full window of 5 can be below 80 %");
        seen.extend(got);
    }
    let failed: Vec<&Notification> = seen.iter().filter(|n| n.kind == Some(Kind::BackupFailed)).collect();
    assert_eq!(failed.len(), 3, "each failure alerts: {seen:?}");
    assert!(failed[0].message.contains("disk"), "{}", failed[0].message);
    let rate = seen.iter().find(|n| n.kind == Some(Kind::JobSuccessRate)).unwrap();
    assert!(rate.message.starts_with("40% of its last 5 runs"), "{}", rate.message);
    assert_eq!(rate.dedup_key, "job_success_rate:backup");

    // No success within its period plus grace: overdue, once.
    time.advance(2 * 24 * app::MS_PER_HOUR);
    core.jobs.check_overdue();
    core.jobs.check_overdue();
    let overdue: Vec<Notification> =
        drain(&mut alerts).into_iter().filter(|n| n.kind == Some(Kind::JobOverdue)).collect();
    assert!(overdue.iter().any(|n| n.title == "Job backup is overdue"), "{overdue:?}");
    assert_eq!(overdue.iter().filter(|n| n.title == "Job backup is overdue").count(), 1);
    core.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missed_backup_runs_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let time = TimeSource::manual(ms("2026-12-07T01:30:00Z"));
    let core = manual_core(&dir, &time, &[]).await;
    let run = core.jobs.run("backup", ms("2026-12-07T01:00:00Z"), Trigger::Schedule).await.unwrap();
    assert_eq!(run.status, Some(RunStatus::Success));
    core.stop().await;

    // Down over the next 01:00; back at 03:00.
    time.set(ms("2026-12-08T03:00:00Z"));
    let core = manual_core(&dir, &time, &[]).await;
    let caught_up: Vec<JobRun> = futures::future::join_all(Scheduler::new(core.jobs.clone()).catch_up().await)
        .await
        .into_iter()
        .map(|r| r.unwrap().unwrap())
        .collect();
    let backup = caught_up.iter().find(|r| r.job == "backup").expect("the missed backup ran");
    assert_eq!(
        (backup.scheduled_ms, backup.trigger, backup.status),
        (ms("2026-12-08T01:00:00Z"), Trigger::Missed, Some(RunStatus::Success))
    );
    assert!(dir.path().join("backups/arb-20261208-030000.db").is_file(), "named for when it was taken");
    assert!(caught_up.iter().any(|r| r.job == "snapshot"), "the day's snapshot was missing too");
    assert!(caught_up.iter().all(|r| ["backup", "snapshot"].contains(&r.job.as_str())), "{caught_up:?}");
    core.stop().await;

    // Nothing missed since: nothing to catch up.
    time.set(ms("2026-12-08T03:30:00Z"));
    let core = manual_core(&dir, &time, &[]).await;
    let again = Scheduler::new(core.jobs.clone()).catch_up().await;
    assert!(again.is_empty(), "{} runs", again.len());
    core.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_lists_jobs_and_admins_run_one_now_audited() {
    let t = spawn_app(&[]).await;
    let state = &t.running.state;
    let tokens = users(state).await;
    let viewer = router_with(state, tokens.token(Role::Viewer));
    let admin = router_with(state, tokens.token(Role::Admin));

    let (status, body) = call(&viewer, "GET", "/api/v1/jobs", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let jobs: Vec<JobView> = serde_json::from_value(body).unwrap();
    let names: Vec<&str> = jobs.iter().map(|j| j.name.as_str()).collect();
    for name in ["snapshot", "backup", "reconcile", "reconcile_report", "refetch", "prune", "monthly_report"] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    let backup = jobs.iter().find(|j| j.name == "backup").unwrap();
    assert_eq!(backup.cron, "0 1 * * *");
    assert!(backup.next_ms.is_some_and(|t| t > state.clock.wall_ms()));

    assert_eq!(call(&viewer, "POST", "/api/v1/jobs/prune/run", None).await.0, StatusCode::FORBIDDEN);
    let (status, body) = call(&admin, "POST", "/api/v1/jobs/prune/run", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let run: JobRun = serde_json::from_value(body).unwrap();
    assert_eq!((run.job.as_str(), run.trigger, run.status), ("prune", Trigger::Manual, Some(RunStatus::Success)));
    let (status, body) = call(&viewer, "GET", "/api/v1/jobs/prune/runs", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.as_array().unwrap().iter().any(|r| r["id"] == run.id), "{body}");
    assert_eq!(call(&admin, "POST", "/api/v1/jobs/nope/run", None).await.0, StatusCode::NOT_FOUND);

    let (_, log) = call(&admin, "GET", "/api/v1/audit?action=job.run", None).await;
    let entries = log.as_array().unwrap();
    let outcome = |target: &str| {
        let e = entries.iter().find(|e| e["target"] == target).unwrap_or_else(|| panic!("{target}: {log}"));
        (e["actor"].as_str().unwrap().to_owned(), e["outcome"].as_str().unwrap().to_owned())
    };
    assert_eq!(outcome("prune"), ("token:tests".into(), "ok".into()));
    assert_eq!(outcome("nope").1, "refused");
    t.running.stop().await;
}

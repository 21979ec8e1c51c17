//! The System page: each venue's connection, REST latency and data freshness, the engine's
//! state, reconciliation (with "reconcile now"), the scheduled jobs (with an audited "run now"
//! for admins), version and uptime, and the audit log for admins only.

use crate::config::click;
use crate::harness::*;
use fantoccini::{Client, Locator};
use std::time::Duration;

fn venue_cell(venue: &str, col: &str) -> String {
    format!(
        "return document.querySelector('table#venues tr[data-venue={venue}] td[data-col={col}]')?.textContent ?? null;"
    )
}

fn venue_attr(venue: &str, col: &str) -> String {
    format!(
        "return document.querySelector('table#venues tr[data-venue={venue}] td[data-col={col}]')?.dataset.ms ?? null;"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_page_shows_venues_engine_and_reconciliation() {
    if !enabled() {
        return;
    }
    // Every simulated REST call takes 25 ms, so the latency shown is a measurement.
    session(&[("ARB__SIM__FAULTS__LATENCY_MS", "25")], async |s| steps(&s.client, &s.url()).await).await;
}

async fn steps(c: &Client, url: &str) {
    let long = Duration::from_secs(30);
    login(c, url, ADMIN).await;
    c.goto(&format!("{url}system")).await.unwrap();
    for venue in ["binance", "lighter"] {
        let ms = wait_for(c, "a latency figure", &venue_attr(venue, "latency"), long, |v| v.is_string()).await;
        let ms: u64 = ms.as_str().and_then(|s| s.parse().ok()).expect("latency in ms");
        assert!((25..5000).contains(&ms), "{venue} latency {ms} ms");
        let shown = c.execute(&venue_cell(venue, "latency"), vec![]).await.unwrap();
        assert_eq!(shown, format!("{ms} ms"));
        wait_for(c, "connected", &venue_cell(venue, "connected"), long, |v| v == "connected").await;
        wait_for(c, "a data age", &venue_attr(venue, "data-age"), long, |v| v.is_string()).await;
        assert_eq!(c.execute(&venue_cell(venue, "error"), vec![]).await.unwrap(), "");
    }

    let state = "return document.querySelector('#engine-status [data-field=state]')?.textContent ?? null;";
    wait_for(c, "the engine state", state, long, |v| v == "running").await;
    let version = "return document.querySelector('#server-info [data-field=version]')?.textContent ?? null;";
    wait_for(c, "the version", version, long, |v| v == env!("CARGO_PKG_VERSION")).await;

    // The start-up reconciliation is listed; "reconcile now" adds a manual one at the top.
    let triggers = "return Array.from(document.querySelectorAll('table#reconciliation tr[data-time] td[data-col=trigger]')).map(td => td.textContent);";
    wait_for(c, "the start-up reconciliation", triggers, long, |v| {
        v.as_array().is_some_and(|a| a.iter().any(|t| t == "startup"))
    })
    .await;
    click(c, "#reconcile-now").await;
    let said = "return document.querySelector('#reconcile-outcome')?.textContent ?? '';";
    wait_for(c, "the reconcile outcome", said, long, |v| v.as_str().is_some_and(|s| s.starts_with("Clean"))).await;
    wait_for(c, "the manual run on top", triggers, long, |v| {
        v.as_array().and_then(|a| a.first()) == Some(&"manual".into())
    })
    .await;
    let clean = "return document.querySelector('table#reconciliation tr[data-time]')?.dataset.clean ?? null;";
    assert_eq!(c.execute(clean, vec![]).await.unwrap(), "true");

    // The audit log (admins): the admin's login, and filtering by action.
    let logins = "return Array.from(document.querySelectorAll('table#audit-log tr[data-audit-id]'))
        .filter(r => r.querySelector('td[data-col=action]').textContent === 'auth.login')
        .map(r => r.querySelector('td[data-col=actor]').textContent + ' ' + r.dataset.outcome);";
    wait_for(c, "the admin's login in the audit log", logins, long, |v| {
        v.as_array().is_some_and(|a| a.iter().any(|t| t == "admin ok"))
    })
    .await;
    let action = c.find(Locator::Css("#audit-action")).await.unwrap();
    action.send_keys("reconcile.").await.unwrap();
    click(c, "#audit-filter button[type=submit]").await;
    let shown =
        "return Array.from(document.querySelectorAll('table#audit-log tr[data-audit-id]')).map(r => r.dataset.action);";
    let after = wait_for(c, "the filtered log", shown, long, |v| {
        v.as_array().is_some_and(|a| !a.is_empty() && a.iter().all(|x| x == "reconcile.run"))
    })
    .await;
    assert!(!after.as_array().unwrap().is_empty(), "the manual reconciliation is audited");
    c.execute("window.scrollTo(0, 0); return true;", vec![]).await.unwrap();
    screenshot(c, "system-desktop").await;

    c.set_window_size(390, 844).await.unwrap();
    c.refresh().await.unwrap();
    wait_for(c, "venues on a phone", &venue_attr("lighter", "latency"), long, |v| v.is_string()).await;
    wait_for(c, "the engine on a phone", state, long, |v| v == "running").await;
    let fits = "return document.documentElement.scrollWidth <= window.innerWidth + 1;";
    assert_eq!(c.execute(fits, vec![]).await.unwrap(), true, "the system page must not scroll sideways on a phone");
    screenshot(c, "system-phone").await;

    // A viewer sees the figures but neither the button nor the audit log.
    c.delete_all_cookies().await.unwrap();
    c.set_window_size(1400, 900).await.unwrap();
    login(c, url, VIEWER).await;
    c.goto(&format!("{url}system")).await.unwrap();
    wait_for(c, "the engine for a viewer", state, long, |v| v == "running").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let hidden = "return [!!document.querySelector('#reconcile-now'), !!document.querySelector('table#audit-log')];";
    assert_eq!(c.execute(hidden, vec![]).await.unwrap(), serde_json::json!([false, false]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_page_lists_the_jobs_and_admins_run_one_now() {
    if !enabled() {
        return;
    }
    session(&[], async |s| jobs_steps(&s.client, &s.url()).await).await;
}

async fn jobs_steps(c: &Client, url: &str) {
    let long = Duration::from_secs(30);
    login(c, url, ADMIN).await;
    c.goto(&format!("{url}system")).await.unwrap();
    let cell = |job: &str, col: &str| {
        format!(
            "return document.querySelector('table#jobs tr[data-job={job}] td[data-col={col}]')?.textContent ?? null;"
        )
    };
    let jobs = "return Array.from(document.querySelectorAll('table#jobs tr[data-job]')).map(r => r.dataset.job);";
    let listed = wait_for(c, "the jobs", jobs, long, |v| v.as_array().is_some_and(|a| a.len() >= 7)).await;
    for name in ["snapshot", "backup", "reconcile", "reconcile_report", "refetch", "prune", "monthly_report"] {
        assert!(listed.as_array().unwrap().iter().any(|j| j == name), "{name} in {listed}");
    }
    assert_eq!(c.execute(&cell("backup", "schedule"), vec![]).await.unwrap(), "0 1 * * * (UTC)");
    assert_eq!(c.execute(&cell("snapshot", "schedule"), vec![]).await.unwrap(), "0 0 * * * (UTC, market time)");

    // Run the backup now: its outcome, then its row's last run.
    click(c, "button.run-now[data-job=backup]").await;
    let said = "return document.querySelector('#job-outcome')?.textContent ?? '';";
    wait_for(c, "the run's outcome", said, long, |v| v.as_str().is_some_and(|s| s.starts_with("backup: success")))
        .await;
    wait_for(c, "the backup's last run", &cell("backup", "last"), long, |v| {
        v.as_str().is_some_and(|s| s.contains("success"))
    })
    .await;
    let rate = c.execute(&cell("backup", "rate"), vec![]).await.unwrap();
    assert_eq!(rate, "100% of 1");
    screenshot(c, "system-jobs").await;

    // The run is in the audit log under the admin's name.
    let action = c.find(Locator::Css("#audit-action")).await.unwrap();
    action.send_keys("job.").await.unwrap();
    click(c, "#audit-filter button[type=submit]").await;
    let audited = "return Array.from(document.querySelectorAll('table#audit-log tr[data-audit-id]'))
        .map(r => r.dataset.action + ' ' + r.querySelector('td[data-col=actor]').textContent);";
    wait_for(c, "the audited run", audited, long, |v| {
        v.as_array().is_some_and(|a| a.iter().any(|x| x == "job.run admin"))
    })
    .await;

    // A viewer sees the jobs, not the buttons.
    c.delete_all_cookies().await.unwrap();
    login(c, url, VIEWER).await;
    c.goto(&format!("{url}system")).await.unwrap();
    wait_for(c, "the jobs for a viewer", jobs, long, |v| v.as_array().is_some_and(|a| a.len() >= 7)).await;
    let buttons = "return document.querySelectorAll('button.run-now').length;";
    assert_eq!(c.execute(buttons, vec![]).await.unwrap(), 0);
}

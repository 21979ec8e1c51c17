//! The Backtest page: a trader's bad window is refused beside its field and nothing runs; a
//! run started from the form shows its progress live, then its figures, equity and drawdown
//! charts and per-symbol table; two runs are compared side by side with the parameter that
//! differs; an admin copies a run's parameters into the Config form, as unsaved changes.

use crate::harness::*;
use crate::session::*;
use fantoccini::Client;
use serde_json::Value;
use std::time::Duration;

/// Runs on a debug build take a while: generous, and only a bound.
const RUN: Duration = Duration::from_secs(180);

/// Record every percentage the runs table shows, as it changes (`window.__progress`).
const WATCH_PROGRESS: &str = r#"
    window.__progress = [];
    const table = document.querySelector('#bt-runs');
    new MutationObserver(() => {
        for (const p of table.querySelectorAll('.bt-percent')) window.__progress.push(p.textContent.trim());
    }).observe(table, {subtree: true, childList: true, characterData: true, attributes: true});
    return true;
"#;

const RESULT: &str = r#"
    const r = document.querySelector('#bt-result[data-ready=true]');
    if (!r) return null;
    return {
        run: r.dataset.run,
        net: r.querySelector('[data-field=net]')?.textContent ?? '',
        funding: r.querySelector('[data-field=funding]')?.textContent ?? '',
        positions: r.querySelector('[data-field=positions]')?.textContent ?? '',
        equity: document.querySelector('svg#bt-equity')?.dataset.points ?? null,
        equity_line: document.querySelector('svg#bt-equity polyline')?.getAttribute('points')?.split(' ').length ?? 0,
        drawdown: document.querySelector('svg#bt-drawdown polygon') !== null,
        symbols: Array.from(document.querySelectorAll('table#bt-symbols tr[data-symbol]')).map(t => t.dataset.symbol),
    };
"#;

fn set_param(field: &str, value: &str) -> String {
    format!(
        "const el = document.querySelector('#bt-param-{field}');
         el.value = {value:?}; el.dispatchEvent(new Event('input', {{bubbles: true}})); return true;"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backtest_runs_from_the_page_with_progress_charts_table_and_comparison() {
    if !enabled() {
        return;
    }
    session(&[], async |s| {
        let url = s.url();
        trader_steps(&s.client, &url).await;
        sign_out(&s.client).await;
        admin_steps(&s.client, &url).await;
    })
    .await;
}

async fn trader_steps(c: &Client, url: &str) {
    sign_in(c, url, TRADER).await;
    go(c, "/backtest").await;
    // The parameters start from the ones in effect.
    let live = api_get(c, "/api/v1/config").await;
    let live_apr = live["params"]["entry_min_apr"].as_str().unwrap().to_owned();
    wait_for(
        c,
        "the live parameters",
        "return document.querySelector('#bt-param-entry_min_apr')?.value ?? '';",
        LONG,
        |v| v == live_apr.as_str(),
    )
    .await;

    // A window before the data: refused beside its field, nothing stored.
    fill(c, "#bt-from", "2020-01-01").await;
    fill(c, "#bt-to", "2020-02-01").await;
    click(c, "#bt-start").await;
    let error = wait_for(c, "the refusal", &text_of("[data-error-for=from]"), LONG, |v| {
        v.as_str().is_some_and(|t| !t.is_empty())
    })
    .await;
    assert!(error.as_str().unwrap().contains("before the data"), "{error}");
    assert_eq!(api_get(c, "/api/v1/backtests").await, Value::Array(vec![]), "nothing stored");

    // A month by the minute on two symbols: long enough to show progress on the way.
    c.execute(WATCH_PROGRESS, vec![]).await.unwrap();
    fill(c, "#bt-from", "2025-10-01").await;
    fill(c, "#bt-to", "2025-11-01").await;
    fill(c, "#bt-symbols", "BTC, eth").await;
    select(c, "#bt-resolution", "1m").await;
    click(c, "#bt-start").await;
    let result = wait_for(c, "the first run's result", RESULT, RUN, |v| !v.is_null()).await;
    let progress: Vec<String> =
        serde_json::from_value(c.execute("return window.__progress;", vec![]).await.unwrap()).unwrap();
    assert!(
        progress.iter().any(|p| p != "0%" && p != "100%"),
        "progress shown on the way, live from the WebSocket: {progress:?}"
    );
    let first = result["run"].as_str().unwrap().to_owned();
    c.execute("document.querySelector('#bt-result').scrollIntoView(); return true;", vec![]).await.unwrap();
    screenshot(c, "backtest-result").await;
    assert_eq!(result["equity"], "32", "a point per day boundary: {result}");
    assert_eq!(result["equity_line"], 32, "{result}");
    assert_eq!(result["drawdown"], true, "{result}");
    assert_eq!(result["symbols"], serde_json::json!(["BTC", "ETH"]));
    // The figures are the stored report's.
    let stored = api_get(c, &format!("/api/v1/backtests/{first}")).await;
    let net: rust_decimal::Decimal = stored["report"]["net"].as_str().unwrap().parse().unwrap();
    let shown = result["net"].as_str().unwrap().replace([',', '$', ' '], "");
    assert_eq!(shown.parse::<rust_decimal::Decimal>().ok(), Some(net.round_dp(2)), "{result}");
    assert_eq!(result["positions"].as_str().unwrap(), stored["report"]["positions"].to_string());
    // A trader does not change the configuration.
    assert_eq!(c.execute(&exists("#bt-copy-params"), vec![]).await.unwrap(), false);

    // A second run with another entry threshold, hourly; then the two side by side.
    c.execute(&set_param("entry_min_apr", "0.05"), vec![]).await.unwrap();
    select(c, "#bt-resolution", "1h").await;
    click(c, "#bt-start").await;
    let second = wait_for(c, "the second run's result", RESULT, RUN, |v| {
        !v.is_null() && v["run"].as_str() != Some(first.as_str())
    })
    .await;
    let second = second["run"].as_str().unwrap().to_owned();
    for id in [&first, &second] {
        click(c, &format!("#bt-runs tr[data-run='{id}'] .bt-compare-pick")).await;
    }
    let compare = r#"
        const t = document.querySelector('table#bt-compare');
        if (!t || t.dataset.runs !== '2') return null;
        const diff = t.querySelector('tr[data-param=entry_min_apr]');
        return {diff: diff ? Array.from(diff.querySelectorAll('td')).map(d => d.textContent) : null,
                net: t.querySelectorAll('tr[data-field=net] td').length};
    "#;
    let table = wait_for(c, "the comparison", compare, LONG, |v| !v.is_null()).await;
    screenshot(c, "backtest-desktop").await;
    assert_eq!(table["net"], 2, "{table}");
    let diff: Vec<String> = serde_json::from_value(table["diff"].clone()).unwrap();
    assert!(diff.contains(&"0.05".to_owned()) && diff.contains(&live_apr), "{table}");
}

async fn admin_steps(c: &Client, url: &str) {
    sign_in(c, url, ADMIN).await;
    go(c, "/backtest").await;
    // The newest run (entry_min_apr 0.05) in full, then its parameters into Config.
    let newest = wait_for(
        c,
        "the runs",
        "return document.querySelector('#bt-runs tr[data-status=done]')?.dataset.run ?? null;",
        LONG,
        |v| !v.is_null(),
    )
    .await;
    let newest = newest.as_str().unwrap().to_owned();
    click(c, &format!("#bt-runs tr[data-run='{newest}'] .bt-show")).await;
    wait_for(c, "the run in full", RESULT, LONG, |v| v["run"].as_str() == Some(newest.as_str())).await;
    click(c, "#bt-copy-params").await;
    wait_for(c, "the Config page", "return location.pathname;", LONG, |v| v == "/config").await;
    let pending =
        wait_for(c, "the copied parameters", &text_of("#params-pending [data-field=entry_min_apr]"), LONG, |v| {
            !v.is_null()
        })
        .await;
    assert!(pending.as_str().unwrap().contains("0.05"), "{pending}");
    let outcome = c.execute(&text_of("#params-outcome"), vec![]).await.unwrap();
    assert!(outcome.as_str().unwrap().contains(&format!("backtest #{newest}")), "{outcome}");
    // Nothing saved until the admin says so.
    let config = api_get(c, "/api/v1/config").await;
    assert_ne!(config["params"]["entry_min_apr"], "0.05");
}

//! A viewer sees the dashboard and the trading page but no control, and the server refuses
//! a trading request sent from the viewer's own page with the CSRF token (403).

use crate::harness::*;
use crate::session::*;
use fantoccini::Client;
use std::time::Duration;

const CONTROLS: [&str; 8] = [
    "#open-form",
    "#close-form",
    "#close-all",
    "#pause",
    "#resume",
    "#open-submit",
    "#close-submit",
    "a.btn[href^='/trading?']",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_sees_but_cannot_act() {
    if !enabled() {
        return;
    }
    session(&[], async |s| steps(&s.client, &s.url()).await).await;
}

async fn no_controls(c: &Client, page: &str) {
    for css in CONTROLS {
        assert_eq!(c.execute(&exists(css), vec![]).await.unwrap(), false, "{page}: a viewer must not see {css}");
    }
}

async fn steps(c: &Client, url: &str) {
    sign_in(c, url, VIEWER).await;
    let role = "return document.querySelector('#user')?.dataset.role ?? null;";
    assert_eq!(c.execute(role, vec![]).await.unwrap(), "viewer");
    // The dashboard: the figures are there.
    wait_for(c, "live streams", &text_of("#conn-status .conn-label"), LONG, |v| v == "Live").await;
    wait_for(
        c,
        "the equity table",
        "return document.querySelectorAll('table#equity tr[data-venue]').length;",
        LONG,
        |v| v == 3,
    )
    .await;
    wait_for(
        c,
        "opportunities",
        "return document.querySelectorAll('table#opportunities tr[data-opportunity]').length;",
        LONG,
        |v| v.as_u64().is_some_and(|n| n > 0),
    )
    .await;
    wait_for(
        c,
        "the funding board",
        "return document.querySelectorAll('table#funding-board tr[data-symbol]').length;",
        LONG,
        |v| v == 18,
    )
    .await;
    assert_eq!(c.execute(&exists("table#positions"), vec![]).await.unwrap(), true);
    assert_eq!(c.execute(&exists("nav a[href='/config']"), vec![]).await.unwrap(), false, "Config is for admins");
    no_controls(c, "dashboard").await;
    screenshot(c, "dashboard-viewer-desktop").await;

    // The trading page: engine state, no controls, a note why.
    go(c, "/trading").await;
    wait_for(
        c,
        "the engine's state",
        "return document.querySelector('#engine-state')?.dataset.state ?? null;",
        LONG,
        |v| v == "running",
    )
    .await;
    wait_for(c, "the viewer's note", &exists("#viewer-note"), LONG, |v| v == true).await;
    no_controls(c, "trading").await;

    // Hiding is not enforcement: the same request from this page, with the session's CSRF
    // token, is refused by the server.
    let attempt = r#"
        const done = arguments[0];
        fetch('/api/v1/auth/me').then(r => r.json()).then(me => fetch('/api/v1/orders/open', {
            method: 'POST',
            headers: {'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token},
            body: JSON.stringify({symbol: 'ETH', direction: 'long_lighter_short_binance', notional: '1000'}),
        })).then(r => r.json().then(b => done([r.status, b.error && b.error.code])), e => done(String(e)));"#;
    let refused = c.execute_async(attempt, vec![]).await.unwrap();
    assert_eq!(refused, serde_json::json!([403, "forbidden"]));
    let pause = r#"
        const done = arguments[0];
        fetch('/api/v1/auth/me').then(r => r.json()).then(me => fetch('/api/v1/engine/pause', {
            method: 'POST', headers: {'X-CSRF-Token': me.csrf_token}})).then(r => done(r.status), e => done(String(e)));"#;
    assert_eq!(c.execute_async(pause, vec![]).await.unwrap(), 403);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(api_get(c, "/api/v1/positions").await, serde_json::json!([]), "nothing was opened");
    // Still signed in: a 403 is not a lost session.
    assert_eq!(c.execute(&exists("#user"), vec![]).await.unwrap(), true);
}

//! The Signals page, live: a trader watches a signed signal arrive and complete without
//! reloading, then cancels one left pending (market data stalled); a viewer sees the list but
//! no cancel button, and a cancel attempt from the viewer's session is refused.

use crate::harness::*;
use crate::session::*;
use fantoccini::Client;
use serde_json::{Value, json};
use server::auth::signature::sign;
use std::time::Duration;

const SECRET: &str = "sig_browser-test-secret";

fn status_of(id: i64) -> String {
    format!("return document.querySelector('table#signals tr[data-signal-id=\"{id}\"]')?.dataset.status ?? null;")
}

async fn send(url: &str, body: Value) -> Value {
    let text = body.to_string();
    let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis().to_string();
    let r = reqwest::Client::new()
        .post(format!("{url}api/v1/signals"))
        .header("content-type", "application/json")
        .header("x-source", "research")
        .header("x-timestamp", &ts)
        .header("x-signature", sign(SECRET, &ts, text.as_bytes()))
        .body(text)
        .send()
        .await
        .expect("send a signal");
    assert_eq!(r.status(), 202);
    r.json().await.expect("the record")
}

fn open(signal_id: &str, symbol: &str) -> Value {
    json!({"signal_id": signal_id, "strategy": "carry-1", "action": "open", "symbol": symbol,
        "direction": "long_lighter_short_binance", "notional": "2000", "slices": 2})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trader_sees_signals_live_and_cancels_a_pending_one_a_viewer_only_sees() {
    if !enabled() {
        return;
    }
    session(&[("ARB__COLLECTOR__STALE_AFTER_SECS", "1")], async |s| {
        let state = s.running().state.clone();
        let source: app::signal::SourceRequest = serde_json::from_value(json!({"name": "research",
            "strategies": ["carry-1"], "symbols": ["*"], "max_notional": "10000", "actions": ["open", "close"]}))
        .unwrap();
        server::db::sources::insert(&state.db, &source, SECRET, state.clock.wall_ms()).await.unwrap();
        let c = &s.client;
        let url = s.url();
        sign_in(c, &url, TRADER).await;
        go(c, "/signals").await;
        wait_for(c, "the sources table", &exists("table#sources tr[data-source=research]"), LONG, |v| v == true).await;

        // A signal arrives and completes while the page is open.
        let first = send(&url, open("live-1", "ETH")).await["id"].as_i64().unwrap();
        wait_for(c, "the signal done, live", &status_of(first), LONG, |v| v == "done").await;
        let positions = text_of(&format!("table#signals tr[data-signal-id=\"{first}\"] td[data-col=positions]"));
        wait_for(c, "its position", &positions, LONG, |v| v.as_str().is_some_and(|t| t.starts_with('#'))).await;
        screenshot(c, "signals-desktop").await;

        // Data stalls: the next open waits; the trader cancels it.
        for sim in &s.running().sims {
            sim.stall_market_data(true);
        }
        wait_stale(c).await;
        let pending = send(&url, open("wait-1", "SOL")).await["id"].as_i64().unwrap();
        wait_for(c, "the pending signal", &status_of(pending), LONG, |v| v == "received").await;
        let button = format!("table#signals tr[data-signal-id=\"{pending}\"] button.cancel-signal");
        click(c, &button).await;
        wait_for(c, "the signal cancelled, live", &status_of(pending), LONG, |v| v == "cancelled").await;
        let reason = text_of(&format!("table#signals tr[data-signal-id=\"{pending}\"] td[data-col=reason]"));
        wait_for(c, "who cancelled it", &reason, LONG, |v| v == "cancelled by trader").await;

        // A viewer sees the list, a pending signal among it, and no way to cancel.
        let still = send(&url, open("wait-2", "BTC")).await["id"].as_i64().unwrap();
        sign_out(c).await;
        sign_in(c, &url, VIEWER).await;
        go(c, "/signals").await;
        wait_for(c, "the pending signal", &status_of(still), LONG, |v| v == "received").await;
        wait_for(c, "the done one", &status_of(first), LONG, |v| v == "done").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let buttons = c.execute("return document.querySelectorAll('button.cancel-signal').length;", vec![]).await.unwrap();
        assert_eq!(buttons, json!(0), "a viewer has no cancel button");
        let refused = c
            .execute_async(
                "const [id, done] = arguments; fetch(`/api/v1/signals/${id}/cancel`, {method: 'POST'}).then(r => done(r.status));",
                vec![json!(still)],
            )
            .await
            .unwrap();
        assert_eq!(refused, json!(403), "nor may a viewer's session cancel");
        assert_eq!(c.execute(&status_of(still), vec![]).await.unwrap(), "received");
    })
    .await;
}

/// Until the engine's status says opening is blocked by stale data.
async fn wait_stale(c: &Client) {
    let script = "return fetch('/api/v1/engine/status').then(r => r.json()).then(s => (s?.blocked ?? []).length);";
    wait_for(c, "stale data", script, LONG, |v| v.as_u64().is_some_and(|n| n > 0)).await;
}

//! `/api/v1/backtests` and `/ws/backtests`: a trader's run is queued, streams its progress and
//! stores its report; bad input is a 400 naming the field and stores nothing; with
//! `backtest.max_threads = 1` two runs never go at once (the second waits its turn).

use crate::helpers::{call, router_with, spawn_app, users, ws_request};
use app::auth::Role;
use axum::http::StatusCode;
use futures::StreamExt;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// Three days, hourly: quick.
fn short_run() -> Value {
    json!({"from": "2025-10-01", "to": "2025-10-04", "symbols": ["BTC", "ETH"], "resolution": "1h"})
}

/// The next JSON message of a stream (bounded, so that a silent stream fails the test).
async fn next_json<S>(ws: &mut S) -> Value
where
    S: futures::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let m = tokio::time::timeout(Duration::from_secs(120), ws.next()).await.expect("a message in time");
        if let Some(Ok(Message::Text(t))) = m {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_traders_run_streams_its_progress_and_stores_its_report() {
    let t = spawn_app(&[]).await;
    let state = &t.running.state;
    let tokens = users(state).await;
    let trader = router_with(state, tokens.token(Role::Trader));
    let viewer = router_with(state, tokens.token(Role::Viewer));
    let (mut ws, _) =
        tokio_tungstenite::connect_async(ws_request(&t.ws_url("/ws/backtests"), tokens.token(Role::Viewer)))
            .await
            .unwrap();
    let first = next_json(&mut ws).await;
    assert_eq!(first, json!({"type": "snapshot", "data": []}));

    // A week by the minute: long enough for progress to be reported on the way.
    let week = json!({"from": "2025-10-01", "to": "2025-10-08", "symbols": ["BTC", "ETH"], "resolution": "1m"});
    let (status, body) = call(&trader, "POST", "/api/v1/backtests", Some(week)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let id = body["id"].as_i64().unwrap();

    // Progress only goes up, and the run ends done.
    let mut seen = Vec::new();
    loop {
        let m = next_json(&mut ws).await;
        assert_eq!(m["type"], "update");
        assert_eq!(m["data"]["id"], id);
        let progress: f64 = m["data"]["progress"].as_str().unwrap().parse().unwrap();
        seen.push((m["data"]["status"].as_str().unwrap().to_owned(), progress));
        if m["data"]["status"] == "done" || m["data"]["status"] == "failed" {
            break;
        }
    }
    assert_eq!(seen.last().unwrap(), &("done".to_owned(), 1.0), "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0].1 <= w[1].1), "progress only grows: {seen:?}");
    assert!(seen.iter().any(|(s, p)| s == "running" && *p > 0.0 && *p < 1.0), "progress in between: {seen:?}");

    let (status, run) = call(&viewer, "GET", &format!("/api/v1/backtests/{id}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(run["status"], "done");
    assert_eq!(run["author"], "token:tests", "the caller, as the audit names it");
    let report = &run["report"];
    for field in ["net", "price_pnl", "funding", "fees", "max_drawdown_usd"] {
        assert!(report[field].is_string(), "{field} is a decimal string: {}", report[field]);
    }
    for field in ["apr_budget", "apr_occupied", "sharpe", "sortino", "calmar", "max_drawdown_pct", "positions"] {
        assert!(!report[field].is_null(), "{field}");
    }
    assert!(report["funding_by_venue"]["binance"].is_string() && report["funding_by_venue"]["lighter"].is_string());
    assert_eq!(report["from"], "2025-10-01");
    assert_eq!(report["per_symbol"].as_array().unwrap().len(), 2);
    assert_eq!(report["equity"].as_array().unwrap().len(), 8, "seven days: eight day boundaries");

    let (status, list) = call(&viewer, "GET", "/api/v1/backtests", None).await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], id);
    assert!(list[0].get("report").is_none(), "the list carries the headline figures only");
    assert_eq!(list[0]["net"], report["net"]);
    t.running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_a_400_naming_the_field_and_nothing_is_stored() {
    let t = spawn_app(&[]).await;
    let state = &t.running.state;
    let tokens = users(state).await;
    let trader = router_with(state, tokens.token(Role::Trader));
    let with = |patch: Value| {
        let mut req = short_run();
        for (k, v) in patch.as_object().unwrap() {
            req[k] = v.clone();
        }
        req
    };
    let many: Vec<Value> = (1..=9).map(|n| json!(n)).collect();
    let cases = [
        ("outside the data", with(json!({"from": "2020-01-01"})), "from", "before the data"),
        ("after the data", with(json!({"to": "2030-01-01"})), "to", "after the data"),
        ("not a day", with(json!({"from": "2025-13-01"})), "from", "YYYY-MM-DD"),
        ("unknown symbol", with(json!({"symbols": ["BTC", "NOPE"]})), "symbols", "unknown symbol NOPE"),
        ("a parameter that does not validate", with(json!({"set": {"leverage_binance": 0}})), "leverage_binance", ""),
        ("an unknown parameter", with(json!({"set": {"no_such_knob": 1}})), "set", "no_such_knob"),
        (
            "a sweep too large",
            with(json!({"sweep": {"slices": many.clone(), "entry_confirmations": many.clone()}})),
            "sweep",
            "64",
        ),
    ];
    for (what, body, field, says) in cases {
        let (status, answer) = call(&trader, "POST", "/api/v1/backtests", Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{what}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{what}: {message}");
    }
    let (_, list) = call(&trader, "GET", "/api/v1/backtests", None).await;
    assert_eq!(list, json!([]), "nothing stored");
    t.running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_one_thread_for_backtests_two_runs_take_turns() {
    let t = spawn_app(&[("ARB__BACKTEST__MAX_THREADS", "1")]).await;
    let state = &t.running.state;
    let tokens = users(state).await;
    let trader = router_with(state, tokens.token(Role::Trader));
    let (mut ws, _) =
        tokio_tungstenite::connect_async(ws_request(&t.ws_url("/ws/backtests"), tokens.token(Role::Trader)))
            .await
            .unwrap();
    assert_eq!(next_json(&mut ws).await["type"], "snapshot");
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (status, body) = call(&trader, "POST", "/api/v1/backtests", Some(short_run())).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        ids.push(body["id"].as_i64().unwrap());
    }
    let mut status: BTreeMap<i64, String> = BTreeMap::new();
    let mut order = Vec::new();
    while status.values().filter(|s| *s == "done").count() < 2 {
        let m = next_json(&mut ws).await;
        let (id, s) = (m["data"]["id"].as_i64().unwrap(), m["data"]["status"].as_str().unwrap().to_owned());
        assert_ne!(s, "failed", "{m}");
        if status.get(&id) != Some(&s) {
            order.push((id, s.clone()));
        }
        status.insert(id, s);
        let running = status.values().filter(|s| *s == "running").count();
        assert!(running <= 1, "two runs at once: {order:?}");
    }
    // The one that started second started only after the other was done.
    let first = order.iter().find(|(_, s)| s == "running").unwrap().0;
    let second = if first == ids[0] { ids[1] } else { ids[0] };
    let start_second = order.iter().position(|(id, s)| *id == second && s == "running").unwrap();
    let end_first = order.iter().position(|(id, s)| *id == first && s == "done").unwrap();
    assert!(end_first < start_second, "{order:?}");
    t.running.stop().await;
}

//! Signals through the real server on the simulated venues: a registered source signs, the
//! intake stores and answers, the engine opens and closes for the strategy, and the books,
//! P&L and History carry the strategy. Idempotency under concurrency, replayed and altered
//! signatures, malformed and over-the-limit signals, tokens, cancels and closes that outlast a
//! venue's refusals.

use crate::helpers::{call, router_with, spawn_app, users};
use app::auth::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};
use server::auth::signature::sign;
use std::time::{Duration, Instant};

pub const SOURCE: &str = "research";

/// Register `research` for `carry-1` and return its secret.
pub async fn register(admin: &axum::Router, extra: Value) -> String {
    let mut body = json!({"name": SOURCE, "strategies": ["carry-1"], "symbols": ["*"], "max_notional": "20000",
        "actions": ["open", "close"]});
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        body[k] = v;
    }
    let (status, created) = call(admin, "POST", "/api/v1/signal-sources", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["secret"].as_str().expect("the secret, once").to_owned()
}

/// A signed POST of `body` as the source would send it.
pub struct Signed {
    pub http: reqwest::Client,
    pub base: String,
    pub secret: String,
}

impl Signed {
    pub async fn send_at(&self, body: &str, timestamp_ms: i64) -> (u16, Value) {
        let ts = timestamp_ms.to_string();
        self.send_raw(body, &ts, &sign(&self.secret, &ts, body.as_bytes())).await
    }

    pub async fn send(&self, body: &str) -> (u16, Value) {
        self.send_at(body, now_ms()).await
    }

    pub async fn send_raw(&self, body: &str, ts: &str, signature: &str) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}/api/v1/signals", self.base))
            .header("content-type", "application/json")
            .header("x-source", SOURCE)
            .header("x-timestamp", ts)
            .header("x-signature", signature)
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

/// Poll a signal until `done` says so.
pub async fn wait_signal(router: &axum::Router, id: i64, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, r) = call(router, "GET", &format!("/api/v1/signals/{id}"), None).await;
        assert_eq!(status, StatusCode::OK, "{r}");
        if done(&r) {
            return r;
        }
        assert!(Instant::now() < deadline, "signal {id} stuck: {r}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn final_status(r: &Value) -> bool {
    !matches!(r["status"].as_str(), Some("received" | "executing"))
}

fn open(signal_id: &str, symbol: &str) -> String {
    json!({"signal_id": signal_id, "strategy": "carry-1", "action": "open", "symbol": symbol,
        "direction": "long_lighter_short_binance", "notional": "3000", "slices": 2})
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_open_and_close_run_for_their_strategy_and_the_books_carry_it() {
    let t = spawn_app(&[]).await;
    let state = &t.running.state;
    let tokens = users(state).await;
    let admin = router_with(state, tokens.token(Role::Admin));
    let secret = register(&admin, json!({})).await;
    let signed = Signed { http: reqwest::Client::new(), base: format!("http://{}", t.running.addr), secret };

    let (status, listed) = call(&admin, "GET", "/api/v1/signal-sources", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!listed.to_string().contains(&signed.secret), "the list never shows the secret: {listed}");
    assert_eq!(listed[0]["settings"]["strategies"], json!(["carry-1"]));

    let started = Instant::now();
    let (status, r) = signed.send(&open("o-1", "ETH")).await;
    let answered = started.elapsed();
    assert_eq!(status, 202, "{r}");
    assert!(answered < Duration::from_secs(1), "answered in {answered:?}");
    for field in ["id", "signal_id", "source", "strategy", "action", "status", "reason", "positions", "attempts"] {
        assert!(r.get(field).is_some(), "the record has `{field}`: {r}");
    }
    assert_eq!((r["source"].as_str(), r["strategy"].as_str()), (Some(SOURCE), Some("carry-1")));
    let id = r["id"].as_i64().unwrap();
    let done = wait_signal(&admin, id, final_status).await;
    assert_eq!(done["status"], "done", "{done}");
    let pid = done["positions"][0].as_i64().unwrap();
    let (_, p) = call(&admin, "GET", &format!("/api/v1/positions/{pid}"), None).await;
    assert_eq!((p["strategy"].as_str(), p["status"].as_str()), (Some("carry-1"), Some("open")), "{p}");

    let close = json!({"signal_id": "c-1", "strategy": "carry-1", "action": "close", "position_id": pid}).to_string();
    let (status, r) = signed.send(&close).await;
    assert_eq!(status, 202, "{r}");
    let done = wait_signal(&admin, r["id"].as_i64().unwrap(), final_status).await;
    assert_eq!((done["status"].as_str(), done["positions"].clone()), (Some("done"), json!([pid])), "{done}");

    // History, its CSV and the P&L carry the strategy and filter on it.
    let (_, rows) = call(&admin, "GET", "/api/v1/history/positions?strategy=carry-1", None).await;
    assert_eq!(rows["rows"][0]["id"].as_i64(), Some(pid), "{rows}");
    assert_eq!(rows["rows"][0]["strategy"], "carry-1");
    let (_, none) = call(&admin, "GET", "/api/v1/history/positions?strategy=manual", None).await;
    assert_eq!(none["total"], 0);
    let (_, fills) = call(&admin, "GET", "/api/v1/history/fills?strategy=carry-1", None).await;
    let fills = fills["rows"].as_array().unwrap().clone();
    assert!(!fills.is_empty() && fills.iter().all(|f| f["strategy"] == "carry-1"));
    let (_, orders) = call(&admin, "GET", "/api/v1/history/orders?strategy=carry-1&limit=500", None).await;
    assert!(orders["rows"].as_array().unwrap().iter().all(|o| o["strategy"] == "carry-1"));
    let (_, pnl) = call(&admin, "GET", "/api/v1/history/pnl?strategy=carry-1", None).await;
    assert_eq!(pnl["by_strategy"][0]["strategy"], "carry-1", "{pnl}");
    assert_eq!(pnl["by_strategy"][0]["net"], pnl["total"]["net"]);
    let (_, books) = call(&admin, "GET", "/api/v1/strategies", None).await;
    let book = books.as_array().unwrap().iter().find(|b| b["strategy"] == "carry-1").expect("carry-1's book").clone();
    assert_eq!((book["positions"].as_u64(), book["open_positions"].as_u64()), (Some(1), Some(0)), "{book}");
    assert_eq!(book["net"], rows["rows"][0]["net"]);
    t.running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_signal_ten_times_at_once_opens_one_position() {
    let t = spawn_app(&[]).await;
    let state = &t.running.state;
    let admin = router_with(state, users(state).await.token(Role::Admin));
    let secret = register(&admin, json!({})).await;
    let signed = std::sync::Arc::new(Signed {
        http: reqwest::Client::new(),
        base: format!("http://{}", t.running.addr),
        secret,
    });
    let body = open("same-1", "SOL");
    let sends: Vec<_> = (0..10)
        .map(|_| {
            let (signed, body) = (signed.clone(), body.clone());
            tokio::spawn(async move { signed.send(&body).await })
        })
        .collect();
    let mut ids = Vec::new();
    for s in sends {
        let (status, r) = s.await.unwrap();
        assert_eq!(status, 202, "{r}");
        ids.push(r["id"].as_i64().unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one record: {ids:?}");
    let done = wait_signal(&admin, ids[0], final_status).await;
    assert_eq!((done["status"].as_str(), done["attempts"].as_u64()), (Some("done"), Some(1)), "{done}");
    let (_, positions) = call(&admin, "GET", "/api/v1/positions", None).await;
    let on_sol: Vec<&Value> = positions.as_array().unwrap().iter().filter(|p| p["symbol"] == "SOL").collect();
    assert_eq!(on_sol.len(), 1, "one position: {positions}");
    // Sent again later: the same record, never acted on again.
    let (status, again) = signed.send(&body).await;
    assert_eq!((status, again["id"].as_i64()), (202, Some(ids[0])));
    let (_, listed) = call(&admin, "GET", "/api/v1/signals?source=research", None).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    t.running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replayed_altered_malformed_and_unauthorised_signals_are_refused_and_logged() {
    let t = spawn_app(&[]).await;
    let state = &t.running.state;
    let tokens = users(state).await;
    let admin = router_with(state, tokens.token(Role::Admin));
    let secret = register(&admin, json!({"symbols": ["ETH", "SOL"], "max_notional": "5000"})).await;
    let signed = Signed { http: reqwest::Client::new(), base: format!("http://{}", t.running.addr), secret };
    let body = open("r-1", "ETH");

    // A signature made 31 s ago (the window is 30 s), replayed now.
    let (status, r) = signed.send_at(&body, now_ms() - 31_000).await;
    assert_eq!(status, 401, "{r}");
    assert!(r["error"]["message"].as_str().unwrap().contains("within 30 s"), "{r}");
    // Signed, then the body changed.
    let ts = now_ms().to_string();
    let sig = sign(&signed.secret, &ts, body.as_bytes());
    let altered = body.replace("3000", "4000");
    let (status, r) = signed.send_raw(&altered, &ts, &sig).await;
    assert_eq!(
        (status, r["error"]["message"].as_str()),
        (401, Some("X-Signature does not match the timestamp and body"))
    );
    // The right signature works once the body is what was signed.
    assert_eq!(signed.send_raw(&body, &ts, &sig).await.0, 202);

    // Malformed: the field is named.
    let (status, r) = signed.send(r#"{"signal_id":"m-1","strategy":"carry-1","action":"open","symbol":"ETH"}"#).await;
    assert_eq!((status, r["error"]["field"].as_str()), (400, Some("direction")), "{r}");
    let (status, r) = signed.send(r#"{"signal_id":"m-2","strategy":"carry-1","action":"hold"}"#).await;
    assert_eq!((status, r["error"]["field"].as_str()), (400, Some("action")), "{r}");
    // Over the source's limits: the reason is named.
    let (status, r) = signed.send(&open("l-1", "BTC")).await;
    assert_eq!(status, 403, "{r}");
    assert_eq!(r["error"]["message"], "symbol: source research may not trade BTC");
    let big = open("l-2", "SOL").replace("3000", "6000");
    let (status, r) = signed.send(&big).await;
    assert_eq!(status, 403);
    assert!(r["error"]["message"].as_str().unwrap().starts_with("notional: 6000 USD is above"), "{r}");
    let other = open("l-3", "SOL").replace("carry-1", "carry-2");
    assert_eq!(signed.send(&other).await.0, 403);

    // Tokens: a viewer's is refused, a trader's accepted; no credentials at all is a 401.
    let post = |token: Option<&str>, body: String| {
        let mut r =
            signed.http.post(format!("{}/api/v1/signals", signed.base)).header("content-type", "application/json");
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        async move {
            let res = r.body(body).send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    assert_eq!(post(Some(tokens.token(Role::Viewer)), open("t-1", "SOL")).await.0, 403);
    assert_eq!(post(None, open("t-1", "SOL")).await.0, 401);
    let (status, r) = post(Some(tokens.token(Role::Trader)), open("t-1", "SOL")).await;
    assert_eq!((status, r["source"].as_str()), (202, Some("token:tests")), "{r}");

    // The source's rejections are kept and listed with it.
    let (_, sources) = call(&admin, "GET", "/api/v1/signal-sources", None).await;
    let rejections = sources[0]["activity"]["recent_rejections"].as_array().unwrap().clone();
    let reasons: Vec<&str> = rejections.iter().map(|r| r["reason"].as_str().unwrap()).collect();
    assert!(reasons.iter().any(|r| r.contains("within 30 s")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("does not match")), "{reasons:?}");
    assert!(rejections.iter().any(|r| r["field"] == "direction" && r["signal_id"] == "m-1"), "{rejections:?}");
    assert!(reasons.iter().any(|r| r.contains("may not trade BTC")));
    t.running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_signal_is_cancelled_by_a_trader_not_a_viewer_and_a_close_outlasts_refusals() {
    let t = spawn_app(&[("ARB__COLLECTOR__STALE_AFTER_SECS", "1")]).await;
    let state = &t.running.state;
    let tokens = users(state).await;
    let admin = router_with(state, tokens.token(Role::Admin));
    let secret = register(&admin, json!({})).await;
    let signed = Signed { http: reqwest::Client::new(), base: format!("http://{}", t.running.addr), secret };

    // Opened, then the venues refuse every order for a while: the close keeps trying.
    let (_, r) = signed.send(&open("o-1", "ETH")).await;
    let done = wait_signal(&admin, r["id"].as_i64().unwrap(), final_status).await;
    assert_eq!(done["status"], "done", "{done}");
    for sim in &t.running.sims {
        sim.refuse_orders(true);
    }
    let close = json!({"signal_id": "c-1", "strategy": "carry-1", "action": "close", "symbol": "ETH"}).to_string();
    let (_, r) = signed.send(&close).await;
    let close_id = r["id"].as_i64().unwrap();
    let retrying = wait_signal(&admin, close_id, |r| r["attempts"].as_u64() >= Some(2)).await;
    assert_eq!(retrying["status"], "executing", "{retrying}");
    assert!(retrying["reason"].as_str().unwrap_or_default().contains("retrying"), "{retrying}");
    for sim in &t.running.sims {
        sim.refuse_orders(false);
    }
    let done = wait_signal(&admin, close_id, final_status).await;
    assert_eq!(done["status"], "done", "{done}");

    // Market data stalls: an open waits, and a person cancels it.
    for sim in &t.running.sims {
        sim.stall_market_data(true);
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while state.engine.read(|v| v.status.as_ref().is_none_or(|s| s.blocked.is_empty())) {
        assert!(Instant::now() < deadline, "the data never went stale");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, r) = signed.send(&open("o-2", "SOL")).await;
    let id = r["id"].as_i64().unwrap();
    let waiting = wait_signal(&admin, id, |r| r["reason"].as_str().is_some_and(|m| m.starts_with("cannot open"))).await;
    assert_eq!(waiting["status"], "received");
    let viewer = router_with(state, tokens.token(Role::Viewer));
    let (status, _) = call(&viewer, "POST", &format!("/api/v1/signals/{id}/cancel"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let trader = router_with(state, tokens.token(Role::Trader));
    let (status, r) = call(&trader, "POST", &format!("/api/v1/signals/{id}/cancel"), None).await;
    assert_eq!((status, r["status"].as_str()), (StatusCode::OK, Some("cancelled")), "{r}");
    assert_eq!(r["reason"], "cancelled by token:tests");
    let (status, r) = call(&trader, "POST", &format!("/api/v1/signals/{id}/cancel"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{r}");
    let (_, audit) = call(&admin, "GET", "/api/v1/audit?action=signal.", None).await;
    assert!(
        audit.as_array().unwrap().iter().any(|e| e["action"] == "signal.cancel" && e["outcome"] == "ok"),
        "{audit}"
    );
    t.running.stop().await;
}

//! `GET /metrics` as an admin shows every family the operations guide names (docs/metrics.md),
//! once the platform has traded, streamed and run a job; with `metrics.port` set it is also
//! served without authentication on that port.

use crate::helpers::{call, router_with, spawn_app, users, ws_request};
use app::auth::Role;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::json;
use std::time::{Duration, Instant};
use tower::ServiceExt;

const FAMILIES: [&str; 18] = [
    "arb_http_requests_total",
    "arb_http_request_duration_seconds",
    "arb_ws_clients",
    "arb_engine_events_total",
    "arb_engine_decision_seconds",
    "arb_orders",
    "arb_fills_total",
    "arb_funding_captured_usd",
    "arb_open_exposure_usd",
    "arb_venue_rest_latency_seconds",
    "arb_venue_data_age_seconds",
    "arb_venue_stale",
    "arb_job_runs_total",
    "arb_job_duration_seconds",
    "arb_job_last_success_timestamp_seconds",
    "arb_notification_deliveries_total",
    "arb_backup_age_seconds",
    "arb_refetched_total",
];

async fn scrape(r: &axum::Router) -> (StatusCode, String) {
    let res = r.clone().oneshot(Request::get("/metrics").body(Body::empty()).unwrap()).await.unwrap();
    let status = res.status();
    (status, String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap())
}

fn missing(text: &str) -> Vec<&'static str> {
    FAMILIES.iter().copied().filter(|f| !text.contains(&format!("# TYPE {f} "))).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_scrape_shows_every_family() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let port_text = port.to_string();
    let t = spawn_app(&[("ARB__SIM__SPEED", "1200"), ("ARB__SIM__TICK_MS", "50"), ("ARB__METRICS__PORT", &port_text)])
        .await;
    let state = &t.running.state;
    let tokens = users(state).await;
    let admin = router_with(state, tokens.token(Role::Admin));
    assert_eq!(scrape(&router_with(state, tokens.token(Role::Trader))).await.0, StatusCode::FORBIDDEN);
    assert_eq!(scrape(&server::api::app(state.clone(), None)).await.0, StatusCode::UNAUTHORIZED);

    // Hold the position whatever the market does, so that it collects funding.
    let (_, cfg) = call(&admin, "GET", "/api/v1/config", None).await;
    let mut p = cfg["params"].clone();
    for (k, v) in [("exit_below_apr", json!("-1")), ("stop_loss", json!("1")), ("take_profit", json!("10"))] {
        p[k] = v;
    }
    p["slippage_cap_bps"] = json!(200);
    assert_eq!(call(&admin, "PUT", "/api/v1/config", Some(p)).await.0, StatusCode::OK);

    // Stream, trade, and run a job (a backup, for its age).
    let (_ws, _) = tokio_tungstenite::connect_async(ws_request(&t.ws_url("/ws/positions"), tokens.token(Role::Viewer)))
        .await
        .unwrap();
    let open = json!({"symbol": "ETH", "direction": "long_lighter_short_binance", "notional": "2000"});
    let deadline = Instant::now() + Duration::from_secs(30);
    while call(&admin, "POST", "/api/v1/orders/open", Some(open.clone())).await.0 != StatusCode::OK {
        assert!(Instant::now() < deadline, "the open was refused");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(call(&admin, "POST", "/api/v1/jobs/backup/run", None).await.0, StatusCode::OK);
    assert_eq!(call(&admin, "POST", "/api/v1/jobs/refetch/run", None).await.0, StatusCode::OK);

    // Funding settles every few seconds at this speed; the families fill in as things happen.
    let deadline = Instant::now() + Duration::from_secs(60);
    let text = loop {
        let (status, text) = scrape(&admin).await;
        assert_eq!(status, StatusCode::OK);
        let funded = text.lines().any(|l| l.starts_with("arb_funding_captured_usd{") && !l.ends_with(" 0"));
        if missing(&text).is_empty() && funded && text.contains("arb_ws_clients{stream=\"positions\"} 1") {
            break text;
        }
        assert!(Instant::now() < deadline, "missing {:?} in\n{text}", missing(&text));
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert!(text.contains("arb_job_runs_total{job=\"backup\",status=\"success\"}"), "{text}");
    assert!(
        text.contains("arb_http_requests_total{method=\"POST\",route=\"/api/v1/jobs/{name}/run\",status=\"200\"}"),
        "{text}"
    );
    let age = text.lines().find(|l| l.starts_with("arb_backup_age_seconds ")).unwrap();
    let age: f64 = age.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!((0.0..60.0).contains(&age), "a fresh backup: {age}");

    // The separate port: no credentials needed.
    let plain = reqwest::get(format!("http://127.0.0.1:{port}/metrics")).await.unwrap();
    assert_eq!(plain.status(), 200);
    assert!(missing(&plain.text().await.unwrap()).is_empty());
    t.running.stop().await;
}

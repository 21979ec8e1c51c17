//! Starting a test server: simulated venues on a compressed clock, SQLite in a temp dir.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use server::settings::Settings;
use server::startup::{self, Running};
use std::collections::HashMap;
use tempfile::TempDir;
use tower::ServiceExt;

pub struct TestApp {
    pub running: Running,
    _dir: TempDir,
}

impl TestApp {
    pub fn ws_url(&self, path: &str) -> String {
        format!("ws://{}{path}", self.running.addr)
    }
}

pub fn settings(overrides: &[(&str, &str)], dir: &TempDir) -> Settings {
    let db = format!("sqlite://{}/arb.db?mode=rwc", dir.path().display());
    let mut vars: HashMap<String, String> = HashMap::from([
        ("ARB__DATABASE__URL".into(), db),
        ("ARB__ENGINE__EVENT_LOG_DIR".into(), format!("{}/events", dir.path().display())),
        ("ARB__SIM__SPEED".into(), "60".into()),
        ("ARB__SIM__TICK_MS".into(), "100".into()),
        ("ARB__SIM__STATE_DIR".into(), format!("{}/sim", dir.path().display())),
    ]);
    vars.extend(overrides.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let env = config::Environment::with_prefix("ARB").prefix_separator("__").separator("__").source(Some(vars));
    Settings::load_with_env(None, env).expect("test settings")
}

pub async fn spawn_app(overrides: &[(&str, &str)]) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let running = start_in(&dir, overrides).await;
    TestApp { running, _dir: dir }
}

/// Start on `dir`'s database and event-log directory; starting twice on one `dir` is a restart.
pub async fn start_in(dir: &TempDir, overrides: &[(&str, &str)]) -> Running {
    let settings = settings(overrides, dir);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let running = startup::start(settings, listener).await.expect("start");
    // The collector discovers markets and backfills history right after start.
    tokio::time::timeout(std::time::Duration::from_secs(30), running.state.collector.wait_ready())
        .await
        .expect("collector ready in time");
    running
}

/// One request through the router (`oneshot`); the body as JSON (`Null` when it is not JSON).
pub async fn call(router: &axum::Router, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    let body = match body {
        Some(b) => {
            req = req.header("content-type", "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    let res = router.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

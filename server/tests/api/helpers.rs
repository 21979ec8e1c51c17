//! Starting a test server: simulated venues on a compressed clock, SQLite in a temp dir.

use app::auth::Role;
use axum::body::Body;
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderValue, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use server::api::app;
use server::settings::Settings;
use server::startup::{self, Running};
use server::state::AppState;
use std::collections::{BTreeSet, HashMap};
use tempfile::TempDir;
use tower::ServiceExt;
use tower_http::set_header::SetRequestHeaderLayer;

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
        ("ARB__DATA_DIR".into(), dir.path().display().to_string()),
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

/// A user of each role with a bearer token: `users(state).await.token(Role::Trader)`.
pub struct TestUsers {
    pub tokens: Vec<(Role, String)>,
}

impl TestUsers {
    pub fn token(&self, role: Role) -> &str {
        &self.tokens.iter().find(|(r, _)| *r == role).expect("role").1
    }
}

pub const PASSWORD: &str = "test-password-123";

/// Create `viewer`, `trader` and `admin2` (plus the bootstrap `admin`) with tokens.
pub async fn users(state: &AppState) -> TestUsers {
    let now = state.clock.wall_ms();
    let mut tokens = Vec::new();
    for (name, role) in [("viewer", Role::Viewer), ("trader", Role::Trader), ("admin2", Role::Admin)] {
        if server::db::users::find(&state.db, name).await.unwrap().is_none() {
            server::auth::create_user(&state.db, name, PASSWORD, role, now).await.expect("create user");
        }
        let (token, _) = server::auth::issue_token(&state.db, "tests", role, name, now, None).await.unwrap();
        tokens.push((role, token));
    }
    TestUsers { tokens }
}

/// The router with every request carrying `token`.
pub fn router_with(state: &AppState, token: &str) -> axum::Router {
    let value = HeaderValue::from_str(&format!("Bearer {token}")).unwrap();
    app(state.clone(), None).layer(SetRequestHeaderLayer::overriding(AUTHORIZATION, value))
}

/// The router as an admin: what the tests that predate authentication use.
pub async fn admin_app(state: &AppState) -> axum::Router {
    let users = users(state).await;
    router_with(state, users.token(Role::Admin))
}

/// An HTTP client that sends an admin token with every request.
pub async fn admin_client(state: &AppState) -> reqwest::Client {
    let users = users(state).await;
    let mut headers = reqwest::header::HeaderMap::new();
    let value = format!("Bearer {}", users.token(Role::Admin));
    headers.insert(reqwest::header::AUTHORIZATION, value.parse().unwrap());
    reqwest::Client::builder().default_headers(headers).build().unwrap()
}

/// A WebSocket handshake request to `url` carrying `token`.
pub fn ws_request(url: &str, token: &str) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert(AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {token}")).unwrap());
    req
}

/// Every `.route("…", get(…).post(…))` in `server/src/api`, as (METHOD, path).
pub fn routes_in_source() -> BTreeSet<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    let mut found = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for (at, _) in text.match_indices(".route(") {
            let rest = &text[at + ".route(".len()..];
            let path = rest.split('"').nth(1).unwrap_or_default().to_owned();
            // The route's arguments run to the parenthesis that closes `.route(`.
            let mut depth = 1;
            let end = rest
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map_or(rest.len(), |(i, _)| i);
            let args = &rest[..end];
            for method in ["get", "post", "put", "delete", "patch"] {
                let needle = format!("{method}(");
                let calls = args.match_indices(&needle).filter(|(i, _)| {
                    *i == 0 || !args.as_bytes()[i - 1].is_ascii_alphanumeric() && args.as_bytes()[i - 1] != b'_'
                });
                if calls.count() > 0 {
                    found.insert((method.to_uppercase(), path.clone()));
                }
            }
        }
    }
    found
}

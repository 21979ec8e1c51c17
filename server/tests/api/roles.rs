//! The role matrix: every REST route and every WebSocket stream, called as anonymous, viewer,
//! trader and admin, must answer what the policy promises — 401 without credentials, 403
//! below the route's role, and neither at or above it. A route added to `server/src/api`
//! without a row here fails `every_route_is_in_the_matrix`.
//!
//! Mutating calls with enough rights are sent with harmless bodies (invalid or aimed at
//! nothing) so that they pass the gate and then stop at validation.

use crate::helpers::{call, router_with, routes_in_source, spawn_app, users, ws_request};
use app::auth::Role;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use server::api::app;
use std::collections::BTreeSet;
use tower::ServiceExt;

/// One REST route: method, the path as routed, a concrete path to call, a body, and the
/// least role that may call it (`None`: public).
pub struct Row {
    pub method: &'static str,
    pub route: &'static str,
    path: &'static str,
    body: Option<Value>,
    pub needs: Option<Role>,
}

fn row(method: &'static str, route: &'static str, path: &'static str, needs: Option<Role>) -> Row {
    Row { method, route, path, body: None, needs }
}

fn with(method: &'static str, route: &'static str, needs: Option<Role>, body: Value) -> Row {
    Row { method, route, path: route, body: Some(body), needs }
}

const V: Option<Role> = Some(Role::Viewer);
const T: Option<Role> = Some(Role::Trader);
const A: Option<Role> = Some(Role::Admin);

pub fn matrix() -> Vec<Row> {
    vec![
        row("GET", "/health", "/health", None),
        row("GET", "/openapi.json", "/openapi.json", None),
        row("GET", "/docs", "/docs", None),
        row("GET", "/docs.css", "/docs.css", None),
        with("POST", "/auth/login", None, json!({"username": "nobody", "password": ""})),
        row("GET", "/auth/me", "/auth/me", V),
        // Logout is last in the run (it would end nothing for a token, but keep it tidy).
        row("GET", "/status", "/status", V),
        row("GET", "/funding-rates", "/funding-rates", V),
        row("GET", "/funding-rates/{symbol}/history", "/funding-rates/BTC/history", V),
        row("GET", "/equity", "/equity", V),
        row("GET", "/balances", "/balances", V),
        row("GET", "/quotes/{symbol}", "/quotes/NOPE999999", V),
        row("GET", "/symbols", "/symbols", V),
        row("GET", "/symbols/rules", "/symbols/rules", V),
        with("PUT", "/symbols", A, json!({"include": ["bad pattern!"]})),
        with("POST", "/symbols", A, json!({"ignore": ["bad pattern!"]})),
        row("GET", "/opportunities", "/opportunities", V),
        row("GET", "/positions", "/positions", V),
        row("GET", "/positions/{id}", "/positions/999999", V),
        with("POST", "/positions/close-all", T, json!({"venue": "nowhere"})),
        row("GET", "/orders", "/orders", V),
        row("GET", "/orders/{id}", "/orders/nope", V),
        with(
            "POST",
            "/orders/open",
            T,
            json!({"symbol": "BTC", "direction": "long_lighter_short_binance", "notional": "-1"}),
        ),
        with("POST", "/orders/close", T, json!({"position_id": 999999, "percent": "0"})),
        row("GET", "/history", "/history", V),
        row("GET", "/history/positions", "/history/positions", V),
        row("GET", "/history/orders", "/history/orders", V),
        row("GET", "/history/fills", "/history/fills", V),
        row("GET", "/history/funding", "/history/funding", V),
        row("GET", "/history/pnl", "/history/pnl", V),
        row("GET", "/pnl", "/pnl", V),
        row("GET", "/config", "/config", V),
        with("PUT", "/config", A, json!({"entry_min_apr": "x"})),
        row("GET", "/config/history", "/config/history", V),
        row("GET", "/engine/status", "/engine/status", V),
        with("POST", "/engine/pause", T, json!(null)),
        with("POST", "/engine/resume", T, json!(null)),
        row("GET", "/reconciliation", "/reconciliation", V),
        with("POST", "/reconciliation", T, json!(null)),
        row("GET", "/backtests", "/backtests", V),
        row("GET", "/backtests/{id}", "/backtests/999999", V),
        with("POST", "/backtests", T, json!({"from": "not-a-day", "to": "2026-01-01"})),
        row("GET", "/audit", "/audit", A),
        row("GET", "/users", "/users", A),
        with("POST", "/users", A, json!({"username": "X", "password": "short", "role": "viewer"})),
        with("PUT", "/users/{username}", A, json!({"password": "short"})),
        row("GET", "/tokens", "/tokens", A),
        with("POST", "/tokens", A, json!({"name": "", "role": "viewer"})),
        row("DELETE", "/tokens/{id}", "/tokens/999999", A),
        row("GET", "/jobs", "/jobs", V),
        row("GET", "/jobs/{name}/runs", "/jobs/prune/runs", V),
        // An unknown job: past the gate, then a 404.
        row("POST", "/jobs/{name}/run", "/jobs/nope999999/run", A),
        row("GET", "/metrics", "/metrics", A),
        // The intake authenticates in its handler (public at the gate), with the same answers.
        with("POST", "/signals", T, json!({"signal_id": ""})),
        row("GET", "/signals", "/signals", V),
        row("GET", "/signals/{id}", "/signals/999999", V),
        with_path("POST", "/signals/{id}/cancel", "/signals/999999/cancel", T, json!(null)),
        row("GET", "/signal-sources", "/signal-sources", V),
        with("POST", "/signal-sources", A, json!({"name": "Bad Name"})),
        with_path("PUT", "/signal-sources/{name}", "/signal-sources/nope", A, json!({"strategies": []})),
        row("DELETE", "/signal-sources/{name}", "/signal-sources/nope", A),
        row("GET", "/strategies", "/strategies", V),
        with_path("PUT", "/strategies/{name}", "/strategies/nope", A, json!({"max_notional": "-1"})),
        row("GET", "/notifications/deliveries", "/notifications/deliveries", A),
        row("GET", "/notifications/channels", "/notifications/channels", A),
        Row {
            method: "PUT",
            route: "/notifications/channels/{name}/rules",
            path: "/notifications/channels/nowhere/rules",
            body: Some(json!({"min_level": "bogus"})),
            needs: A,
        },
        with("POST", "/notifications/test", A, json!({"channel": "nowhere"})),
        with("POST", "/auth/logout", V, json!(null)),
    ]
}

fn with_path(method: &'static str, route: &'static str, path: &'static str, needs: Option<Role>, body: Value) -> Row {
    Row { method, route, path, body: Some(body), needs }
}

const STREAMS: [&str; 6] =
    ["/ws/funding-rates", "/ws/positions", "/ws/orders", "/ws/notifications", "/ws/signals", "/ws/backtests"];

fn concrete(r: &Row) -> String {
    let path = if r.route == "/users/{username}" { "/users/nobody-here" } else { r.path };
    // The one route outside the API's prefix: the Prometheus exposition.
    if path == "/metrics" { path.to_owned() } else { format!("/api/v1{path}") }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_and_stream_answers_each_role_as_the_policy_says() {
    let t = spawn_app(&[]).await;
    let state = &t.running.state;
    let tokens = users(state).await;
    let anonymous = app(state.clone(), None);
    let mut failures = Vec::new();
    let mut checked = 0;
    for who in [None, Some(Role::Viewer), Some(Role::Trader), Some(Role::Admin)] {
        let router = match who {
            None => anonymous.clone(),
            Some(role) => router_with(state, tokens.token(role)),
        };
        for r in matrix() {
            let (status, body) = call(&router, r.method, &concrete(&r), r.body.clone()).await;
            let allowed = match (r.needs, who) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(needed), Some(role)) => role.allows(needed),
            };
            let ok = match (allowed, who) {
                (true, _) => status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                (false, None) => status == StatusCode::UNAUTHORIZED && body["error"]["code"] == "unauthorized",
                (false, Some(_)) => status == StatusCode::FORBIDDEN && body["error"]["code"] == "forbidden",
            };
            // Reads that are allowed must work, not merely pass the gate.
            let read_ok = !(allowed && r.method == "GET" && r.needs.is_some())
                || status == StatusCode::OK
                || (status == StatusCode::NOT_FOUND && r.path.contains("999999") || r.path.contains("nope"));
            if !ok || !read_ok {
                failures.push(format!("{:?} {} {} → {status} {body}", who, r.method, concrete(&r)));
            }
            checked += 1;
        }
        for path in STREAMS {
            let url = t.ws_url(path);
            let result = match who {
                None => tokio_tungstenite::connect_async(url.as_str()).await.map(|(ws, _)| ws),
                Some(role) => {
                    tokio_tungstenite::connect_async(ws_request(&url, tokens.token(role))).await.map(|(ws, _)| ws)
                }
            };
            match (who, result) {
                (None, Err(tokio_tungstenite::tungstenite::Error::Http(res))) if res.status() == 401 => {}
                (Some(_), Ok(mut ws)) => {
                    use futures::StreamExt;
                    let first = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next()).await;
                    let text = match first {
                        Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Text(t)))) => t.to_string(),
                        other => format!("{other:?}"),
                    };
                    if !text.contains("snapshot") {
                        failures.push(format!("{who:?} {path}: first message {text}"));
                    }
                }
                (who, other) => failures.push(format!("{who:?} {path}: {:?}", other.map(|_| "connected"))),
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{} of {checked} checks failed:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(checked, 4 * (matrix().len() + STREAMS.len()));
    t.running.stop().await;
}

#[test]
fn every_route_is_in_the_matrix() {
    let source = routes_in_source();
    assert!(source.len() > 30, "the parser finds the routes: {source:?}");
    let mut listed: BTreeSet<(String, String)> =
        matrix().iter().map(|r| (r.method.to_owned(), r.route.to_owned())).collect();
    listed.extend(STREAMS.iter().map(|s| ("GET".to_owned(), s.to_string())));
    let missing: Vec<_> = source.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&source).collect();
    assert!(missing.is_empty(), "routes without a row in the role matrix: {missing:?}");
    assert!(stale.is_empty(), "matrix rows for routes that do not exist: {stale:?}");
}

/// A login through the real cookie path: the cookie's attributes, CSRF and origin checks, a
/// role change taking effect at once, logout, throttling, and the audit trail of it all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_csrf_origin_throttling_and_the_audit_trail() {
    let t = spawn_app(&[("ARB__AUTH__MAX_FAILURES", "3")]).await;
    let state = &t.running.state;
    let tokens = users(state).await;
    let router = app(state.clone(), None);

    let send = |method: &str, path: &str, headers: Vec<(&str, String)>, body: Option<Value>| {
        let mut req = Request::builder().method(method).uri(format!("/api/v1{path}")).header("host", "arb.local");
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let body = match body {
            Some(b) => {
                req = req.header("content-type", "application/json");
                Body::from(b.to_string())
            }
            None => Body::empty(),
        };
        let router = router.clone();
        let req = req.body(body).unwrap();
        async move {
            let res = router.oneshot(req).await.unwrap();
            let (parts, body) = res.into_parts();
            let bytes = body.collect().await.unwrap().to_bytes();
            (parts.status, parts.headers, serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null))
        }
    };

    // Log in as the trader: an HttpOnly, SameSite=Strict cookie and a CSRF token.
    let creds = json!({"username": "trader", "password": crate::helpers::PASSWORD});
    let (status, headers, me) = send("POST", "/auth/login", vec![], Some(creds.clone())).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["role"], "trader");
    let set_cookie = headers["set-cookie"].to_str().unwrap().to_owned();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attr), "{set_cookie}");
    }
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let csrf = me["csrf_token"].as_str().unwrap().to_owned();
    let (status, _, me2) = send("GET", "/auth/me", vec![("cookie", cookie.clone())], None).await;
    assert_eq!((status, me2["username"].as_str()), (StatusCode::OK, Some("trader")));

    // Mutations need the CSRF token, and no foreign origin.
    let (status, _, body) = send("POST", "/engine/pause", vec![("cookie", cookie.clone())], None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.to_string().contains("CSRF"), "{body}");
    let with_csrf = vec![("cookie", cookie.clone()), ("x-csrf-token", csrf.clone())];
    let mut foreign = with_csrf.clone();
    foreign.push(("origin", "https://evil.example".into()));
    let (status, _, _) = send("POST", "/engine/pause", foreign, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut own = with_csrf.clone();
    own.push(("origin", "http://arb.local".into()));
    let (status, _, body) = send("POST", "/engine/pause", own, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, _) = send("POST", "/engine/resume", with_csrf.clone(), None).await;
    assert_eq!(status, StatusCode::OK);
    // A trader cannot change parameters, even with a valid session and token.
    let params = call(&router_with(state, tokens.token(Role::Admin)), "GET", "/api/v1/config", None).await.1;
    let (status, _, _) = send("PUT", "/config", with_csrf.clone(), Some(params["params"].clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // An admin demotes the trader: the same session is a viewer on its next request.
    let admin = router_with(state, tokens.token(Role::Admin));
    let (status, _) = call(&admin, "PUT", "/api/v1/users/trader", Some(json!({"role": "viewer"}))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = send("POST", "/engine/pause", with_csrf.clone(), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A token never outranks its owner as the owner now is.
    let trader_token = router_with(state, tokens.token(Role::Trader));
    assert_eq!(call(&trader_token, "POST", "/api/v1/engine/pause", None).await.0, StatusCode::FORBIDDEN);

    // Logout ends the session for good.
    let (status, headers, _) = send("POST", "/auth/logout", with_csrf.clone(), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    let (status, _, _) = send("GET", "/auth/me", vec![("cookie", cookie.clone())], None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Three wrong passwords, then even the right one waits.
    let wrong = json!({"username": "viewer", "password": "not-the-password"});
    for _ in 0..3 {
        let (status, _, body) = send("POST", "/auth/login", vec![], Some(wrong.clone())).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"]["message"], "wrong username or password");
    }
    let right = json!({"username": "viewer", "password": crate::helpers::PASSWORD});
    let (status, headers, _) = send("POST", "/auth/login", vec![], Some(right)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    // An unknown user reads exactly like a wrong password.
    let (status, _, body) =
        send("POST", "/auth/login", vec![], Some(json!({"username": "ghost", "password": "whatever-it-is"}))).await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("wrong username or password"))
    );

    // The audit trail has all of it, newest first, and never a password.
    let (status, log) = call(&admin, "GET", "/api/v1/audit?limit=100", None).await;
    assert_eq!(status, StatusCode::OK);
    let entries = log.as_array().unwrap();
    let find = |action: &str, actor: &str, outcome: &str| {
        entries.iter().any(|e| e["action"] == action && e["actor"] == actor && e["outcome"] == outcome)
    };
    assert!(find("auth.login", "trader", "ok"), "{log}");
    assert!(find("engine.pause", "trader", "ok"));
    assert!(find("engine.resume", "trader", "ok"));
    assert!(find("user.update", "token:tests", "ok"));
    assert!(find("auth.logout", "trader", "ok"));
    assert!(find("auth.login", "anonymous", "refused"));
    let demotion = entries.iter().find(|e| e["action"] == "user.update").unwrap();
    assert_eq!(
        (demotion["before"]["role"].as_str(), demotion["after"]["role"].as_str()),
        (Some("trader"), Some("viewer"))
    );
    assert!(!log.to_string().contains(crate::helpers::PASSWORD), "no password in the audit log");
    let ids: Vec<i64> = entries.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first");
    let (_, logins) = call(&admin, "GET", "/api/v1/audit?action=auth.", None).await;
    assert!(logins.as_array().unwrap().iter().all(|e| e["action"].as_str().unwrap().starts_with("auth.")));
    t.running.stop().await;
}

/// Users: field-named errors, the last admin protected, a new password ending sessions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_management_names_fields_and_keeps_an_admin() {
    let t = spawn_app(&[]).await;
    let state = &t.running.state;
    let tokens = users(state).await;
    let admin = router_with(state, tokens.token(Role::Admin));

    let (status, body) =
        call(&admin, "POST", "/api/v1/users", Some(json!({"username": "Bad Name", "password": "x", "role": "viewer"})))
            .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["field"], "username");
    let (status, body) = call(
        &admin,
        "POST",
        "/api/v1/users",
        Some(json!({"username": "carol", "password": "carols-long-password", "role": "trader"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = call(
        &admin,
        "POST",
        "/api/v1/users",
        Some(json!({"username": "carol", "password": "carols-long-password", "role": "trader"})),
    )
    .await;
    assert_eq!((status, body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("username")));

    // Demote every admin but one; the last cannot be demoted or disabled.
    for name in ["admin2"] {
        assert_eq!(call(&admin, "PUT", &format!("/api/v1/users/{name}"), Some(json!({"role": "trader"}))).await.0, 200);
    }
    let admin_token =
        router_with(state, &server::auth::issue_token(&state.db, "a", Role::Admin, "admin", 0, None).await.unwrap().0);
    let (status, body) = call(&admin_token, "PUT", "/api/v1/users/admin", Some(json!({"disabled": true}))).await;
    assert_eq!((status, body["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("disabled")), "{body}");

    // A token whose owner is disabled stops working.
    let (status, _) = call(&admin_token, "PUT", "/api/v1/users/carol", Some(json!({"disabled": true}))).await;
    assert_eq!(status, StatusCode::OK);
    let (carol, _) = server::auth::issue_token(&state.db, "c", Role::Trader, "carol", 0, None).await.unwrap();
    assert_eq!(call(&router_with(state, &carol), "GET", "/api/v1/positions", None).await.0, StatusCode::UNAUTHORIZED);
    let (_, list) = call(&admin_token, "GET", "/api/v1/users", None).await;
    assert!(!list.to_string().contains("argon2"), "hashes never leave the server: {list}");
    t.running.stop().await;
}

/// An open stream closes when its credentials end: a logout for a session, a revocation for
/// a token — it does not keep streaming to someone who could not connect again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_close_on_logout_and_token_revocation() {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let t = spawn_app(&[]).await;
    let state = &t.running.state;
    users(state).await;
    let router = app(state.clone(), None);
    let creds = json!({"username": "viewer", "password": crate::helpers::PASSWORD});
    let req = Request::post("/api/v1/auth/login")
        .header("content-type", "application/json")
        .body(Body::from(creds.to_string()))
        .unwrap();
    let res = router.clone().oneshot(req).await.unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let me: Value = serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();

    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = t.ws_url("/ws/positions").into_client_request().unwrap();
    req.headers_mut().insert("cookie", cookie.parse().unwrap());
    let (mut by_session, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let (token, view) = server::auth::issue_token(&state.db, "script", Role::Viewer, "viewer", 0, None).await.unwrap();
    let (mut by_token, _) =
        tokio_tungstenite::connect_async(ws_request(&t.ws_url("/ws/funding-rates"), &token)).await.unwrap();

    async fn closed_with_policy<S>(ws: &mut S) -> bool
    where
        S: futures::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
    {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        while let Ok(Some(msg)) = tokio::time::timeout_at(deadline, ws.next()).await {
            if let Ok(Message::Close(Some(frame))) = msg {
                return u16::from(frame.code) == 1008;
            }
        }
        false
    }

    let logout = Request::post("/api/v1/auth/logout")
        .header("cookie", &cookie)
        .header("x-csrf-token", me["csrf_token"].as_str().unwrap())
        .body(Body::empty())
        .unwrap();
    assert_eq!(router.clone().oneshot(logout).await.unwrap().status(), StatusCode::OK);
    assert!(closed_with_policy(&mut by_session).await, "the session's stream closes on logout");

    let admin = router_with(state, users(state).await.token(Role::Admin));
    let (status, _) = call(&admin, "DELETE", &format!("/api/v1/tokens/{}", view.id), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(closed_with_policy(&mut by_token).await, "the token's stream closes on revocation");
    t.running.stop().await;
}

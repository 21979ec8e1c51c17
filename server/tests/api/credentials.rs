//! The credential cache never outlives a change: a session or token that has just been
//! answered from memory is refused on the very next request after a logout, a revocation,
//! a password reset, a role change, disabling its user, or its expiry. Each case first shows
//! the credential is cached, so the refusal is the invalidation's doing, not a cache miss.
//! The headers every response carries are checked here too.

use crate::helpers::{PASSWORD, call, router_with, spawn_app, users};
use app::auth::Role;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use server::api::app;
use server::auth::cache::Key;
use server::auth::secret::digest;
use server::state::AppState;
use std::time::Duration;
use tower::ServiceExt;

fn now() -> i64 {
    server::clock::Clock::system().wall_ms()
}

fn cached(state: &AppState, key: &Key) -> bool {
    state.auth.credentials.get(key, now()).is_some()
}

/// A browser session of `user`: its cookie, CSRF token and cache key.
async fn log_in(router: &axum::Router, user: &str) -> (String, String, Key) {
    let creds = json!({"username": user, "password": PASSWORD});
    let req = Request::post("/api/v1/auth/login")
        .header("content-type", "application/json")
        .body(Body::from(creds.to_string()))
        .unwrap();
    let res = router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let me: Value = serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
    let id = cookie.trim_start_matches("arb_session=");
    let key = Key::Session(digest(id));
    (cookie.clone(), me["csrf_token"].as_str().unwrap().to_owned(), key)
}

async fn with_cookie(router: &axum::Router, method: &str, path: &str, cookie: &str, csrf: &str) -> StatusCode {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("cookie", cookie)
        .header("x-csrf-token", csrf)
        .body(Body::empty())
        .unwrap();
    router.clone().oneshot(req).await.unwrap().status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_credential_is_refused_on_the_next_request_after_each_change() {
    let t = spawn_app(&[]).await;
    let state = &t.running.state;
    let tokens = users(state).await;
    let admin = router_with(state, tokens.token(Role::Admin));
    let router = app(state.clone(), None);

    // Logout.
    let (cookie, csrf, key) = log_in(&router, "viewer").await;
    assert_eq!(with_cookie(&router, "GET", "/api/v1/auth/me", &cookie, "").await, StatusCode::OK);
    assert!(cached(state, &key), "a resolved session is kept");
    assert_eq!(with_cookie(&router, "POST", "/api/v1/auth/logout", &cookie, &csrf).await, StatusCode::OK);
    assert_eq!(with_cookie(&router, "GET", "/api/v1/auth/me", &cookie, "").await, StatusCode::UNAUTHORIZED);

    // Token revocation.
    let (token, view) =
        server::auth::issue_token(&state.db, "script", Role::Viewer, "viewer", now(), None).await.unwrap();
    let script = router_with(state, &token);
    assert_eq!(call(&script, "GET", "/api/v1/positions", None).await.0, StatusCode::OK);
    assert!(cached(state, &Key::Token(digest(&token))));
    assert_eq!(call(&admin, "DELETE", &format!("/api/v1/tokens/{}", view.id), None).await.0, StatusCode::OK);
    assert_eq!(call(&script, "GET", "/api/v1/positions", None).await.0, StatusCode::UNAUTHORIZED);

    // Password reset: the user's sessions end.
    let (cookie, _, key) = log_in(&router, "trader").await;
    assert_eq!(with_cookie(&router, "GET", "/api/v1/positions", &cookie, "").await, StatusCode::OK);
    assert!(cached(state, &key));
    let reset = json!({"password": "a-brand-new-password"});
    assert_eq!(call(&admin, "PUT", "/api/v1/users/trader", Some(reset)).await.0, StatusCode::OK);
    assert_eq!(with_cookie(&router, "GET", "/api/v1/positions", &cookie, "").await, StatusCode::UNAUTHORIZED);

    // Role change: admin2's token reads the users, then admin2 is a viewer.
    let demoted = router_with(state, tokens.token(Role::Admin));
    let admin_token = server::auth::issue_token(&state.db, "ops", Role::Admin, "admin", now(), None).await.unwrap().0;
    let admin = router_with(state, &admin_token);
    assert_eq!(call(&demoted, "GET", "/api/v1/users", None).await.0, StatusCode::OK);
    assert!(cached(state, &Key::Token(digest(tokens.token(Role::Admin)))));
    assert_eq!(call(&admin, "PUT", "/api/v1/users/admin2", Some(json!({"role": "viewer"}))).await.0, StatusCode::OK);
    assert_eq!(call(&demoted, "GET", "/api/v1/users", None).await.0, StatusCode::FORBIDDEN);

    // Disabling a user: their token stops at once.
    let viewer = router_with(state, tokens.token(Role::Viewer));
    assert_eq!(call(&viewer, "GET", "/api/v1/positions", None).await.0, StatusCode::OK);
    assert!(cached(state, &Key::Token(digest(tokens.token(Role::Viewer)))));
    assert_eq!(call(&admin, "PUT", "/api/v1/users/viewer", Some(json!({"disabled": true}))).await.0, StatusCode::OK);
    assert_eq!(call(&viewer, "GET", "/api/v1/positions", None).await.0, StatusCode::UNAUTHORIZED);

    // Expiry: a session and a token that end 400 ms from now, refused once that passes
    // although the cache still holds them (an entry is trusted for a second).
    let ends = now() + 400;
    let id = "a-session-that-ends-soon";
    server::db::users::insert_session(&state.db, &digest(id), "admin", "csrf", now(), ends).await.unwrap();
    let cookie = format!("arb_session={id}");
    let (token, _) =
        server::auth::issue_token(&state.db, "short", Role::Viewer, "admin", now(), Some(ends)).await.unwrap();
    let short = router_with(state, &token);
    assert_eq!(with_cookie(&router, "GET", "/api/v1/positions", &cookie, "").await, StatusCode::OK);
    assert_eq!(call(&short, "GET", "/api/v1/positions", None).await.0, StatusCode::OK);
    let wait = (ends + 50 - now()).max(0) as u64;
    tokio::time::sleep(Duration::from_millis(wait)).await;
    let (session_key, token_key) = (Key::Session(digest(id)), Key::Token(digest(&token)));
    let raw = |key: &Key| state.auth.credentials.get(key, ends - 1).is_some();
    assert!(raw(&session_key) && raw(&token_key), "still in the cache, only expired");
    assert_eq!(with_cookie(&router, "GET", "/api/v1/positions", &cookie, "").await, StatusCode::UNAUTHORIZED);
    assert_eq!(call(&short, "GET", "/api/v1/positions", None).await.0, StatusCode::UNAUTHORIZED);
    t.running.stop().await;
}

/// Every response carries the security headers: the SPA's files, the API's answers and its
/// refusals.
#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let t = spawn_app(&[]).await;
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "<!doctype html><title>x</title>").unwrap();
    let router = app(t.running.state.clone(), Some(dist.path().to_path_buf()));
    for (path, status) in [
        ("/", StatusCode::OK),
        ("/trading", StatusCode::OK),
        ("/api/v1/health", StatusCode::OK),
        ("/api/v1/positions", StatusCode::UNAUTHORIZED),
        ("/api/v1/nothing-here", StatusCode::UNAUTHORIZED),
    ] {
        let res = router.clone().oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.status(), status, "{path}");
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        for directive in ["default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "frame-ancestors 'none'"] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"), "{path}: {csp}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
    }
    t.running.stop().await;
}

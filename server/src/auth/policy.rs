//! Which role each route needs, decided in one place by method and path, so that no handler
//! can forget: the SPA's files, the health check, the login and the API's own description are
//! public; reading needs `viewer` (but the audit log, users, tokens and `/metrics` need
//! `admin`); the trading actions need `trader`; everything else that changes state needs
//! `admin` — the default for any route added later.
//!
//! One route is let through the gate unauthenticated and authenticated by its handler:
//! `POST /api/v1/signals` (`Access::Handler`), so that a script or a TradingView-style sender
//! can sign a request instead of holding a session. It is safe because the handler accepts
//! exactly two credentials and nothing else before acting: a bearer token of the trader role
//! (checked as the gate checks it), or a source's HMAC signature over the timestamp and the
//! exact body within the replay window. A session cookie counts for nothing there, so a
//! browser on another site cannot make a signed-in user send a signal (no CSRF surface), and
//! an unauthenticated request is answered 401 before its body is read as a signal.

use app::auth::Role;
use axum::http::Method;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    Needs(Role),
    /// Let through the gate; the handler authenticates (see the module's note).
    Handler,
}

/// API paths (after `/api/v1`) only admins may read.
const ADMIN_READS: [&str; 4] = ["/audit", "/users", "/tokens", "/notifications"];

/// API routes (after `/api/v1`) a trader may call with a mutating method.
const TRADER_ACTIONS: [(Method, &str); 7] = [
    (Method::POST, "/orders/open"),
    (Method::POST, "/orders/close"),
    (Method::POST, "/positions/close-all"),
    (Method::POST, "/engine/pause"),
    (Method::POST, "/engine/resume"),
    (Method::POST, "/reconciliation"),
    (Method::POST, "/backtests"),
];

pub fn required(method: &Method, path: &str) -> Access {
    if path.starts_with("/ws/") || path == "/ws" {
        return Access::Needs(Role::Viewer);
    }
    if path.trim_end_matches('/') == "/metrics" {
        return Access::Needs(Role::Admin);
    }
    let Some(api) = path.strip_prefix("/api/v1") else {
        // The SPA and its assets: the login page must load before anyone is logged in.
        return if path.starts_with("/api/") { Access::Needs(Role::Viewer) } else { Access::Public };
    };
    let api = api.trim_end_matches('/');
    let reading = matches!(*method, Method::GET | Method::HEAD);
    let signal_cancel = api
        .strip_prefix("/signals/")
        .and_then(|rest| rest.strip_suffix("/cancel"))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'));
    match (reading, api) {
        (true, "/health" | "/openapi.json" | "/docs" | "/docs.css") | (false, "/auth/login") => Access::Public,
        (false, "/signals") if *method == Method::POST => Access::Handler,
        (false, _) if *method == Method::POST && signal_cancel => Access::Needs(Role::Trader),
        (false, "/auth/logout") => Access::Needs(Role::Viewer),
        (true, _)
            if ADMIN_READS.iter().any(|p| api.strip_prefix(p).is_some_and(|r| r.is_empty() || r.starts_with('/'))) =>
        {
            Access::Needs(Role::Admin)
        }
        (true, _) => Access::Needs(Role::Viewer),
        (false, _) if TRADER_ACTIONS.iter().any(|(m, p)| m == method && *p == api) => Access::Needs(Role::Trader),
        (false, _) => Access::Needs(Role::Admin),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table() {
        let cases = [
            (Method::GET, "/", Access::Public),
            (Method::GET, "/trading", Access::Public),
            (Method::GET, "/pkg/frontend_bg.wasm", Access::Public),
            (Method::GET, "/api/v1/health", Access::Public),
            (Method::POST, "/api/v1/auth/login", Access::Public),
            (Method::GET, "/api/v1/auth/me", Access::Needs(Role::Viewer)),
            (Method::POST, "/api/v1/auth/logout", Access::Needs(Role::Viewer)),
            (Method::GET, "/api/v1/positions", Access::Needs(Role::Viewer)),
            (Method::GET, "/api/v1/audit", Access::Needs(Role::Admin)),
            (Method::GET, "/api/v1/users/alice", Access::Needs(Role::Admin)),
            (Method::GET, "/api/v1/usersx", Access::Needs(Role::Viewer)),
            (Method::GET, "/api/v1/notifications/deliveries", Access::Needs(Role::Admin)),
            (Method::POST, "/api/v1/notifications/test", Access::Needs(Role::Admin)),
            (Method::POST, "/api/v1/orders/open", Access::Needs(Role::Trader)),
            (Method::POST, "/api/v1/orders/open/", Access::Needs(Role::Trader)),
            (Method::PUT, "/api/v1/orders/open", Access::Needs(Role::Admin)),
            (Method::POST, "/api/v1/engine/pause", Access::Needs(Role::Trader)),
            (Method::POST, "/api/v1/backtests", Access::Needs(Role::Trader)),
            (Method::GET, "/api/v1/backtests/3", Access::Needs(Role::Viewer)),
            (Method::PUT, "/api/v1/config", Access::Needs(Role::Admin)),
            (Method::POST, "/api/v1/symbols", Access::Needs(Role::Admin)),
            (Method::DELETE, "/api/v1/anything-new", Access::Needs(Role::Admin)),
            (Method::GET, "/api/v2/x", Access::Needs(Role::Viewer)),
            (Method::GET, "/ws/positions", Access::Needs(Role::Viewer)),
            (Method::GET, "/ws/funding-rates", Access::Needs(Role::Viewer)),
            (Method::GET, "/metrics", Access::Needs(Role::Admin)),
            (Method::GET, "/api/v1/jobs", Access::Needs(Role::Viewer)),
            (Method::GET, "/api/v1/jobs/backup/runs", Access::Needs(Role::Viewer)),
            (Method::POST, "/api/v1/jobs/backup/run", Access::Needs(Role::Admin)),
            (Method::POST, "/api/v1/signals", Access::Handler),
            (Method::PUT, "/api/v1/signals", Access::Needs(Role::Admin)),
            (Method::GET, "/api/v1/signals", Access::Needs(Role::Viewer)),
            (Method::POST, "/api/v1/signals/12/cancel", Access::Needs(Role::Trader)),
            (Method::POST, "/api/v1/signals/12/x/cancel", Access::Needs(Role::Admin)),
            (Method::POST, "/api/v1/signal-sources", Access::Needs(Role::Admin)),
            (Method::GET, "/api/v1/signal-sources", Access::Needs(Role::Viewer)),
            (Method::GET, "/api/v1/openapi.json", Access::Public),
            (Method::GET, "/api/v1/docs", Access::Public),
            (Method::PUT, "/api/v1/strategies/carry-1", Access::Needs(Role::Admin)),
        ];
        for (method, path, want) in cases {
            assert_eq!(required(&method, path), want, "{method} {path}");
        }
    }
}

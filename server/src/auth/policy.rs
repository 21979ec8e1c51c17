//! Which role each route needs, decided in one place by method and path, so that no handler
//! can forget: the SPA's files and two API routes are public; reading needs `viewer`; the
//! trading actions need `trader`; everything else that changes state needs `admin` — the
//! default for any route added later.

use app::auth::Role;
use axum::http::Method;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    Needs(Role),
}

/// API paths (after `/api/v1`) only admins may read.
const ADMIN_READS: [&str; 3] = ["/audit", "/users", "/tokens"];

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
    let Some(api) = path.strip_prefix("/api/v1") else {
        // The SPA and its assets: the login page must load before anyone is logged in.
        return if path.starts_with("/api/") { Access::Needs(Role::Viewer) } else { Access::Public };
    };
    let api = api.trim_end_matches('/');
    let reading = matches!(*method, Method::GET | Method::HEAD);
    match (reading, api) {
        (true, "/health") | (false, "/auth/login") => Access::Public,
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
        ];
        for (method, path, want) in cases {
            assert_eq!(required(&method, path), want, "{method} {path}");
        }
    }
}

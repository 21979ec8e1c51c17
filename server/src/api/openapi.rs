//! The API describes itself: an OpenAPI 3.1 document of every REST route, generated from the
//! handlers' own annotations and types (`utoipa`), at `GET /api/v1/openapi.json`, readable
//! without login. Who may call each operation is not written by hand: it is asked of the gate's
//! own policy (`auth::policy::required`) for each method and path, and becomes the operation's
//! `x-role`, its security requirements and its 401/403 answers. So neither the shapes nor the
//! roles can drift from what the server does; `tests/api/openapi.rs` checks that every route is
//! in the document.

use super::{
    audit, auth, backtests, balances, config, equity, funding, history, jobs, legacy, notifications, quotes, reference,
    signal_sources, signals, strategies, symbols, system, tokens, trading, users,
};
use crate::auth::policy::{self, Access};
use axum::http::Method;
use serde_json::{Map, Value, json};
use std::sync::OnceLock;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Funding-rate arbitrage platform",
        description = "REST API under `/api/v1`. Authenticate with `Authorization: Bearer <API token>` (an admin \
            creates tokens with `POST /api/v1/tokens`) or a browser session (cookie plus `X-CSRF-Token` on changes). \
            Signal sources may instead sign `POST /api/v1/signals`: `X-Source`, `X-Timestamp` (unix ms) and \
            `X-Signature = hex(HMAC-SHA256(secret, \"<X-Timestamp>\\n<exact body bytes>\"))`. Each operation's \
            `x-role` is the least role that may call it (viewer < trader < admin). Errors are \
            `{\"error\": {\"code\", \"message\", \"field\", \"fields\"}}`; `field` names a bad input. Money travels \
            as decimal strings, times as unix milliseconds. Live streams (WebSocket, viewer): `/ws/funding-rates`, \
            `/ws/positions`, `/ws/orders`, `/ws/notifications`, `/ws/signals`, `/ws/backtests`: a snapshot, then updates. \
            Prometheus metrics (text format, admin) are at `/metrics`, outside this REST API."
    ),
    paths(
        system::health, system::status,
        auth::login, auth::logout, auth::me,
        users::list, users::create, users::update,
        tokens::list, tokens::create, tokens::revoke,
        audit::list,
        funding::board, funding::history, quotes::quotes,
        symbols::list, symbols::rules, symbols::replace, symbols::add,
        balances::balances, equity::equity,
        config::get_config, config::put_config, config::history,
        trading::opportunities, trading::positions, trading::position, trading::close_all,
        trading::orders, trading::order, trading::open, trading::close,
        trading::status, trading::pause, trading::resume, trading::reconciliations, trading::reconcile_now,
        history::positions, history::orders, history::fills, history::funding, history::pnl,
        legacy::history, legacy::pnl,
        strategies::list, strategies::set_cap,
        signals::receive, signals::list, signals::one, signals::cancel,
        signal_sources::list, signal_sources::create, signal_sources::update, signal_sources::remove,
        jobs::list, jobs::runs, jobs::run_now,
        backtests::start, backtests::list, backtests::one,
        notifications::deliveries, notifications::channels, notifications::set_rules, notifications::test,
        document, page, reference::stylesheet,
    ),
    // Types only query parameters name (the derive registers those of bodies itself).
    components(schemas(app::history::Format, app::api::FundingKind, legacy::Grouping)),
    tags(
        (name = "system", description = "Liveness, status and this description"),
        (name = "auth", description = "Sign-in, users and API tokens"),
        (name = "audit", description = "Who did what, when"),
        (name = "market", description = "Funding rates and quotes"),
        (name = "account", description = "Balances and equity"),
        (name = "config", description = "Strategy parameters and symbol rules"),
        (name = "trading", description = "Positions, orders, the engine and reconciliation"),
        (name = "history", description = "Closed positions, orders, fills, funding and P&L, filtered and exported"),
        (name = "strategies", description = "Each strategy's book and cap"),
        (name = "signals", description = "Signals from outside programs, and their sources"),
        (name = "backtests", description = "Backtests over recorded funding history"),
        (name = "jobs", description = "Scheduled jobs, their log, and running one now"),
        (name = "notifications", description = "Alert channels, their rules, the outbox and test messages"),
    )
)]
struct ApiDoc;

/// This document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "openapi",
    tag = "system",
    responses((status = 200, description = "The OpenAPI 3.1 document of every REST route", body = Object))
)]
pub async fn document() -> axum::Json<&'static Value> {
    axum::Json(openapi())
}

/// The API reference, as an HTML page drawn from this document.
#[utoipa::path(
    get,
    path = "/api/v1/docs",
    operation_id = "docs",
    tag = "system",
    responses((status = 200, description = "The API reference page (HTML)", body = String, content_type = "text/html"))
)]
pub async fn page() -> impl axum::response::IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")], reference::render(openapi()))
}

/// The document, built once.
pub fn openapi() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(build)
}

fn build() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|_| json!({}));
    // `TimestampMs` is an alias of `i64`, which the derive cannot see through.
    inline_integers(&mut doc);
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else { continue };
            for (method, op) in item.iter_mut() {
                let Ok(m) = method.to_uppercase().parse::<Method>() else { continue };
                if let Some(op) = op.as_object_mut() {
                    describe_access(op, policy::required(&m, &concrete(path)), &m);
                }
            }
        }
    }
    let components = doc.as_object_mut().map(|d| d.entry("components").or_insert_with(|| json!({})));
    if let Some(c) = components.and_then(Value::as_object_mut) {
        c.insert("securitySchemes".into(), security_schemes());
    }
    doc
}

/// Replace references to the alias `i64` (timestamps) with the integer schema they mean.
fn inline_integers(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map.get("$ref").and_then(Value::as_str) == Some("#/components/schemas/i64") {
                map.remove("$ref");
                map.insert("type".into(), json!("integer"));
                map.insert("format".into(), json!("int64"));
                map.insert("description".into(), json!("Unix time in milliseconds (UTC)"));
            }
            map.values_mut().for_each(inline_integers);
        }
        Value::Array(items) => items.iter_mut().for_each(inline_integers),
        _ => {}
    }
}

/// A path as a request would carry it: each `{param}` filled, for the policy to judge.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|seg| if seg.starts_with('{') && seg.ends_with('}') { "x" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

fn error(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}})
}

/// The role, the credentials and the refusals the gate applies to one operation.
fn describe_access(op: &mut Map<String, Value>, access: Access, method: &Method) {
    let (role, security, line) = match access {
        Access::Public => ("public", json!([]), "Open to anyone: no credentials needed.".to_owned()),
        Access::Handler => (
            "trader",
            json!([{"bearerToken": []}, {"signalSource": [], "signalTimestamp": [], "signalSignature": []}]),
            "A trader's bearer token, or a registered source's signature (X-Source, X-Timestamp, X-Signature); \
             checked by the handler itself, never a session cookie."
                .to_owned(),
        ),
        Access::Needs(role) => {
            let changes = !matches!(*method, Method::GET | Method::HEAD);
            let mut session = json!({"sessionCookie": []});
            if changes {
                session = json!({"sessionCookie": [], "csrfToken": []});
            }
            (role.as_str(), json!([{"bearerToken": []}, session]), format!("Needs the {} role.", role.as_str()))
        }
    };
    op.insert("x-role".into(), json!(role));
    op.insert("security".into(), security);
    let description = op.get("description").and_then(Value::as_str).unwrap_or_default().to_owned();
    let description = if description.is_empty() { line } else { format!("{description}\n\n{line}") };
    op.insert("description".into(), json!(description));
    let responses = op.entry("responses").or_insert_with(|| json!({}));
    let Some(responses) = responses.as_object_mut() else { return };
    if access != Access::Public {
        responses.entry("401").or_insert_with(|| error("No valid credentials: sign in, or send a token"));
        responses.entry("403").or_insert_with(|| error("The caller's role is below the operation's (x-role)"));
    }
    responses.entry("500").or_insert_with(|| error("Internal error (logged; nothing is leaked)"));
}

fn security_schemes() -> Value {
    let header = |name: &str, description: &str| json!({"type": "apiKey", "in": "header", "name": name, "description": description});
    json!({
        "bearerToken": {"type": "http", "scheme": "bearer", "description": "An API token (`arb_…`) of a role"},
        "sessionCookie": {"type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE,
            "description": "A browser session from POST /api/v1/auth/login"},
        "csrfToken": header("X-CSRF-Token", "The session's CSRF token, on every change made with a session"),
        "signalSource": header("X-Source", "A registered signal source's name"),
        "signalTimestamp": header("X-Timestamp", "Unix ms; within the window (30 s by default) of the server's clock"),
        "signalSignature": header("X-Signature", "hex(HMAC-SHA256(secret, \"<X-Timestamp>\\n<exact body bytes>\"))"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_come_from_the_policy() {
        let doc = openapi();
        let op = |path: &str, method: &str| doc["paths"][path][method].clone();
        assert_eq!(op("/api/v1/health", "get")["x-role"], "public");
        assert_eq!(op("/api/v1/openapi.json", "get")["x-role"], "public");
        assert_eq!(op("/api/v1/positions", "get")["x-role"], "viewer");
        assert_eq!(op("/api/v1/orders/open", "post")["x-role"], "trader");
        assert_eq!(op("/api/v1/signals/{id}/cancel", "post")["x-role"], "trader");
        assert_eq!(op("/api/v1/signal-sources", "post")["x-role"], "admin");
        assert_eq!(op("/api/v1/signals", "post")["security"][1]["signalSignature"], json!([]));
        assert!(op("/api/v1/audit", "get")["responses"]["403"].is_object());
        assert!(op("/api/v1/health", "get")["responses"].get("401").is_none());
        assert_eq!(doc["openapi"].as_str().map(|v| v.starts_with("3.1")), Some(true));
    }

    fn refs(v: &Value, out: &mut std::collections::BTreeSet<String>) {
        match v {
            Value::Object(map) => {
                if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                    out.insert(r.trim_start_matches("#/components/schemas/").to_owned());
                }
                map.values().for_each(|x| refs(x, out));
            }
            Value::Array(items) => items.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }

    #[test]
    fn every_schema_referred_to_is_defined() {
        let doc = openapi();
        let mut used = std::collections::BTreeSet::new();
        refs(doc, &mut used);
        let defined = doc["components"]["schemas"].as_object().unwrap();
        let dangling: Vec<&String> = used.iter().filter(|r| !defined.contains_key(*r)).collect();
        assert!(dangling.is_empty(), "referred to but not defined: {dangling:?}");
    }
}

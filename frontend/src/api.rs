//! The one REST module: typed helpers for `/api/v1`, same origin, returning `app` types.
//!
//! Errors keep the server's `ErrorBody` when there is one, so pages can show its message
//! (and each field's message beside its field). Every POST, PUT and DELETE carries the
//! session's CSRF token in `X-CSRF-Token`; the browser sends the session cookie itself.
//! A 401 from any request but the login itself means the session is over: the handler set
//! with [`on_unauthorized`] (the session's) is told, and the SPA returns to its login page.

use app::Symbol;
use app::api::{ErrorBody, FundingBoard, FundingHistory, HistoryQuery, Status};
use app::auth::{LoginRequest, Me};
use app::equity::{EquityDay, EquityQuery};
use app::order::Balance;
use app::params::StrategyParams;
use app::sizing::LegQuote;
use app::trading::{CloseAllRequest, ClosePositionRequest, CommandAck, EngineStatus, OpenPositionRequest, Opportunity};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

pub const BASE: &str = "/api/v1";

thread_local! {
    /// The CSRF token of the current session, set on login and by `GET /auth/me`.
    static CSRF: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Told when a request is answered 401: the session expired or was ended elsewhere.
    static ON_UNAUTHORIZED: RefCell<Option<Rc<dyn Fn()>>> = const { RefCell::new(None) };
}

/// Who to tell when the server answers 401 to a request made in a session.
pub fn on_unauthorized(handler: impl Fn() + 'static) {
    ON_UNAUTHORIZED.with(|h| *h.borrow_mut() = Some(Rc::new(handler)));
}

/// Remember the session's CSRF token (none after logout).
pub fn set_csrf_token(token: Option<String>) {
    CSRF.with(|c| *c.borrow_mut() = token);
}

#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The request did not complete (server down, offline): worth retrying.
    Network(String),
    /// The server answered with an error status.
    Http { status: u16, body: Option<ErrorBody> },
    /// The body was not the expected JSON: client and server disagree on the contract.
    Decode(String),
}

impl ApiError {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The server's message for `field`, when it named that field.
    pub fn field_message(&self, field: &str) -> Option<String> {
        let ApiError::Http { body: Some(b), .. } = self else { return None };
        b.error
            .fields
            .iter()
            .find(|f| f.field == field)
            .map(|f| f.message.clone())
            .or_else(|| (b.error.field.as_deref() == Some(field)).then(|| b.error.message.clone()))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Network(m) => write!(f, "network error: {m}"),
            ApiError::Http { status, body: Some(b) } => write!(f, "{} ({status})", b.error.message),
            ApiError::Http { status, body: None } => write!(f, "server answered {status}"),
            ApiError::Decode(m) => write!(f, "unexpected response: {m}"),
        }
    }
}

pub async fn funding_board() -> Result<FundingBoard, ApiError> {
    get(&format!("{BASE}/funding-rates")).await
}

/// Funding history of one symbol; the server defaults to both venues over the last 7 days.
pub async fn funding_history(symbol: &Symbol, query: &HistoryQuery) -> Result<FundingHistory, ApiError> {
    let mut params = Vec::new();
    if let Some(v) = query.venue {
        params.push(format!("venue={v}"));
    }
    if let Some(from) = query.from {
        params.push(format!("from={from}"));
    }
    if let Some(to) = query.to {
        params.push(format!("to={to}"));
    }
    // A `Symbol` is upper-case letters and digits only, so it needs no escaping.
    let mut url = format!("{BASE}/funding-rates/{symbol}/history");
    if !params.is_empty() {
        url = format!("{url}?{}", params.join("&"));
    }
    get(&url).await
}

pub async fn status() -> Result<Status, ApiError> {
    get(&format!("{BASE}/status")).await
}

/// A direction as the API (and a query string) names it.
pub fn direction_param(d: app::SpreadDirection) -> &'static str {
    match d {
        app::SpreadDirection::LongLighterShortBinance => "long_lighter_short_binance",
        app::SpreadDirection::LongBinanceShortLighter => "long_binance_short_lighter",
    }
}

/// Why a login did not succeed.
#[derive(Debug, Clone, PartialEq)]
pub enum LoginError {
    /// 401: unknown user or wrong password (the server does not say which).
    WrongCredentials,
    /// 429: too many attempts; the server's `Retry-After`, in seconds, when it sent one.
    Throttled(Option<u32>),
    Other(ApiError),
}

/// `GET /auth/me`: the session's user, or 401 when there is no session.
pub async fn me() -> Result<Me, ApiError> {
    let (status, text, _) = fetch_raw("GET", &format!("{BASE}/auth/me"), None).await?;
    decode(status, &text)
}

pub async fn login(username: &str, password: &str) -> Result<Me, LoginError> {
    let body = LoginRequest { username: username.to_owned(), password: password.to_owned() };
    let json = serde_json::to_string(&body).map_err(|e| LoginError::Other(ApiError::Decode(e.to_string())))?;
    let (status, text, retry_after) =
        fetch_raw("POST", &format!("{BASE}/auth/login"), Some(json)).await.map_err(LoginError::Other)?;
    match status {
        401 => Err(LoginError::WrongCredentials),
        429 => Err(LoginError::Throttled(retry_after)),
        _ => decode(status, &text).map_err(LoginError::Other),
    }
}

/// End the session on the server; the caller forgets it whatever the answer.
pub async fn logout() -> Result<(), ApiError> {
    let (status, text, _) = fetch_raw("POST", &format!("{BASE}/auth/logout"), Some("{}".into())).await?;
    decode::<serde_json::Value>(status, &text).map(|_| ())
}

pub async fn opportunities() -> Result<Vec<Opportunity>, ApiError> {
    get(&format!("{BASE}/opportunities")).await
}

/// Daily equity snapshots of the days overlapping the query's window.
pub async fn equity(q: &EquityQuery) -> Result<Vec<EquityDay>, ApiError> {
    let mut params = Vec::new();
    if let Some(from) = q.from {
        params.push(format!("from={from}"));
    }
    if let Some(to) = q.to {
        params.push(format!("to={to}"));
    }
    get(&format!("{BASE}/equity?{}", params.join("&"))).await
}

pub async fn balances() -> Result<Vec<Balance>, ApiError> {
    get(&format!("{BASE}/balances")).await
}

/// Both legs' quotes for `symbol` (Binance first), as the engine would size an open now.
pub async fn quotes(symbol: &Symbol) -> Result<Vec<LegQuote>, ApiError> {
    get(&format!("{BASE}/quotes/{symbol}")).await
}

/// `GET /config`: the strategy parameters in effect.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Config {
    pub version: i64,
    pub params: StrategyParams,
}

pub async fn config() -> Result<Config, ApiError> {
    get(&format!("{BASE}/config")).await
}

/// `None` until the engine has published its first status.
pub async fn engine_status() -> Result<Option<EngineStatus>, ApiError> {
    get(&format!("{BASE}/engine/status")).await
}

pub async fn pause() -> Result<CommandAck, ApiError> {
    post(&format!("{BASE}/engine/pause"), &serde_json::json!({})).await
}

pub async fn resume() -> Result<CommandAck, ApiError> {
    post(&format!("{BASE}/engine/resume"), &serde_json::json!({})).await
}

pub async fn open_position(req: &OpenPositionRequest) -> Result<CommandAck, ApiError> {
    post(&format!("{BASE}/orders/open"), req).await
}

pub async fn close_position(req: &ClosePositionRequest) -> Result<CommandAck, ApiError> {
    post(&format!("{BASE}/orders/close"), req).await
}

pub async fn close_all(req: &CloseAllRequest) -> Result<CommandAck, ApiError> {
    post(&format!("{BASE}/positions/close-all"), req).await
}

pub async fn signal_sources() -> Result<Vec<app::signal::SourceView>, ApiError> {
    get(&format!("{BASE}/signal-sources")).await
}

pub async fn create_source(req: &app::signal::SourceRequest) -> Result<app::signal::SourceCreated, ApiError> {
    post(&format!("{BASE}/signal-sources"), req).await
}

pub async fn update_source(
    name: &str,
    req: &app::signal::SourceUpdate,
) -> Result<app::signal::SourceCreated, ApiError> {
    put(&format!("{BASE}/signal-sources/{name}"), req).await
}

pub async fn delete_source(name: &str) -> Result<serde_json::Value, ApiError> {
    request("DELETE", &format!("{BASE}/signal-sources/{name}"), None).await
}

pub async fn cancel_signal(id: i64) -> Result<app::signal::SignalRecord, ApiError> {
    post(&format!("{BASE}/signals/{id}/cancel"), &serde_json::json!({})).await
}

pub async fn strategies() -> Result<Vec<app::strategy::StrategySummary>, ApiError> {
    get(&format!("{BASE}/strategies")).await
}

pub async fn set_strategy_cap(
    name: &str,
    req: &app::strategy::StrategyCapRequest,
) -> Result<app::strategy::StrategySummary, ApiError> {
    put(&format!("{BASE}/strategies/{name}"), req).await
}

pub async fn get<T: DeserializeOwned>(url: &str) -> Result<T, ApiError> {
    request("GET", url, None).await
}

pub async fn post<B: Serialize, T: DeserializeOwned>(url: &str, body: &B) -> Result<T, ApiError> {
    send("POST", url, body).await
}

pub async fn put<B: Serialize, T: DeserializeOwned>(url: &str, body: &B) -> Result<T, ApiError> {
    send("PUT", url, body).await
}

async fn send<B: Serialize, T: DeserializeOwned>(method: &str, url: &str, body: &B) -> Result<T, ApiError> {
    let json = serde_json::to_string(body).map_err(|e| ApiError::Decode(e.to_string()))?;
    request(method, url, Some(json)).await
}

async fn request<T: DeserializeOwned>(method: &str, url: &str, body: Option<String>) -> Result<T, ApiError> {
    let text = fetch(method, url, body).await?;
    // Endpoints that answer nothing (204) read as JSON `null`.
    let text = if text.is_empty() { "null" } else { &text };
    serde_json::from_str(text).map_err(|e| ApiError::Decode(e.to_string()))
}

async fn fetch(method: &str, url: &str, body: Option<String>) -> Result<String, ApiError> {
    let (status, text, _) = fetch_raw(method, url, body).await?;
    if status == 401 {
        // Cloned out first: the handler may start requests of its own.
        if let Some(handler) = ON_UNAUTHORIZED.with(|h| h.borrow().clone()) {
            handler();
        }
    }
    if !(200..300).contains(&status) {
        let body = serde_json::from_str::<ErrorBody>(&text).ok();
        return Err(ApiError::Http { status, body });
    }
    Ok(text)
}

fn decode<T: DeserializeOwned>(status: u16, text: &str) -> Result<T, ApiError> {
    if !(200..300).contains(&status) {
        let body = serde_json::from_str::<ErrorBody>(text).ok();
        return Err(ApiError::Http { status, body });
    }
    let text = if text.is_empty() { "null" } else { text };
    serde_json::from_str(text).map_err(|e| ApiError::Decode(e.to_string()))
}

/// One request: the status, the body as text and any `Retry-After` in seconds.
async fn fetch_raw(method: &str, url: &str, body: Option<String>) -> Result<(u16, String, Option<u32>), ApiError> {
    let window = web_sys::window().ok_or_else(|| ApiError::Network("no window".into()))?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    if let Some(body) = &body {
        init.set_body(&wasm_bindgen::JsValue::from_str(body));
    }
    let request = web_sys::Request::new_with_str_and_init(url, &init).map_err(js_err)?;
    let headers = request.headers();
    headers.set("Accept", "application/json").map_err(js_err)?;
    if body.is_some() {
        headers.set("Content-Type", "application/json").map_err(js_err)?;
    }
    if method != "GET"
        && let Some(token) = CSRF.with(|c| c.borrow().clone())
    {
        headers.set("X-CSRF-Token", &token).map_err(js_err)?;
    }

    let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(js_err)?
        .dyn_into()
        .map_err(|_| ApiError::Network("fetch did not return a Response".into()))?;
    let retry_after = response.headers().get("Retry-After").ok().flatten().and_then(|v| v.trim().parse().ok());
    let text = JsFuture::from(response.text().map_err(js_err)?).await.map_err(js_err)?.as_string().unwrap_or_default();
    Ok((response.status(), text, retry_after))
}

fn js_err(value: wasm_bindgen::JsValue) -> ApiError {
    let text = value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"));
    ApiError::Network(text)
}

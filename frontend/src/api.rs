//! The one REST module: typed helpers for `/api/v1`, same origin, returning `app` types.
//!
//! Errors keep the server's `ErrorBody` when there is one, so pages can show its message
//! (and each field's message beside its field). Every POST, PUT and DELETE carries the
//! session's CSRF token in `X-CSRF-Token`; the browser sends the session cookie itself.

use app::Symbol;
use app::api::{ErrorBody, FundingBoard, FundingHistory, HistoryQuery, Status};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use std::fmt;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

pub const BASE: &str = "/api/v1";

thread_local! {
    /// The CSRF token of the current session, set on login and by `GET /auth/me`.
    static CSRF: RefCell<Option<String>> = const { RefCell::new(None) };
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

pub async fn get<T: DeserializeOwned>(url: &str) -> Result<T, ApiError> {
    request("GET", url, None).await
}

pub async fn post<B: Serialize, T: DeserializeOwned>(url: &str, body: &B) -> Result<T, ApiError> {
    send("POST", url, body).await
}

pub async fn put<B: Serialize, T: DeserializeOwned>(url: &str, body: &B) -> Result<T, ApiError> {
    send("PUT", url, body).await
}

pub async fn delete<T: DeserializeOwned>(url: &str) -> Result<T, ApiError> {
    request("DELETE", url, None).await
}

async fn send<B: Serialize, T: DeserializeOwned>(method: &str, url: &str, body: &B) -> Result<T, ApiError> {
    let json = serde_json::to_string(body).map_err(|e| ApiError::Decode(e.to_string()))?;
    request(method, url, Some(json)).await
}

/// The GET text of `url` as is (CSV exports).
pub async fn get_text(url: &str) -> Result<String, ApiError> {
    fetch("GET", url, None).await
}

async fn request<T: DeserializeOwned>(method: &str, url: &str, body: Option<String>) -> Result<T, ApiError> {
    let text = fetch(method, url, body).await?;
    // Endpoints that answer nothing (204) read as JSON `null`.
    let text = if text.is_empty() { "null" } else { &text };
    serde_json::from_str(text).map_err(|e| ApiError::Decode(e.to_string()))
}

async fn fetch(method: &str, url: &str, body: Option<String>) -> Result<String, ApiError> {
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
    let text = JsFuture::from(response.text().map_err(js_err)?).await.map_err(js_err)?.as_string().unwrap_or_default();

    if !response.ok() {
        let body = serde_json::from_str::<ErrorBody>(&text).ok();
        return Err(ApiError::Http { status: response.status(), body });
    }
    Ok(text)
}

fn js_err(value: wasm_bindgen::JsValue) -> ApiError {
    let text = value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"));
    ApiError::Network(text)
}

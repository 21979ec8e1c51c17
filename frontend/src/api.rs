//! The one REST module: typed GET helpers for `/api/v1`, same origin, returning `app` types.
//!
//! Errors keep the server's `ErrorBody` when there is one, so pages can show its message.

use app::Symbol;
use app::api::{ErrorBody, FundingBoard, FundingHistory, HistoryQuery, Status};
use serde::de::DeserializeOwned;
use std::fmt;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

const BASE: &str = "/api/v1";

#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The request did not complete (server down, offline): worth retrying.
    Network(String),
    /// The server answered with an error status.
    Http { status: u16, body: Option<ErrorBody> },
    /// The body was not the expected JSON: client and server disagree on the contract.
    Decode(String),
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

async fn get<T: DeserializeOwned>(url: &str) -> Result<T, ApiError> {
    let window = web_sys::window().ok_or_else(|| ApiError::Network("no window".into()))?;
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    let request = web_sys::Request::new_with_str_and_init(url, &init).map_err(js_err)?;
    request.headers().set("Accept", "application/json").map_err(js_err)?;

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
    serde_json::from_str(&text).map_err(|e| ApiError::Decode(e.to_string()))
}

fn js_err(value: wasm_bindgen::JsValue) -> ApiError {
    let text = value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"));
    ApiError::Network(text)
}

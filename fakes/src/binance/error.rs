//! The fake's one error type: Binance's `{"code":…,"msg":…}` body with its HTTP status and,
//! for 429/418, a `Retry-After` header.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: i64,
    pub msg: String,
    pub retry_after_s: Option<u64>,
}

impl ApiError {
    pub fn new(code: i64, msg: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, code, msg: msg.into(), retry_after_s: None }
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub fn mandatory(param: &str) -> Self {
        Self::new(-1102, format!("Mandatory parameter '{param}' was not sent, was empty/null, or malformed."))
    }

    pub fn illegal(param: &str) -> Self {
        Self::new(
            -1100,
            format!(
                "Illegal characters found in parameter '{param}'; legal range is '^([0-9]{{1,20}})(\\.[0-9]{{1,20}})?$'."
            ),
        )
    }

    pub fn invalid_symbol() -> Self {
        Self::new(-1121, "Invalid symbol.")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "code": self.code, "msg": self.msg });
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after_s
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert("Retry-After", v);
        }
        response
    }
}

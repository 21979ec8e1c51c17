//! The one API error type. Every handler returns `Result<_, ApiError>`; statuses are mapped
//! here and internal errors are logged, never leaked to the client.

use app::api::{ErrorBody, ErrorDetail};
use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest { field: Option<String>, message: String },
    #[error("{0}")]
    NotFound(String),
    /// Well-formed, but the engine or the risk manager said no; the reason is shown as is.
    #[error("{0}")]
    Refused(String),
    #[error("invalid fields")]
    Invalid(Vec<app::params::FieldError>),
    /// No valid session or token: log in.
    #[error("{0}")]
    Unauthorized(String),
    /// Logged in, but the role does not allow it (or a CSRF/origin check failed).
    #[error("{0}")]
    Forbidden(String),
    /// Too many failed logins: try again after this many seconds.
    #[error("too many attempts")]
    Throttled { retry_after_secs: u64 },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        ApiError::BadRequest { field: Some(field.to_owned()), message: message.into() }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        ApiError::Internal(e.into())
    }
}

impl From<crate::engine::Refusal> for ApiError {
    fn from(r: crate::engine::Refusal) -> Self {
        ApiError::Refused(r.0)
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        let text = r.body_text();
        ApiError::BadRequest { field: field_in_message(&text), message: text }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let text = r.body_text();
        ApiError::BadRequest { field: field_in_message(&text), message: text }
    }
}

/// axum words a rejection as "Failed to deserialize …: <path>: <serde message>", the path
/// being `field`, `list[1]` or `a.b`; with no path the serde message may be "unknown field `x`".
/// Recover the field so the client can show the message beside the right input. Only the
/// segment right after the prefix is considered: serde messages contain ": " themselves
/// ("invalid type: string").
fn field_in_message(text: &str) -> Option<String> {
    let segment = text.split(": ").nth(1)?;
    if let Some(rest) = segment.strip_prefix("unknown field `") {
        return rest.split('`').next().filter(|f| !f.is_empty()).map(str::to_owned);
    }
    let ok = !segment.is_empty() && segment.chars().all(|c| c.is_ascii_alphanumeric() || "_.[]".contains(c));
    ok.then(|| segment.to_owned())
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut fields = Vec::new();
        let (status, code, field, message) = match self {
            ApiError::BadRequest { field, message } => (StatusCode::BAD_REQUEST, "bad_request", field, message),
            ApiError::NotFound(message) => (StatusCode::NOT_FOUND, "not_found", None, message),
            ApiError::Refused(message) => (StatusCode::CONFLICT, "refused", None, message),
            ApiError::Invalid(errors) => {
                let message =
                    errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ");
                let field = errors.first().map(|e| e.field.clone());
                fields = errors;
                (StatusCode::BAD_REQUEST, "bad_request", field, message)
            }
            ApiError::Unauthorized(message) => (StatusCode::UNAUTHORIZED, "unauthorized", None, message),
            ApiError::Forbidden(message) => (StatusCode::FORBIDDEN, "forbidden", None, message),
            ApiError::Throttled { retry_after_secs } => {
                let message = format!("too many failed logins; try again in {retry_after_secs} s");
                let body = ErrorBody {
                    error: ErrorDetail { code: "throttled".into(), message, field: None, fields: Vec::new() },
                };
                let retry = [(axum::http::header::RETRY_AFTER, retry_after_secs.to_string())];
                return (StatusCode::TOO_MANY_REQUESTS, retry, Json(body)).into_response();
            }
            ApiError::Internal(err) => {
                tracing::error!(error = %err, "internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", None, "internal error".to_owned())
            }
        };
        let body = ErrorBody { error: ErrorDetail { code: code.to_owned(), message, field, fields } };
        (status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::field_in_message;

    #[test]
    fn finds_the_field_in_serde_messages() {
        assert_eq!(
            field_in_message("Failed to deserialize query string: from: invalid digit found in string").as_deref(),
            Some("from")
        );
        let json = "Failed to deserialize the JSON body into the target type";
        let cases = [
            (
                format!("{json}: direction: unknown variant `up`, expected `a` or `b` at line 1 column 9"),
                Some("direction"),
            ),
            (
                format!("{json}: ignore: invalid type: string \"X\", expected a sequence at line 1 column 15"),
                Some("ignore"),
            ),
            (
                format!("{json}: ignore[1]: invalid type: integer `3`, expected a string at line 1 column 17"),
                Some("ignore[1]"),
            ),
            (
                format!("{json}: unknown field `ignored`, expected `include` or `ignore` at line 1 column 10"),
                Some("ignored"),
            ),
            ("Failed to parse the request body as JSON: expected value at line 1 column 1".into(), None),
            ("no field here".into(), None),
        ];
        for (text, want) in cases {
            assert_eq!(field_in_message(&text).as_deref(), want, "{text}");
        }
    }
}

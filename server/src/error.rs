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

/// serde names the failing field as "field_name: …" or "unknown field `x`"; recover it so the
/// client can show the message beside the right input.
fn field_in_message(text: &str) -> Option<String> {
    let tail = text.rsplit(": ").nth(1)?;
    let candidate = tail.rsplit(' ').next()?.trim_matches('`');
    let ok = !candidate.is_empty() && candidate.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    ok.then(|| candidate.to_owned())
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
        assert_eq!(field_in_message("no field here"), None);
    }
}

//! `GET /audit` (admins): the audit trail, newest first, filtered by actor and action, paged
//! with `before_id`.

use crate::db;
use crate::error::ApiError;
use crate::state::AppState;
use app::audit::{AuditEntry, AuditQuery};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(list))
}

#[utoipa::path(
    get,
    path = "/api/v1/audit",
    operation_id = "audit_list",
    tag = "audit",
    params(app::audit::AuditQuery),
    responses((status = 200, description = "Entries, newest first", body = Vec<app::audit::AuditEntry>), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody))
)]
async fn list(
    State(s): State<AppState>,
    q: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let Query(q) = q?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::field("limit", "must be 1 to 1000"));
    }
    Ok(Json(db::audit::query(&s.db, &q, limit).await?))
}

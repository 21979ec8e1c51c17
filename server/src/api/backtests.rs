//! Backtests: `POST /backtests` (traders) checks a request — a 400 names the field and nothing
//! is stored — queues it and answers with the run's id; `GET /backtests` lists stored runs,
//! newest first, with the progress of those still going; `GET /backtests/{id}` has the report.
//! Progress streams on `/ws/backtests` (`api::streams`).

use crate::audit::{self, Action, Who};
use crate::auth::{Actor, ClientIp};
use crate::backtest::jobs::SubmitError;
use crate::error::ApiError;
use crate::state::AppState;
use app::backtest::{BacktestRequest, BacktestRun, Created};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/backtests", get(list).post(start)).route("/backtests/{id}", get(one))
}

/// Check a backtest request and queue it (audited); progress streams on `/ws/backtests`.
#[utoipa::path(
    post,
    path = "/api/v1/backtests",
    operation_id = "backtests_start",
    tag = "backtests",
    request_body = app::backtest::BacktestRequest,
    responses((status = 202, description = "Queued; the run's id", body = app::backtest::Created), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody))
)]
async fn start(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Extension(ip): Extension<ClientIp>,
    body: Result<Json<BacktestRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let Json(req) = body?;
    let current = s.engine.read(|v| v.params.clone());
    let result = s.backtests.submit(req.clone(), current, &actor.audit_name()).await.map_err(|e| match e {
        SubmitError::Invalid(e) => ApiError::field(&e.field, e.message),
        SubmitError::History(e) => ApiError::Internal(e.into()),
        SubmitError::Database(e) => e.into(),
    });
    let action = Action::new("backtest.start").after(&req);
    let action = match &result {
        Ok(id) => action.target(format!("backtest {id}")),
        Err(_) => action,
    };
    audit::record(&s, Who::actor(&actor, &ip), action, &result, None).await;
    result.map(|id| (StatusCode::ACCEPTED, Json(Created { id })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    limit: Option<u64>,
}

/// Stored runs, newest first, with the progress of those still going (no reports).
#[utoipa::path(
    get,
    path = "/api/v1/backtests",
    operation_id = "backtests_list",
    tag = "backtests",
    params(("limit" = Option<u64>, Query, description = "At most this many runs (1–500, default 50)")),
    responses((status = 200, description = "Newest first", body = Vec<app::backtest::BacktestRun>), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody))
)]
async fn list(
    State(s): State<AppState>,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Vec<BacktestRun>>, ApiError> {
    let Query(q) = q?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", "must be 1 to 500"));
    }
    Ok(Json(s.backtests.list(limit).await?))
}

/// One run with its report.
#[utoipa::path(
    get,
    path = "/api/v1/backtests/{id}",
    operation_id = "backtests_get",
    tag = "backtests",
    params(("id" = i64, Path, description = "The run's id")),
    responses((status = 200, description = "The run", body = app::backtest::BacktestRun), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody), (status = 404, description = "No such resource", body = app::api::ErrorBody))
)]
async fn one(State(s): State<AppState>, Path(id): Path<i64>) -> Result<Json<BacktestRun>, ApiError> {
    s.backtests.get(id).await?.map(Json).ok_or_else(|| ApiError::NotFound(format!("no backtest {id}")))
}

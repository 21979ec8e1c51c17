//! Trading: opportunities, positions, orders, open/close/close-all, engine status and pause/resume, reconciliation (strategy parameters are in `config`). Every
//! mutating request is validated (a 400 naming the field) before the engine sees it; an
//! engine refusal is a 409 with its reason.

use crate::actions;
use crate::audit::{self, Action, Who};
use crate::auth::{Actor, ClientIp};
use crate::db;
use crate::engine::Command;
use crate::error::ApiError;
use crate::state::AppState;
use app::ClientOrderId;
use app::params::FieldError;
use app::trading::{
    CloseAllRequest, ClosePositionRequest, CommandAck, EngineStatus, OpenPositionRequest, Opportunity, OrderView,
    PositionId, PositionView,
};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/opportunities", get(opportunities))
        .route("/positions", get(positions))
        .route("/positions/{id}", get(position))
        .route("/positions/close-all", post(close_all))
        .route("/orders", get(orders))
        .route("/orders/{id}", get(order))
        .route("/orders/open", post(open))
        .route("/orders/close", post(close))
        .route("/engine/status", get(status))
        .route("/engine/pause", post(pause))
        .route("/engine/resume", post(resume))
        .route("/reconciliation", get(reconciliations).post(reconcile_now))
}

#[utoipa::path(
    get,
    path = "/api/v1/opportunities",
    operation_id = "opportunities",
    tag = "trading",
    responses((status = 200, description = "Ranked by net APR", body = Vec<app::trading::Opportunity>))
)]
async fn opportunities(State(s): State<AppState>) -> Json<Vec<Opportunity>> {
    Json(s.engine.read(|v| v.opportunities.clone()))
}

#[utoipa::path(
    get,
    path = "/api/v1/positions",
    operation_id = "positions_list",
    tag = "trading",
    responses((status = 200, description = "The engine's working set", body = Vec<app::trading::PositionView>))
)]
async fn positions(State(s): State<AppState>) -> Json<Vec<PositionView>> {
    Json(s.engine.read(|v| v.positions.values().cloned().collect()))
}

/// From the engine while it holds the position, else as last stored (it has been let go).
#[utoipa::path(
    get,
    path = "/api/v1/positions/{id}",
    operation_id = "positions_get",
    tag = "trading",
    params(("id" = i64, Path, description = "The position's id")),
    responses((status = 200, description = "The position", body = app::trading::PositionView), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody), (status = 404, description = "No such resource", body = app::api::ErrorBody))
)]
async fn position(State(s): State<AppState>, Path(id): Path<String>) -> Result<Json<PositionView>, ApiError> {
    let id: PositionId = id.parse().map_err(|_| ApiError::field("id", "position id must be a number"))?;
    if let Some(p) = s.engine.read(|v| v.positions.get(&id).cloned()) {
        return Ok(Json(p));
    }
    db::trading::position(&s.db, id).await?.map(Json).ok_or_else(|| ApiError::NotFound(format!("no position {id}")))
}

#[utoipa::path(
    get,
    path = "/api/v1/orders",
    operation_id = "orders_list",
    tag = "trading",
    responses((status = 200, description = "The engine's working set", body = Vec<app::trading::OrderView>))
)]
async fn orders(State(s): State<AppState>) -> Json<Vec<OrderView>> {
    Json(s.engine.read(|v| v.orders.values().cloned().collect()))
}

#[utoipa::path(
    get,
    path = "/api/v1/orders/{id}",
    operation_id = "orders_get",
    tag = "trading",
    params(("id" = String, Path, description = "The client order id")),
    responses((status = 200, description = "The order", body = app::trading::OrderView), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody), (status = 404, description = "No such resource", body = app::api::ErrorBody))
)]
async fn order(State(s): State<AppState>, Path(id): Path<String>) -> Result<Json<OrderView>, ApiError> {
    let id = ClientOrderId::new(&id).map_err(|e| ApiError::field("id", e.to_string()))?;
    if let Some(o) = s.engine.read(|v| v.orders.get(&id).cloned()) {
        return Ok(Json(o));
    }
    db::trading::order(&s.db, id.as_str()).await?.map(Json).ok_or_else(|| ApiError::NotFound(format!("no order {id}")))
}

/// Record a trading command in the audit log with its acknowledgement or refusal.
async fn audited(
    s: &AppState,
    actor: &Actor,
    ip: &ClientIp,
    action: Action,
    result: Result<CommandAck, ApiError>,
) -> Result<Json<CommandAck>, ApiError> {
    actions::audited(s, Who::actor(actor, ip), action, result).await.map(Json)
}

#[utoipa::path(
    post,
    path = "/api/v1/orders/open",
    operation_id = "orders_open",
    tag = "trading",
    request_body = app::trading::OpenPositionRequest,
    responses((status = 200, description = "Opening: the new position's id", body = app::trading::CommandAck), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody), (status = 409, description = "Refused (by the engine, the risk gate or a rule); the reason word for word", body = app::api::ErrorBody))
)]
async fn open(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Extension(ip): Extension<ClientIp>,
    body: Result<Json<OpenPositionRequest>, JsonRejection>,
) -> Result<Json<CommandAck>, ApiError> {
    let Json(req) = body?;
    let action = Action::new("order.open").target(&req.symbol).before(&req);
    let result = open_checked(&s, req).await;
    audited(&s, &actor, &ip, action, result).await
}

async fn open_checked(s: &AppState, req: OpenPositionRequest) -> Result<CommandAck, ApiError> {
    // The bounds the SPA's form checks too, before sending.
    let mut errors = req.validate();
    if !s.collector.read(|c| c.symbols().iter().any(|i| i.symbol == req.symbol)) {
        errors.push(FieldError {
            field: "symbol".into(),
            message: format!("{} is not listed on the venues", req.symbol),
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    actions::require_trading(s)?;
    Ok(s.engine.command(Command::Open(req)).await?)
}

#[utoipa::path(
    post,
    path = "/api/v1/orders/close",
    operation_id = "orders_close",
    tag = "trading",
    request_body = app::trading::ClosePositionRequest,
    responses((status = 200, description = "Closing", body = app::trading::CommandAck), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody), (status = 404, description = "No such resource", body = app::api::ErrorBody), (status = 409, description = "Refused (by the engine, the risk gate or a rule); the reason word for word", body = app::api::ErrorBody))
)]
async fn close(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Extension(ip): Extension<ClientIp>,
    body: Result<Json<ClosePositionRequest>, JsonRejection>,
) -> Result<Json<CommandAck>, ApiError> {
    let Json(req) = body?;
    actions::close(&s, Who::actor(&actor, &ip), req).await.map(Json)
}

#[utoipa::path(
    post,
    path = "/api/v1/positions/close-all",
    operation_id = "positions_close_all",
    tag = "trading",
    request_body = app::trading::CloseAllRequest,
    responses((status = 200, description = "Closing the positions listed", body = app::trading::CommandAck), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody), (status = 409, description = "Refused (by the engine, the risk gate or a rule); the reason word for word", body = app::api::ErrorBody))
)]
async fn close_all(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Extension(ip): Extension<ClientIp>,
    body: Result<Json<CloseAllRequest>, JsonRejection>,
) -> Result<Json<CommandAck>, ApiError> {
    let Json(req) = body?;
    actions::close_all(&s, Who::actor(&actor, &ip), req).await.map(Json)
}

#[utoipa::path(
    get,
    path = "/api/v1/engine/status",
    operation_id = "engine_status",
    tag = "trading",
    responses((status = 200, description = "The engine's state; null before its first", body = Option<app::trading::EngineStatus>))
)]
async fn status(State(s): State<AppState>) -> Json<Option<EngineStatus>> {
    Json(s.engine.read(|v| v.status.clone()))
}

#[utoipa::path(
    post,
    path = "/api/v1/engine/pause",
    operation_id = "engine_pause",
    tag = "trading",
    responses((status = 200, description = "Opening paused", body = app::trading::CommandAck), (status = 409, description = "Refused (by the engine, the risk gate or a rule); the reason word for word", body = app::api::ErrorBody))
)]
async fn pause(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Extension(ip): Extension<ClientIp>,
) -> Result<Json<CommandAck>, ApiError> {
    actions::pause(&s, Who::actor(&actor, &ip)).await.map(Json)
}

#[utoipa::path(
    post,
    path = "/api/v1/engine/resume",
    operation_id = "engine_resume",
    tag = "trading",
    responses((status = 200, description = "Opening resumed", body = app::trading::CommandAck), (status = 409, description = "Refused (by the engine, the risk gate or a rule); the reason word for word", body = app::api::ErrorBody))
)]
async fn resume(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Extension(ip): Extension<ClientIp>,
) -> Result<Json<CommandAck>, ApiError> {
    actions::resume(&s, Who::actor(&actor, &ip)).await.map(Json)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct LimitParams {
    limit: Option<u64>,
}

/// Recent reconciliation reports, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/reconciliation",
    operation_id = "reconciliation_list",
    tag = "trading",
    params(LimitParams),
    responses((status = 200, description = "Reports, newest first", body = Vec<app::reconcile::ReconcileReport>), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody))
)]
async fn reconciliations(
    State(s): State<AppState>,
    q: Result<Query<LimitParams>, QueryRejection>,
) -> Result<Json<Vec<app::reconcile::ReconcileReport>>, ApiError> {
    let Query(q) = q?;
    let limit = q.limit.unwrap_or(20);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", "must be 1 to 500"));
    }
    Ok(Json(db::reconciliations::recent(&s.db, limit).await?))
}

/// Reconcile now; answers with the report.
#[utoipa::path(
    post,
    path = "/api/v1/reconciliation",
    operation_id = "reconciliation_run",
    tag = "trading",
    responses((status = 200, description = "The books compared with every venue now", body = app::reconcile::ReconcileReport), (status = 409, description = "Refused (by the engine, the risk gate or a rule); the reason word for word", body = app::api::ErrorBody))
)]
async fn reconcile_now(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Extension(ip): Extension<ClientIp>,
) -> Result<Json<app::reconcile::ReconcileReport>, ApiError> {
    let result = s.engine.reconcile("manual").await.map_err(ApiError::from);
    let detail = result.as_ref().ok().map(|r| format!("{} difference(s)", r.differences.len()));
    audit::record(&s, Who::actor(&actor, &ip), Action::new("reconcile.run"), &result, detail).await;
    result.map(Json)
}

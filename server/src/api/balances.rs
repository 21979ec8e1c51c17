//! `GET /balances`: each venue's balance as the engine last polled it (every few seconds), the
//! figures its pre-flight checks use. Read from the engine rather than from the venues, so
//! that any number of dashboards costs the venues' rate limits nothing.

use crate::error::ApiError;
use crate::state::AppState;
use app::order::Balance;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

pub fn router() -> Router<AppState> {
    Router::new().route("/balances", get(balances))
}

#[utoipa::path(
    get,
    path = "/api/v1/balances",
    operation_id = "balances",
    tag = "account",
    responses((status = 200, description = "Each venue's latest balance", body = Vec<app::order::Balance>))
)]
async fn balances(State(s): State<AppState>) -> Result<Json<Vec<Balance>>, ApiError> {
    Ok(Json(s.engine.inspect(|e| e.balances()).await?))
}

//! Daily equity: each venue's snapshot and the total, per UTC day of the venues' clock.

use crate::db;
use crate::error::ApiError;
use crate::state::AppState;
use app::equity::{EquityDay, EquityQuery, MS_PER_DAY, day_start};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};

const DEFAULT_WINDOW_MS: i64 = 90 * MS_PER_DAY;

pub fn router() -> Router<AppState> {
    Router::new().route("/equity", get(equity))
}

#[utoipa::path(
    get,
    path = "/api/v1/equity",
    operation_id = "equity",
    tag = "account",
    params(app::equity::EquityQuery),
    responses((status = 200, description = "Daily equity per venue and in total", body = Vec<app::equity::EquityDay>), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody))
)]
async fn equity(
    State(s): State<AppState>,
    query: Result<Query<EquityQuery>, QueryRejection>,
) -> Result<Json<Vec<EquityDay>>, ApiError> {
    let Query(q) = query?;
    let to = q.to.unwrap_or_else(|| s.clock.venue_ms());
    let from = q.from.unwrap_or(to - DEFAULT_WINDOW_MS);
    if from > to {
        return Err(ApiError::field("from", "`from` must not be after `to`"));
    }
    // Every day that overlaps the window, including the one `from` falls in.
    Ok(Json(db::equity::days(&s.db, day_start(from), to).await?))
}

//! The latest funding board and funding history (the symbol list is in `symbols`).

use crate::db;
use crate::error::ApiError;
use crate::state::AppState;
use app::api::{FundingHistory, HistoryQuery};
use app::{MS_PER_HOUR, Symbol};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};

/// The default history window, and the longest one may ask for (the retention horizon).
const DEFAULT_WINDOW_MS: i64 = 7 * 24 * MS_PER_HOUR;
const MAX_WINDOW_MS: i64 = 31 * 24 * MS_PER_HOUR;

pub fn router() -> Router<AppState> {
    Router::new().route("/funding-rates", get(board)).route("/funding-rates/{symbol}/history", get(history))
}

/// `FundingBoard` as JSON, its rows serialised once per change rather than per request.
#[utoipa::path(
    get,
    path = "/api/v1/funding-rates",
    operation_id = "funding_board",
    tag = "market",
    responses((status = 200, description = "Both venues' rates per symbol, with the spread", body = app::api::FundingBoard))
)]
async fn board(State(state): State<AppState>) -> impl IntoResponse {
    let now = state.clock.venue_ms();
    ([(CONTENT_TYPE, "application/json")], state.collector.board_json(now))
}

#[utoipa::path(
    get,
    path = "/api/v1/funding-rates/{symbol}/history",
    operation_id = "funding_history",
    tag = "market",
    params(("symbol" = String, Path, description = "A symbol, e.g. BTC"), app::api::HistoryQuery),
    responses((status = 200, description = "Settled or predicted rates over the window", body = app::api::FundingHistory), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody))
)]
async fn history(
    State(state): State<AppState>,
    Path(symbol): Path<String>,
    query: Result<Query<HistoryQuery>, QueryRejection>,
) -> Result<Json<FundingHistory>, ApiError> {
    let Query(q) = query?;
    let symbol = Symbol::new(&symbol).map_err(|e| ApiError::field("symbol", e.to_string()))?;
    if !state.collector.read(|s| s.symbols().iter().any(|i| i.symbol == symbol)) {
        return Err(ApiError::NotFound(format!("unknown symbol {symbol}")));
    }
    let to_ms = q.to.unwrap_or_else(|| state.clock.venue_ms());
    let from_ms = q.from.unwrap_or(to_ms - DEFAULT_WINDOW_MS);
    if from_ms > to_ms {
        return Err(ApiError::field("from", "`from` must not be after `to`"));
    }
    if to_ms - from_ms > MAX_WINDOW_MS {
        return Err(ApiError::field("from", "the window may span at most 31 days"));
    }
    let filter = db::funding::HistoryFilter {
        symbol: symbol.clone(),
        venue: q.venue,
        kind: q.kind.unwrap_or_default(),
        from_ms,
        to_ms,
    };
    let points = db::funding::history(&state.db, &filter).await?;
    Ok(Json(FundingHistory { symbol, from_ms, to_ms, points }))
}

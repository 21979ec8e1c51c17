//! `GET /quotes/{symbol}`: both legs' quotes exactly as the engine would size an open with them
//! now (Binance first), so the browser's preview runs `app::sizing::preview` on the same inputs.

use crate::error::ApiError;
use crate::state::AppState;
use app::Symbol;
use app::sizing::LegQuote;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/quotes/{symbol}", get(quotes))
}

/// Leverages to quote at; the engine's defaults (the strategy parameters) when absent.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct QuoteParams {
    leverage_binance: Option<u32>,
    leverage_lighter: Option<u32>,
}

#[utoipa::path(
    get,
    path = "/api/v1/quotes/{symbol}",
    operation_id = "quotes",
    tag = "market",
    params(("symbol" = String, Path, description = "A symbol, e.g. BTC"), QuoteParams),
    responses((status = 200, description = "Both legs' quotes, Binance first, as an open would size now", body = Vec<app::sizing::LegQuote>), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody), (status = 404, description = "No such resource", body = app::api::ErrorBody))
)]
async fn quotes(
    State(s): State<AppState>,
    Path(symbol): Path<String>,
    q: Result<Query<QuoteParams>, QueryRejection>,
) -> Result<Json<Vec<LegQuote>>, ApiError> {
    let Query(q) = q?;
    let symbol = Symbol::new(&symbol).map_err(|e| ApiError::field("symbol", e.to_string()))?;
    for (field, v) in [("leverage_binance", q.leverage_binance), ("leverage_lighter", q.leverage_lighter)] {
        if v.is_some_and(|v| !(1..=50).contains(&v)) {
            return Err(ApiError::field(field, "must be 1 to 50"));
        }
    }
    if !s.collector.read(|c| c.symbols().iter().any(|i| i.symbol == symbol)) {
        return Err(ApiError::NotFound(format!("{symbol} is not listed on the venues")));
    }
    let leverage = (q.leverage_binance, q.leverage_lighter);
    let wanted = symbol.clone();
    let quotes = s.engine.inspect(move |e| e.quotes(&wanted, leverage)).await?;
    match quotes {
        Some(pair) => Ok(Json(pair.to_vec())),
        None => Err(ApiError::Refused(format!("no complete market data for {symbol} on both venues yet"))),
    }
}

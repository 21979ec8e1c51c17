//! The two reads that scripts used before History existed, kept with their shapes:
//! `GET /history` (closed positions as the engine stored them, newest close first) and
//! `GET /pnl` (P&L grouped by position, symbol, strategy or opening day). Both answer from the
//! queries behind `/history/*`: finished positions from the database, open ones from the engine.

use super::AppState;
use super::history::active_positions;
use crate::db;
use crate::db::page::Filter;
use crate::error::ApiError;
use app::pnl::PnlBreakdown;
use app::trading::PositionView;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub fn router() -> Router<AppState> {
    Router::new().route("/history", get(history)).route("/pnl", get(pnl))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct HistoryParams {
    limit: Option<u64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/history",
    operation_id = "legacy_history",
    tag = "history",
    params(HistoryParams),
    responses((status = 200, description = "Finished positions, newest first (History's lists supersede it)", body = Vec<app::trading::PositionView>), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody))
)]
async fn history(
    State(s): State<AppState>,
    q: Result<Query<HistoryParams>, QueryRejection>,
) -> Result<Json<Vec<PositionView>>, ApiError> {
    let Query(q) = q?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::field("limit", "must be 1 to 1000"));
    }
    let f = Filter::<i64> { limit, ..Default::default() };
    Ok(Json(db::history::closed_views(&s.db, &f).await?.rows))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub(super) enum Grouping {
    Position,
    Symbol,
    Strategy,
    Day,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PnlParams {
    group: Option<Grouping>,
    from: Option<i64>,
    to: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct PnlRow {
    key: String,
    pnl: PnlBreakdown,
}

/// P&L grouped by position, symbol, strategy or opening day (UTC), over positions opened in
/// `[from, to]`.
#[utoipa::path(
    get,
    path = "/api/v1/pnl",
    operation_id = "legacy_pnl",
    tag = "history",
    params(PnlParams),
    responses((status = 200, description = "P&L grouped by position, symbol, strategy or day", body = Vec<PnlRow>), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody))
)]
async fn pnl(
    State(s): State<AppState>,
    q: Result<Query<PnlParams>, QueryRejection>,
) -> Result<Json<Vec<PnlRow>>, ApiError> {
    let Query(q) = q?;
    let (from, to) = (q.from.unwrap_or(i64::MIN), q.to.unwrap_or(i64::MAX));
    if from > to {
        return Err(ApiError::field("from", "`from` must not be after `to`"));
    }
    let mut positions = db::history::closed_opened_between(&s.db, from, to).await?;
    positions.extend(active_positions(&s, None).into_iter().filter(|p| (from..=to).contains(&p.opened_ms)));
    let group = q.group.unwrap_or(Grouping::Symbol);
    let mut rows: BTreeMap<String, PnlBreakdown> = BTreeMap::new();
    for p in positions {
        let key = match group {
            Grouping::Position => p.id.to_string(),
            Grouping::Symbol => p.symbol.to_string(),
            Grouping::Strategy => p.strategy.to_string(),
            Grouping::Day => (p.opened_ms.div_euclid(86_400_000) * 86_400_000).to_string(),
        };
        rows.entry(key).or_default().add(&p.pnl);
    }
    Ok(Json(rows.into_iter().map(|(key, pnl)| PnlRow { key, pnl }).collect()))
}

//! History: closed positions, orders, fills and funding payments from the database, each
//! filtered (symbol, strategy, venue, position, status, time) and paged (newest first, keyset
//! cursors) and exported as CSV with the same query (`format=csv`); and the realised P&L
//! series with daily bars, grouped by strategy too. All reads (role viewer).
//!
//! Every parameter is checked before the database is asked: a bad one is a 400 naming it.

use crate::db;
use crate::db::fills::Fills;
use crate::db::page::{self, Cursor, Filter, Rows};
use crate::db::payments::Payments;
use crate::error::ApiError;
use crate::state::AppState;
use app::TimestampMs;
use app::history::{
    Csv, DEFAULT_LIMIT, Format, HistoryList, ListQuery, MAX_EXPORT_ROWS, MAX_LIMIT, Page, PnlQuery, PnlSeries,
};
use app::trading::{OrderStatus, PositionStatus};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use std::str::FromStr;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/history/positions", get(positions))
        .route("/history/orders", get(orders))
        .route("/history/fills", get(fills))
        .route("/history/funding", get(funding))
        .route("/history/pnl", get(pnl))
}

type Params = Result<Query<ListQuery>, QueryRejection>;

#[utoipa::path(
    get,
    path = "/api/v1/history/positions",
    operation_id = "history_positions",
    tag = "history",
    params(app::history::ListQuery),
    responses((status = 200, description = "One page, newest first; with `format=csv` the same rows as a CSV download", content((app::history::Page<app::history::ClosedPosition> = "application/json"), (String = "text/csv"))), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody))
)]
async fn positions(State(s): State<AppState>, q: Params) -> Result<Response, ApiError> {
    let (f, format) = filter::<i64>(&q?.0, HistoryList::Positions)?;
    Ok(respond(HistoryList::Positions, db::history::closed_positions(&s.db, &f).await?, format, f.limit))
}

#[utoipa::path(
    get,
    path = "/api/v1/history/orders",
    operation_id = "history_orders",
    tag = "history",
    params(app::history::ListQuery),
    responses((status = 200, description = "One page, newest first; with `format=csv` the same rows as a CSV download", content((app::history::Page<app::trading::OrderView> = "application/json"), (String = "text/csv"))), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody))
)]
async fn orders(State(s): State<AppState>, q: Params) -> Result<Response, ApiError> {
    let (f, format) = filter::<String>(&q?.0, HistoryList::Orders)?;
    Ok(respond(HistoryList::Orders, db::history::orders(&s.db, &f).await?, format, f.limit))
}

#[utoipa::path(
    get,
    path = "/api/v1/history/fills",
    operation_id = "history_fills",
    tag = "history",
    params(app::history::ListQuery),
    responses((status = 200, description = "One page, newest first; with `format=csv` the same rows as a CSV download", content((app::history::Page<app::history::FillRecord> = "application/json"), (String = "text/csv"))), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody))
)]
async fn fills(State(s): State<AppState>, q: Params) -> Result<Response, ApiError> {
    let (f, format) = filter::<i64>(&q?.0, HistoryList::Fills)?;
    Ok(respond(HistoryList::Fills, page::list::<Fills>(&s.db, &f).await?, format, f.limit))
}

#[utoipa::path(
    get,
    path = "/api/v1/history/funding",
    operation_id = "history_funding",
    tag = "history",
    params(app::history::ListQuery),
    responses((status = 200, description = "One page, newest first; with `format=csv` the same rows as a CSV download", content((app::history::Page<app::history::FundingRecord> = "application/json"), (String = "text/csv"))), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody))
)]
async fn funding(State(s): State<AppState>, q: Params) -> Result<Response, ApiError> {
    let (f, format) = filter::<i64>(&q?.0, HistoryList::Funding)?;
    Ok(respond(HistoryList::Funding, page::list::<Payments>(&s.db, &f).await?, format, f.limit))
}

fn time(field: &str, t: Option<TimestampMs>) -> Result<(), ApiError> {
    match t {
        Some(t) if t < 0 => Err(ApiError::field(field, "must be a time in ms since 1970-01-01 (0 or more)")),
        _ => Ok(()),
    }
}

fn window(from: Option<TimestampMs>, to: Option<TimestampMs>) -> Result<(), ApiError> {
    time("from", from)?;
    time("to", to)?;
    match (from, to) {
        (Some(f), Some(t)) if f > t => Err(ApiError::field("from", "`from` must not be after `to`")),
        _ => Ok(()),
    }
}

/// The stored status text a list's `status` filter means, or a 400 saying what it may be.
fn status(list: HistoryList, s: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(s) = s else { return Ok(None) };
    let as_json = serde_json::Value::String(s.to_owned());
    let ok = match list {
        HistoryList::Positions => {
            matches!(serde_json::from_value(as_json), Ok(PositionStatus::Closed | PositionStatus::Failed))
        }
        HistoryList::Orders => serde_json::from_value::<OrderStatus>(as_json).is_ok(),
        HistoryList::Fills | HistoryList::Funding => {
            return Err(ApiError::field("status", format!("{} have no status filter", list.as_str())));
        }
    };
    if ok {
        return Ok(Some(s.to_owned()));
    }
    let allowed = match list {
        HistoryList::Positions => "closed or failed",
        _ => "created, sent, unknown, accepted, partially_filled, filled, canceled, expired or rejected",
    };
    Err(ApiError::field("status", format!("must be {allowed}, got {s:?}")))
}

/// Check a list's query and turn it into the database filter.
fn filter<K: FromStr>(q: &ListQuery, list: HistoryList) -> Result<(Filter<K>, Format), ApiError> {
    window(q.from, q.to)?;
    if q.venue.is_some() && !list.has_venue() {
        return Err(ApiError::field("venue", "a position has a leg on each venue: filter its fills or orders instead"));
    }
    let status = status(list, q.status.as_deref())?;
    let format = q.format.unwrap_or_default();
    let max = if format == Format::Csv { MAX_EXPORT_ROWS } else { MAX_LIMIT };
    let limit = q.limit.unwrap_or(if format == Format::Csv { MAX_EXPORT_ROWS } else { DEFAULT_LIMIT });
    if !(1..=max).contains(&limit) {
        return Err(ApiError::field("limit", format!("must be 1 to {max}, got {limit}")));
    }
    let cursor = match &q.cursor {
        None => None,
        Some(c) => Some(
            c.parse::<Cursor<K>>()
                .map_err(|()| ApiError::field("cursor", "not a cursor of this list: pass `next_cursor` as given"))?,
        ),
    };
    let f = Filter {
        symbol: q.symbol.clone(),
        venue: q.venue,
        position_id: q.position_id,
        strategy: q.strategy.clone(),
        status,
        from_ms: q.from,
        to_ms: q.to,
        cursor,
        limit: u64::from(limit),
    };
    Ok((f, format))
}

/// A JSON page, or the same rows as a CSV download (with the paging in headers).
fn respond<T: Csv + Serialize>(list: HistoryList, rows: Rows<T>, format: Format, limit: u64) -> Response {
    let limit = u32::try_from(limit).unwrap_or(u32::MAX);
    match format {
        Format::Json => {
            Json(Page { rows: rows.rows, next_cursor: rows.next, total: rows.total, limit }).into_response()
        }
        Format::Csv => {
            let disposition = format!("attachment; filename=\"history-{}.csv\"", list.as_str());
            let mut res = (
                [(CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (CONTENT_DISPOSITION, disposition)],
                T::write_all(&rows.rows),
            )
                .into_response();
            let headers = res.headers_mut();
            if let Ok(v) = rows.total.to_string().parse() {
                headers.insert("x-total-count", v);
            }
            if let Some(Ok(v)) = rows.next.map(|n| n.parse()) {
                headers.insert("x-next-cursor", v);
            }
            res
        }
    }
}

/// Realised P&L over the window: cumulative and per UTC day, from the stored fills and
/// payments; and, apart, what the open positions hold unrealised now.
#[utoipa::path(
    get,
    path = "/api/v1/history/pnl",
    operation_id = "history_pnl",
    tag = "history",
    params(app::history::PnlQuery),
    responses((status = 200, description = "Cumulative and daily realised P&L, grouped by strategy too", body = app::history::PnlSeries), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody))
)]
async fn pnl(
    State(s): State<AppState>,
    q: Result<Query<PnlQuery>, QueryRejection>,
) -> Result<Json<PnlSeries>, ApiError> {
    let Query(q) = q?;
    window(q.from, q.to)?;
    let scope = page::Scope { symbol: q.symbol.as_ref(), strategy: q.strategy.as_ref() };
    Ok(Json(crate::pnl::series(&s, scope, q.from, q.to).await?))
}

pub(super) use crate::pnl::active_positions;

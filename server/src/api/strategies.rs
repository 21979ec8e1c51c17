//! Strategies: each one's book (`GET /strategies`: positions and win rate, price P&L, funding,
//! fees, net, APR on the capital it occupied, current exposure and its cap), and setting a
//! strategy's own exposure cap (admin, audited), which the engine applies to every open.

use crate::audit::{self, Action, Who};
use crate::auth::{Actor, ClientIp};
use crate::db;
use crate::engine::Command;
use crate::error::ApiError;
use crate::state::AppState;
use app::strategy::{BookEntry, StrategyCapRequest, StrategySummary, summarize};
use app::{MS_PER_HOUR, StrategyId, Usd};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::routing::{get, put};
use axum::{Extension, Json, Router};
use rust_decimal::Decimal;

pub fn router() -> Router<AppState> {
    Router::new().route("/strategies", get(list)).route("/strategies/{name}", put(set_cap))
}

fn hours(from: i64, to: i64) -> Decimal {
    (Decimal::from((to - from).max(0)) / Decimal::from(MS_PER_HOUR)).round_dp(6)
}

/// Every strategy's book: finished positions as stored, open ones as the engine marks them now.
#[utoipa::path(
    get,
    path = "/api/v1/strategies",
    operation_id = "strategies_list",
    tag = "strategies",
    responses((status = 200, description = "Each strategy's book", body = Vec<app::strategy::StrategySummary>))
)]
async fn list(State(s): State<AppState>) -> Result<Json<Vec<StrategySummary>>, ApiError> {
    let opened = db::fills::opened_notional(&s.db).await?;
    let mut entries: Vec<BookEntry> = db::strategies::finished(&s.db)
        .await?
        .into_iter()
        .map(|p| BookEntry {
            notional: opened.get(&p.id).copied().unwrap_or(Usd::ZERO),
            hours: hours(p.opened_ms, p.closed_ms.unwrap_or(p.opened_ms)),
            strategy: p.strategy,
            open: false,
            price_pnl: p.price_pnl,
            funding: p.funding,
            fees: p.fees,
            net: p.net,
        })
        .collect();
    let now = s.clock.venue_ms();
    let active = s.engine.read(|v| v.positions.values().filter(|p| p.status.is_active()).cloned().collect::<Vec<_>>());
    entries.extend(active.into_iter().map(|p| {
        let long = &p.legs[0];
        BookEntry {
            notional: Usd(long.qty.0.abs() * long.entry_price.0),
            hours: hours(p.opened_ms, now),
            strategy: p.strategy,
            open: true,
            price_pnl: p.pnl.price_realized + p.pnl.price_unrealized,
            funding: p.pnl.funding_settled,
            fees: p.pnl.fees,
            net: p.pnl.net,
        }
    }));
    let caps = db::strategies::caps(&s.db).await?;
    Ok(Json(summarize(&entries, &caps)))
}

#[utoipa::path(
    put,
    path = "/api/v1/strategies/{name}",
    operation_id = "strategies_set_cap",
    tag = "strategies",
    request_body = app::strategy::StrategyCapRequest,
    params(("name" = String, Path, description = "A strategy's name")),
    responses((status = 200, description = "The strategy's book with its new cap", body = app::strategy::StrategySummary), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody), (status = 409, description = "Refused (by the engine, the risk gate or a rule); the reason word for word", body = app::api::ErrorBody))
)]
async fn set_cap(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Extension(ip): Extension<ClientIp>,
    Path(name): Path<String>,
    body: Result<Json<StrategyCapRequest>, JsonRejection>,
) -> Result<Json<StrategySummary>, ApiError> {
    let Json(req) = body?;
    let strategy = StrategyId::new(&name).map_err(|e| ApiError::field("name", e))?;
    let before = db::strategies::caps(&s.db).await?.get(&strategy).copied();
    let action = Action::new("strategy.cap")
        .target(&strategy)
        .before(&serde_json::json!({ "max_notional": before }))
        .after(&req);
    let result = async {
        if req.max_notional.is_some_and(|m| m <= Usd::ZERO) {
            return Err(ApiError::field("max_notional", "must be positive, or null for no cap of its own"));
        }
        db::strategies::set_cap(&s.db, &strategy, req.max_notional, &actor.audit_name(), s.clock.wall_ms()).await?;
        s.engine.command(Command::SetStrategyCaps(db::strategies::caps(&s.db).await?)).await?;
        let Json(all) = list(State(s.clone())).await?;
        let found = all.into_iter().find(|x| x.strategy == strategy);
        Ok(found.unwrap_or_else(|| {
            // No positions and no cap left: an empty book.
            let mut blank = summarize(&[], &[(strategy.clone(), Usd::ZERO)].into_iter().collect()).remove(0);
            blank.max_notional = req.max_notional;
            blank
        }))
    }
    .await;
    audit::record(&s, Who::actor(&actor, &ip), action, &result, None).await;
    result.map(Json)
}

//! Which symbols trade. `GET /symbols` lists the symbols both venues quote with the rules'
//! verdict, `GET /symbols/rules` the rule set itself; `PUT` replaces the rules, `POST`
//! appends to them. A change is validated (a 400
//! naming the pattern, e.g. `ignore[1]`), stored as the next version, then handed to the engine
//! through its queue; the answer comes once the engine has it in effect.

use crate::audit::{self, Action, Who};
use crate::auth::{Actor, ClientIp};
use crate::db;
use crate::engine::Command;
use crate::error::ApiError;
use crate::state::AppState;
use app::symbols::{SymbolRules, SymbolRulesBody, SymbolRulesRequest, SymbolStatus};
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::Method;
use axum::routing::get;
use axum::{Extension, Json, Router};
use sea_orm::SqlErr;

pub fn router() -> Router<AppState> {
    Router::new().route("/symbols", get(list).put(replace).post(add)).route("/symbols/rules", get(rules))
}

/// The rule set in effect, its version and its effect: what an editor starts from.
#[utoipa::path(
    get,
    path = "/api/v1/symbols/rules",
    operation_id = "symbols_rules",
    tag = "config",
    responses((status = 200, description = "The symbol rules in effect", body = app::symbols::SymbolRulesBody))
)]
async fn rules(State(s): State<AppState>) -> Json<SymbolRulesBody> {
    let (version, rules) = s.engine.read(|v| (v.symbol_rules_version, v.symbol_rules.clone()));
    let symbols = statuses(&s, &rules);
    Json(SymbolRulesBody { version, rules, symbols })
}

#[utoipa::path(
    get,
    path = "/api/v1/symbols",
    operation_id = "symbols_list",
    tag = "config",
    responses((status = 200, description = "Every listed symbol and whether it trades", body = Vec<app::symbols::SymbolStatus>))
)]
async fn list(State(s): State<AppState>) -> Json<Vec<SymbolStatus>> {
    let rules = s.engine.read(|v| v.symbol_rules.clone());
    Json(statuses(&s, &rules))
}

fn statuses(s: &AppState, rules: &SymbolRules) -> Vec<SymbolStatus> {
    let listed = s.collector.read(|c| c.symbols());
    listed
        .into_iter()
        .map(|info| {
            let verdict = rules.verdict(&info.symbol);
            SymbolStatus { trading: verdict.trades(), rule: verdict.rule(), symbol: info.symbol, venues: info.venues }
        })
        .collect()
}

/// Replace the rules: what the request leaves out takes its default (include all, ignore none).
#[utoipa::path(
    put,
    path = "/api/v1/symbols",
    operation_id = "symbols_replace",
    tag = "config",
    request_body = app::symbols::SymbolRulesRequest,
    responses((status = 200, description = "Stored as a new version and in effect", body = app::symbols::SymbolRulesBody), (status = 400, description = "A pattern is invalid; `error.field` names the list and index", body = app::api::ErrorBody), (status = 409, description = "Refused by the engine", body = app::api::ErrorBody))
)]
async fn replace(
    State(s): State<AppState>,
    actor: Extension<Actor>,
    ip: Extension<ClientIp>,
    body: Result<Json<SymbolRulesRequest>, JsonRejection>,
) -> Result<Json<SymbolRulesBody>, ApiError> {
    change(s, Method::PUT, actor, ip, body).await
}

/// Add patterns to the rules in effect.
#[utoipa::path(
    post,
    path = "/api/v1/symbols",
    operation_id = "symbols_add",
    tag = "config",
    request_body = app::symbols::SymbolRulesRequest,
    responses((status = 200, description = "Stored as a new version and in effect", body = app::symbols::SymbolRulesBody), (status = 400, description = "A pattern is invalid; `error.field` names the list and index", body = app::api::ErrorBody), (status = 409, description = "Refused by the engine", body = app::api::ErrorBody))
)]
async fn add(
    State(s): State<AppState>,
    actor: Extension<Actor>,
    ip: Extension<ClientIp>,
    body: Result<Json<SymbolRulesRequest>, JsonRejection>,
) -> Result<Json<SymbolRulesBody>, ApiError> {
    change(s, Method::POST, actor, ip, body).await
}

/// `PUT` replaces the rules and `POST` adds to them; validating, storing, applying and
/// auditing are the same for both.
async fn change(
    s: AppState,
    method: Method,
    Extension(actor): Extension<Actor>,
    Extension(ip): Extension<ClientIp>,
    body: Result<Json<SymbolRulesRequest>, JsonRejection>,
) -> Result<Json<SymbolRulesBody>, ApiError> {
    let Json(req) = body?;
    let (current, version) = s.engine.read(|v| (v.symbol_rules.clone(), v.symbol_rules_version));
    let (name, rules) = match method {
        Method::PUT => ("symbols.replace", req.replacement()),
        _ => ("symbols.add", req.added_to(&current)),
    };
    let result = match rules {
        Ok(rules) => install(&s, version, rules, &actor.audit_name()).await,
        Err(errors) => Err(ApiError::Invalid(errors)),
    };
    // The audit entry: the rules before, and after (or the request, when refused).
    let action = Action::new(name).before(&current);
    let action = match &result {
        Ok(body) => action.target(format!("version {}", body.version)).after(&body.rules),
        Err(_) => action.after(&req),
    };
    audit::record(&s, Who::actor(&actor, &ip), action, &result, None).await;
    result.map(Json)
}

/// Store `rules` as the version after `base`, then put them in effect. Stored first so that an
/// acknowledged change survives a restart; the version being the primary key turns a change
/// racing another (both built on `base`) into a refusal instead of a lost update.
async fn install(s: &AppState, base: i64, rules: SymbolRules, author: &str) -> Result<SymbolRulesBody, ApiError> {
    let version = base + 1;
    if let Err(e) = db::symbols::insert(&s.db, version, &rules, author, s.clock.venue_ms()).await {
        return Err(match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                ApiError::Refused(format!("the symbol rules changed meanwhile (version {version} exists); retry"))
            }
            _ => e.into(),
        });
    }
    s.engine.command(Command::SetSymbolRules { version, rules: rules.clone() }).await?;
    let symbols = statuses(s, &rules);
    Ok(SymbolRulesBody { version, rules, symbols })
}

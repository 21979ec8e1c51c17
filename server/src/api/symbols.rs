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
    Router::new().route("/symbols", get(list).put(change).post(change)).route("/symbols/rules", get(rules))
}

/// The rule set in effect, its version and its effect: what an editor starts from.
async fn rules(State(s): State<AppState>) -> Json<SymbolRulesBody> {
    let (version, rules) = s.engine.read(|v| (v.symbol_rules_version, v.symbol_rules.clone()));
    let symbols = statuses(&s, &rules);
    Json(SymbolRulesBody { version, rules, symbols })
}

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

/// `PUT` replaces the rules and `POST` adds to them; validating, storing, applying and
/// auditing are the same for both.
async fn change(
    State(s): State<AppState>,
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

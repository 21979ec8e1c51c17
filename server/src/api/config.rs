//! Strategy parameters: `GET /config` (in effect, with its version), `PUT /config` (validated
//! as a whole, stored as the next version with its author, in effect at once, audited) and
//! `GET /config/history` (every version, newest first, each with what changed against the
//! one before).

use crate::audit::{self, Action, Who};
use crate::auth::{Actor, ClientIp};
use crate::db;
use crate::engine::Command;
use crate::error::ApiError;
use crate::state::AppState;
use app::params::{ConfigBody, ParamsVersion, StrategyParams};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Extension, Json, Router};
use sea_orm::SqlErr;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/config", get(get_config).put(put_config)).route("/config/history", get(history))
}

async fn get_config(State(s): State<AppState>) -> Json<ConfigBody> {
    Json(s.engine.read(|v| ConfigBody { version: v.params_version, params: v.params.clone() }))
}

/// New parameters, in effect once the engine has them; audited as `config.update` with the
/// version and parameters before and after (the request, when refused).
async fn put_config(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Extension(ip): Extension<ClientIp>,
    body: Result<Json<StrategyParams>, JsonRejection>,
) -> Result<Json<ConfigBody>, ApiError> {
    let Json(params) = body?;
    let before = s.engine.read(|v| ConfigBody { version: v.params_version, params: v.params.clone() });
    let result = match params.validate() {
        Ok(()) => install(&s, before.version, &params, &actor.audit_name())
            .await
            .map(|version| ConfigBody { version, params: params.clone() }),
        Err(errors) => Err(ApiError::Invalid(errors)),
    };
    let action = Action::new("config.update").before(&before);
    let action = match &result {
        Ok(now) => action.target(format!("version {}", now.version)).after(now),
        Err(_) => action.after(&params),
    };
    audit::record(&s, Who::actor(&actor, &ip), action, &result, None).await;
    result.map(Json)
}

/// Store `params` as the version after `base`, then hand them to the engine. Stored first so
/// that an acknowledged change survives a restart; the version being the primary key turns a
/// change racing another (both built on `base`) into a refusal instead of a lost update.
async fn install(s: &AppState, base: i64, params: &StrategyParams, author: &str) -> Result<i64, ApiError> {
    let version = base + 1;
    if let Err(e) = db::trading::insert_params(&s.db, version, params, author, s.clock.venue_ms()).await {
        return Err(match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                ApiError::Refused(format!("the parameters changed meanwhile (version {version} exists); retry"))
            }
            _ => e.into(),
        });
    }
    s.engine.command(Command::SetParams { version, params: params.clone() }).await?;
    Ok(version)
}

#[derive(Debug, Deserialize)]
struct HistoryParams {
    limit: Option<usize>,
}

/// Versions newest first, at most `limit` (default 100). The diffs are computed over the whole
/// history before it is cut, so the oldest version shown still has its changes.
async fn history(
    State(s): State<AppState>,
    q: Result<Query<HistoryParams>, QueryRejection>,
) -> Result<Json<Vec<ParamsVersion>>, ApiError> {
    let Query(q) = q?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::field("limit", "must be 1 to 1000"));
    }
    let rows = db::trading::params_history(&s.db).await?;
    let mut versions: Vec<ParamsVersion> = rows
        .into_iter()
        .map(|(version, created_ms, author, params)| ParamsVersion {
            version,
            created_ms,
            author,
            params,
            changes: Vec::new(),
        })
        .collect();
    app::params::link_changes(&mut versions);
    versions.truncate(limit);
    Ok(Json(versions))
}

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

#[utoipa::path(
    get,
    path = "/api/v1/config",
    operation_id = "config_get",
    tag = "config",
    responses((status = 200, description = "The strategy parameters in effect and their version", body = app::params::ConfigBody))
)]
async fn get_config(State(s): State<AppState>) -> Json<ConfigBody> {
    Json(s.engine.read(|v| ConfigBody { version: v.params_version, params: v.params.clone() }))
}

/// New parameters, in effect once the engine has them; audited as `config.update` with the
/// version and parameters before and after (the request, when refused).
#[utoipa::path(
    put,
    path = "/api/v1/config",
    operation_id = "config_put",
    tag = "config",
    request_body = app::params::StrategyParams,
    responses((status = 200, description = "Stored as a new version and in effect", body = app::params::ConfigBody), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody), (status = 409, description = "Refused (by the engine, the risk gate or a rule); the reason word for word", body = app::api::ErrorBody))
)]
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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct HistoryParams {
    limit: Option<usize>,
}

/// Versions newest first, at most `limit` (default 100). The diffs are computed over the whole
/// history before it is cut, so the oldest version shown still has its changes.
#[utoipa::path(
    get,
    path = "/api/v1/config/history",
    operation_id = "config_history",
    tag = "config",
    params(HistoryParams),
    responses((status = 200, description = "Versions newest first, each with its changes", body = Vec<app::params::ParamsVersion>), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody))
)]
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

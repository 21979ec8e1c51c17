//! Strategy parameters: `GET /config` (in effect, with its version), `PUT /config` (validated
//! as a whole, stored as the next version, in effect at once) and `GET /config/history`
//! (every version, newest first, each with what changed against the one before).

use super::AppState;
use crate::db;
use crate::engine::Command;
use crate::error::ApiError;
use app::params::{ConfigBody, ParamsVersion, StrategyParams};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use sea_orm::SqlErr;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/config", get(get_config).put(put_config)).route("/config/history", get(history))
}

async fn get_config(State(s): State<AppState>) -> Json<ConfigBody> {
    Json(s.engine.read(|v| ConfigBody { version: v.params_version, params: v.params.clone() }))
}

/// New parameters, in effect once the engine has them.
async fn put_config(
    State(s): State<AppState>,
    body: Result<Json<StrategyParams>, JsonRejection>,
) -> Result<Json<ConfigBody>, ApiError> {
    let Json(params) = body?;
    params.validate().map_err(ApiError::Invalid)?;
    let author = "api";
    let base = s.engine.read(|v| v.params_version);
    let version = install(&s, base, &params, author).await?;
    Ok(Json(ConfigBody { version, params }))
}

/// Store `params` as the version after `base`, then hand them to the engine. Stored first so
/// that an acknowledged change survives a restart; the version being the primary key turns a
/// change racing another (both built on `base`) into a refusal instead of a lost update.
async fn install(s: &AppState, base: i64, params: &StrategyParams, author: &str) -> Result<i64, ApiError> {
    let version = base + 1;
    if let Err(e) = db::trading::insert_params(&s.db, version, params, author, s.now_ms()).await {
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

//! The outbox for admins: the channels with their rules (never a secret), editing a channel's
//! rules, a test message per channel answered with what the channel said, and the deliveries.

use crate::audit::{self, Action, Who};
use crate::auth::{Actor, ClientIp};
use crate::db;
use crate::error::ApiError;
use crate::state::AppState;
use app::outbox::{ChannelRules, ChannelView, DeliveryQuery, DeliveryStatus, DeliveryView, TestAnswer, TestRequest};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::routing::{get, post, put};
use axum::{Extension, Json, Router};
use std::time::{Duration, Instant};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notifications/deliveries", get(deliveries))
        .route("/notifications/channels", get(channels))
        .route("/notifications/channels/{name}/rules", put(set_rules))
        .route("/notifications/test", post(test))
}

/// Newest first; `status` and `channel` filter, `limit` 1–500 (100).
/// The outbox: recent deliveries, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/notifications/deliveries",
    operation_id = "notifications_deliveries",
    tag = "notifications",
    params(app::outbox::DeliveryQuery),
    responses((status = 200, description = "Newest first", body = Vec<app::outbox::DeliveryView>), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody))
)]
async fn deliveries(
    State(s): State<AppState>,
    q: Result<Query<DeliveryQuery>, QueryRejection>,
) -> Result<Json<Vec<DeliveryView>>, ApiError> {
    let Query(q) = q?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", "must be 1 to 500"));
    }
    Ok(Json(db::deliveries::recent(&s.db, &q, limit).await?))
}

/// The configured channels with their rules, never their secrets.
#[utoipa::path(
    get,
    path = "/api/v1/notifications/channels",
    operation_id = "notifications_channels",
    tag = "notifications",
    responses((status = 200, description = "Each channel", body = Vec<app::outbox::ChannelView>))
)]
async fn channels(State(s): State<AppState>) -> Json<Vec<ChannelView>> {
    Json(s.notifier.directory().views())
}

/// Replace a channel's rules (audited); they override the settings file's.
#[utoipa::path(
    put,
    path = "/api/v1/notifications/channels/{name}/rules",
    operation_id = "notifications_set_rules",
    tag = "notifications",
    params(("name" = String, Path, description = "The channel (`telegram`, `email`, a webhook's name)")),
    request_body = app::outbox::ChannelRules,
    responses((status = 200, description = "The channel with its new rules", body = app::outbox::ChannelView), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody), (status = 404, description = "No such resource", body = app::api::ErrorBody))
)]
async fn set_rules(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Extension(ip): Extension<ClientIp>,
    Path(name): Path<String>,
    body: Result<Json<ChannelRules>, JsonRejection>,
) -> Result<Json<ChannelView>, ApiError> {
    let Json(rules) = body?;
    let directory = s.notifier.directory().clone();
    let before = directory.rules(&name);
    let action = Action::new("notify.rules").target(&name).before(&before).after(&rules);
    let result = async {
        if before.is_none() {
            return Err(ApiError::NotFound(format!("no channel named {name:?}")));
        }
        db::deliveries::save_rules(&s.db, &name, &rules, &actor.audit_name(), s.clock.wall_ms()).await?;
        directory.set_rules(&name, rules);
        directory.views().into_iter().find(|c| c.name == name).ok_or_else(|| ApiError::NotFound(name.clone()))
    }
    .await;
    audit::record(&s, Who::actor(&actor, &ip), action, &result, None).await;
    result.map(Json)
}

/// Send a test message through the outbox and wait (up to 20 s) for the channel's answer.
/// Send a test message through one channel and answer what the channel said.
#[utoipa::path(
    post,
    path = "/api/v1/notifications/test",
    operation_id = "notifications_test",
    tag = "notifications",
    request_body = app::outbox::TestRequest,
    responses((status = 200, description = "The delivery and the channel's answer", body = app::outbox::TestAnswer), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody), (status = 409, description = "Refused (by the engine, the risk gate or a rule); the reason word for word", body = app::api::ErrorBody))
)]
async fn test(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Extension(ip): Extension<ClientIp>,
    body: Result<Json<TestRequest>, JsonRejection>,
) -> Result<Json<TestAnswer>, ApiError> {
    let Json(req) = body?;
    let action = Action::new("notify.test").target(&req.channel);
    let result = async {
        let ids = s.notifier.test(&req.channel, &actor.audit_name()).await.map_err(|e| {
            if e.starts_with("no channel") { ApiError::field("channel", e) } else { ApiError::Refused(e) }
        })?;
        let Some(&id) = ids.first() else { return Err(ApiError::Refused("the channel has no destination".into())) };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let row = db::deliveries::get(&s.db, id).await?;
            let status = row.as_ref().and_then(|r| app::text::parse(&r.status).ok()).unwrap_or(DeliveryStatus::Pending);
            if status != DeliveryStatus::Pending || Instant::now() >= deadline {
                let answer = row.and_then(|r| r.last_answer);
                return Ok(TestAnswer { channel: req.channel.clone(), delivery_id: Some(id), status, answer });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    .await;
    let detail =
        result.as_ref().ok().map(|a| format!("{}: {}", a.status.as_str(), a.answer.clone().unwrap_or_default()));
    audit::record(&s, Who::actor(&actor, &ip), action, &result, detail).await;
    result.map(Json)
}

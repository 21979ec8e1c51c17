//! Signal sources (admin): register one (its secret answered once), list them with their
//! recent activity and rejections (never a secret), change one (optionally a new secret), and
//! remove one. Every change is audited.

use crate::audit::{self, Action, Who};
use crate::auth::{Actor, ClientIp, secret};
use crate::db;
use crate::error::ApiError;
use crate::state::AppState;
use app::signal::{SourceActivity, SourceCreated, SourceRequest, SourceUpdate, SourceView};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Extension, Json, Router};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signal-sources", get(list).post(create))
        .route("/signal-sources/{name}", put(update).delete(remove))
}

/// Rejections shown per source.
const SHOWN_REJECTIONS: u64 = 10;
const DAY_MS: i64 = 24 * app::MS_PER_HOUR;

async fn view(s: &AppState, stored: db::sources::Stored) -> Result<SourceView, ApiError> {
    let name = stored.settings.name.clone();
    let since = s.clock.wall_ms() - DAY_MS;
    let activity = SourceActivity {
        last_signal_ms: db::signals::last_received(&s.db, &name).await?,
        last_24h: db::signals::counts_since(&s.db, &name, since).await?,
        recent_rejections: db::sources::rejections(&s.db, &name, SHOWN_REJECTIONS).await?,
    };
    Ok(SourceView { settings: stored.settings, created_ms: stored.created_ms, updated_ms: stored.updated_ms, activity })
}

#[utoipa::path(
    get,
    path = "/api/v1/signal-sources",
    operation_id = "sources_list",
    tag = "signals",
    responses((status = 200, description = "Every source with its activity; never a secret", body = Vec<app::signal::SourceView>))
)]
async fn list(State(s): State<AppState>) -> Result<Json<Vec<SourceView>>, ApiError> {
    let mut out = Vec::new();
    for stored in db::sources::all(&s.db).await? {
        out.push(view(&s, stored).await?);
    }
    Ok(Json(out))
}

/// A new signing secret: 32 random bytes, URL-safe base64, prefixed so it is recognisable.
fn new_secret() -> String {
    secret::generate("sig_")
}

#[utoipa::path(
    post,
    path = "/api/v1/signal-sources",
    operation_id = "sources_create",
    tag = "signals",
    request_body = app::signal::SourceRequest,
    responses((status = 201, description = "Registered: the secret, shown this once", body = app::signal::SourceCreated), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody))
)]
async fn create(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Extension(ip): Extension<ClientIp>,
    body: Result<Json<SourceRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<SourceCreated>), ApiError> {
    let Json(req) = body?;
    let action = Action::new("signal_source.create").target(&req.name).after(&req);
    let result = async {
        let errors = req.validate();
        if !errors.is_empty() {
            return Err(ApiError::Invalid(errors));
        }
        let secret = new_secret();
        if !db::sources::insert(&s.db, &req, &secret, s.clock.wall_ms()).await? {
            return Err(ApiError::field("name", format!("a source named {} exists", req.name)));
        }
        let stored = db::sources::get(&s.db, &req.name).await?.ok_or_else(|| ApiError::NotFound(req.name.clone()))?;
        Ok(SourceCreated { secret, source: view(&s, stored).await? })
    }
    .await;
    audit::record(&s, Who::actor(&actor, &ip), action, &result, None).await;
    result.map(|c| (StatusCode::CREATED, Json(c)))
}

#[utoipa::path(
    put,
    path = "/api/v1/signal-sources/{name}",
    operation_id = "sources_update",
    tag = "signals",
    request_body = app::signal::SourceUpdate,
    params(("name" = String, Path)),
    responses((status = 200, description = "Changed; `secret` is the new one when rotated, else empty", body = app::signal::SourceCreated), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody), (status = 404, description = "No such resource", body = app::api::ErrorBody))
)]
async fn update(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Extension(ip): Extension<ClientIp>,
    Path(name): Path<String>,
    body: Result<Json<SourceUpdate>, JsonRejection>,
) -> Result<Json<SourceCreated>, ApiError> {
    let Json(req) = body?;
    let before = db::sources::get(&s.db, &name).await?;
    let settings = req.settings(&name);
    let mut action = Action::new("signal_source.update").target(&name).after(&settings);
    if let Some(b) = &before {
        action = action.before(&b.settings);
    }
    if req.rotate_secret {
        action.after = action.after.map(|mut a| {
            a["rotate_secret"] = serde_json::json!(true);
            a
        });
    }
    let result = async {
        if before.is_none() {
            return Err(ApiError::NotFound(format!("no signal source named {name}")));
        }
        let errors = settings.validate();
        if !errors.is_empty() {
            return Err(ApiError::Invalid(errors));
        }
        let secret = req.rotate_secret.then(new_secret);
        db::sources::update(&s.db, &settings, secret.as_deref(), s.clock.wall_ms()).await?;
        let stored = db::sources::get(&s.db, &name).await?.ok_or_else(|| ApiError::NotFound(name.clone()))?;
        // The secret is answered only when it is new.
        Ok(SourceCreated { secret: secret.unwrap_or_default(), source: view(&s, stored).await? })
    }
    .await;
    audit::record(&s, Who::actor(&actor, &ip), action, &result, None).await;
    result.map(Json)
}

#[utoipa::path(
    delete,
    path = "/api/v1/signal-sources/{name}",
    operation_id = "sources_delete",
    tag = "signals",
    params(("name" = String, Path)),
    responses((status = 200, description = "Removed", body = serde_json::Value), (status = 404, description = "No such resource", body = app::api::ErrorBody))
)]
async fn remove(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Extension(ip): Extension<ClientIp>,
    Path(name): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let before = db::sources::get(&s.db, &name).await?;
    let mut action = Action::new("signal_source.delete").target(&name);
    if let Some(b) = &before {
        action = action.before(&b.settings);
    }
    let result = async {
        if !db::sources::delete(&s.db, &name).await? {
            return Err(ApiError::NotFound(format!("no signal source named {name}")));
        }
        Ok(serde_json::json!({ "deleted": name }))
    }
    .await;
    audit::record(&s, Who::actor(&actor, &ip), action, &result, None).await;
    result.map(Json)
}

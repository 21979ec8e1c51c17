//! API tokens for scripts (admins manage them): created with a role and an optional lifetime,
//! shown once, stored as a digest, revoked by id. A token acts as its owner, capped at its
//! own role.

use crate::audit::{self, Action, Who};
use crate::auth::{Actor, ClientIp};
use crate::db;
use crate::error::ApiError;
use crate::state::AppState;
use app::auth::{CreateTokenRequest, CreatedToken, TokenView};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::routing::{delete, get};
use axum::{Extension, Json, Router};

pub fn router() -> Router<AppState> {
    Router::new().route("/tokens", get(list).post(create)).route("/tokens/{id}", delete(revoke))
}

#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    operation_id = "tokens_list",
    tag = "auth",
    responses((status = 200, description = "Every API token (never a secret)", body = Vec<app::auth::TokenView>))
)]
async fn list(State(s): State<AppState>) -> Result<Json<Vec<TokenView>>, ApiError> {
    Ok(Json(db::users::list_tokens(&s.db).await?))
}

#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    operation_id = "tokens_create",
    tag = "auth",
    request_body = app::auth::CreateTokenRequest,
    responses((status = 200, description = "The token's secret, shown this once", body = app::auth::CreatedToken), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody))
)]
async fn create(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Extension(ip): Extension<ClientIp>,
    body: Result<Json<CreateTokenRequest>, JsonRejection>,
) -> Result<Json<CreatedToken>, ApiError> {
    let Json(req) = body?;
    let result = async {
        let name = req.name.trim();
        if name.is_empty() || name.len() > 64 {
            return Err(ApiError::field("name", "1 to 64 characters"));
        }
        if req.expires_days.is_some_and(|d| !(1..=3650).contains(&d)) {
            return Err(ApiError::field("expires_days", "must be 1 to 3650"));
        }
        if !actor.role.allows(req.role) {
            return Err(ApiError::field("role", format!("cannot exceed your own role ({})", actor.role)));
        }
        let now = s.clock.wall_ms();
        let expires_ms = req.expires_days.map(|d| now + i64::from(d) * 86_400_000);
        let (token, view) = crate::auth::issue_token(&s.db, name, req.role, &actor.username, now, expires_ms).await?;
        Ok(CreatedToken { token, view })
    }
    .await;
    let mut action = Action::new("token.create").target(req.name.trim());
    if let Ok(created) = &result {
        action = action.after(&created.view);
    }
    audit::record(&s, Who::actor(&actor, &ip), action, &result, None).await;
    result.map(Json)
}

#[utoipa::path(
    delete,
    path = "/api/v1/tokens/{id}",
    operation_id = "tokens_revoke",
    tag = "auth",
    params(("id" = i64, Path, description = "The token's id")),
    responses((status = 200, description = "Revoked", body = app::auth::TokenView), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody), (status = 404, description = "No such resource", body = app::api::ErrorBody))
)]
async fn revoke(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Extension(ip): Extension<ClientIp>,
    Path(id): Path<String>,
) -> Result<Json<TokenView>, ApiError> {
    let result = async {
        let id: i64 = id.parse().map_err(|_| ApiError::field("id", "must be a number"))?;
        let revoked = db::users::delete_token(&s.db, id).await?;
        s.auth.credentials_changed();
        revoked.ok_or_else(|| ApiError::NotFound(format!("no token {id}")))
    }
    .await;
    let mut action = Action::new("token.revoke").target(&id);
    if let Ok(view) = &result {
        action = action.before(view);
    }
    audit::record(&s, Who::actor(&actor, &ip), action, &result, None).await;
    result.map(Json)
}

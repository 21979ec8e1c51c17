//! Users (admins only): list, create, change role, reset password, disable. A new password or
//! disabling ends the user's sessions; the last active admin cannot be demoted or disabled.

use crate::audit::{self, Action, Who};
use crate::auth::{Actor, ClientIp, CreateUserError, password};
use crate::db;
use crate::error::ApiError;
use crate::state::AppState;
use app::auth::{CreateUserRequest, Role, UpdateUserRequest, UserView};
use app::params::FieldError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::routing::{get, put};
use axum::{Extension, Json, Router};

pub fn router() -> Router<AppState> {
    Router::new().route("/users", get(list).post(create)).route("/users/{username}", put(update))
}

#[utoipa::path(
    get,
    path = "/api/v1/users",
    operation_id = "users_list",
    tag = "auth",
    responses((status = 200, description = "Every user", body = Vec<app::auth::UserView>))
)]
async fn list(State(s): State<AppState>) -> Result<Json<Vec<UserView>>, ApiError> {
    Ok(Json(db::users::list(&s.db).await?))
}

fn field(field: &str, message: String) -> ApiError {
    ApiError::Invalid(vec![FieldError { field: field.into(), message }])
}

#[utoipa::path(
    post,
    path = "/api/v1/users",
    operation_id = "users_create",
    tag = "auth",
    request_body = app::auth::CreateUserRequest,
    responses((status = 200, description = "Created", body = app::auth::UserView), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody))
)]
async fn create(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Extension(ip): Extension<ClientIp>,
    body: Result<Json<CreateUserRequest>, JsonRejection>,
) -> Result<Json<UserView>, ApiError> {
    let Json(req) = body?;
    let now = s.clock.wall_ms();
    let result = async {
        crate::auth::create_user(&s.db, &req.username, &req.password, req.role, now).await.map_err(|e| match e {
            CreateUserError::Username(m) => field("username", m),
            CreateUserError::Password(m) => field("password", m),
            CreateUserError::Exists => field("username", "already taken".into()),
            CreateUserError::Hash(m) => ApiError::Internal(anyhow::anyhow!(m)),
            CreateUserError::Db(e) => e.into(),
        })?;
        db::users::find(&s.db, &req.username)
            .await?
            .map(|u| u.view)
            .ok_or_else(|| ApiError::NotFound("vanished".into()))
    }
    .await;
    let action = Action::new("user.create").target(&req.username);
    let action = match &result {
        Ok(view) => action.after(view),
        Err(_) => action,
    };
    audit::record(&s, Who::actor(&actor, &ip), action, &result, None).await;
    result.map(Json)
}

#[utoipa::path(
    put,
    path = "/api/v1/users/{username}",
    operation_id = "users_update",
    tag = "auth",
    request_body = app::auth::UpdateUserRequest,
    params(("username" = String, Path)),
    responses((status = 200, description = "Changed", body = app::auth::UserView), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody), (status = 404, description = "No such resource", body = app::api::ErrorBody))
)]
async fn update(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Extension(ip): Extension<ClientIp>,
    Path(username): Path<String>,
    body: Result<Json<UpdateUserRequest>, JsonRejection>,
) -> Result<Json<UserView>, ApiError> {
    let Json(req) = body?;
    let before = db::users::find(&s.db, &username).await?.map(|u| u.view);
    let result = apply(&s, &username, before.as_ref(), &req).await;
    let mut action = Action::new("user.update").target(&username);
    if let Some(b) = &before {
        action = action.before(b);
    }
    let mut after = result.as_ref().ok().and_then(|v| serde_json::to_value(v).ok());
    if let (Some(serde_json::Value::Object(map)), true) = (&mut after, req.password.is_some()) {
        // Never the password itself: only that it changed.
        map.insert("password".into(), "changed".into());
    }
    action.after = after;
    audit::record(&s, Who::actor(&actor, &ip), action, &result, None).await;
    result.map(Json)
}

async fn apply(
    s: &AppState,
    username: &str,
    before: Option<&UserView>,
    req: &UpdateUserRequest,
) -> Result<UserView, ApiError> {
    let Some(before) = before else { return Err(ApiError::NotFound(format!("no user {username}"))) };
    let mut errors = Vec::new();
    if let Some(p) = &req.password
        && let Err(m) = app::auth::validate_password(p)
    {
        errors.push(FieldError { field: "password".into(), message: m });
    }
    let demoted = req.role.is_some_and(|r| r != Role::Admin);
    if before.role == Role::Admin
        && !before.disabled
        && (demoted || req.disabled == Some(true))
        && db::users::other_active_admins(&s.db, username).await? == 0
    {
        let f = if demoted { "role" } else { "disabled" };
        errors.push(FieldError { field: f.into(), message: "the last active admin must stay an enabled admin".into() });
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let hash = match &req.password {
        Some(p) => {
            let p = p.clone();
            let hashed =
                tokio::task::spawn_blocking(move || password::hash(&p)).await.map_err(|e| anyhow::anyhow!(e))?;
            Some(hashed?)
        }
        None => None,
    };
    let ends_sessions = hash.is_some() || req.disabled == Some(true);
    let view = db::users::update(&s.db, username, req.role, hash, req.disabled)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no user {username}")))?;
    if ends_sessions {
        db::users::delete_sessions_of(&s.db, username).await?;
    }
    s.auth.credentials_changed();
    Ok(view)
}

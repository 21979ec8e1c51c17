//! `POST /auth/login`, `POST /auth/logout`, `GET /auth/me`. A login answers the user and sets
//! the session cookie; failures are throttled per username and per address, audited, and
//! worded the same whether the user exists or not.

use crate::audit::{self, Action, Who};
use crate::auth::{Actor, ClientIp, Via, password, secret};
use crate::db;
use crate::error::ApiError;
use crate::state::AppState;
use app::auth::{LoginRequest, Me};
use app::trading::{Kind, Level, Notification};
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use std::time::Instant;

pub fn router() -> Router<AppState> {
    Router::new().route("/auth/login", post(login)).route("/auth/logout", post(logout)).route("/auth/me", get(me))
}

const WRONG: &str = "wrong username or password";

#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    operation_id = "auth_login",
    tag = "auth",
    request_body = app::auth::LoginRequest,
    responses((status = 200, description = "Signed in: the user and the CSRF token; the session cookie is set", body = app::auth::Me), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody), (status = 401, description = "Wrong username or password", body = app::api::ErrorBody), (status = 429, description = "Too many failed logins; `Retry-After` says when to try again", body = app::api::ErrorBody))
)]
async fn login(
    State(s): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = body?;
    let username = req.username.trim().to_owned();
    if username.is_empty() {
        return Err(ApiError::field("username", "required"));
    }
    if req.password.is_empty() {
        return Err(ApiError::field("password", "required"));
    }
    let throttle = &s.auth.throttle;
    if let Err(wait) = throttle.check(&username, ip.0.as_deref(), Instant::now()) {
        let from = ip.0.as_deref().unwrap_or("an unknown address");
        let n = Notification::new(
            Level::Warning,
            Kind::LoginFailures,
            s.clock.wall_ms(),
            format!("Logins for {username} throttled"),
            format!("too many failed logins; a login from {from} was refused for {} s", wait.as_secs()),
        );
        s.notifier.publish(n.about(&username));
        let result: Result<(), ApiError> = Err(ApiError::Throttled { retry_after_secs: wait.as_secs() });
        let who = Who { name: "anonymous".into(), ip: &ip };
        audit::record(&s, who, Action::new("auth.login").target(&username), &result, None).await;
        return Err(result.unwrap_err());
    }
    let user = db::users::find(&s.db, &username).await?;
    let (password_text, stored) = (req.password, user.as_ref().map(|u| u.password_hash.clone()));
    // argon2 takes tens of milliseconds of CPU: off the async workers.
    let matches = tokio::task::spawn_blocking(move || match stored {
        Some(hash) => password::verify(&password_text, &hash),
        None => {
            password::verify_dummy(&password_text);
            false
        }
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))?;
    let user = user.filter(|u| matches && !u.view.disabled);
    let Some(user) = user else {
        throttle.failed(&username, ip.0.as_deref(), Instant::now());
        let result: Result<(), ApiError> = Err(ApiError::Unauthorized(WRONG.into()));
        let who = Who { name: "anonymous".into(), ip: &ip };
        audit::record(&s, who, Action::new("auth.login").target(&username), &result, None).await;
        return Err(result.unwrap_err());
    };
    throttle.succeeded(&username);
    let now = s.clock.wall_ms();
    let (session_id, csrf_token) = (secret::generate(""), secret::generate(""));
    let expires_ms = now + s.auth.session_ms;
    db::users::insert_session(&s.db, &secret::digest(&session_id), &username, &csrf_token, now, expires_ms).await?;
    db::users::set_last_login(&s.db, &username, now).await?;
    if let Err(e) = db::users::prune_sessions(&s.db, now).await {
        tracing::warn!(error = %e, "pruning expired sessions");
    }
    let me = Me {
        username: username.clone(),
        role: user.view.role,
        expires_ms: Some(expires_ms),
        csrf_token: Some(csrf_token),
    };
    let ok: Result<(), ApiError> = Ok(());
    let who = Who { name: username.clone(), ip: &ip };
    audit::record(&s, who, Action::new("auth.login").target(&username), &ok, Some(format!("role {}", me.role))).await;
    Ok(([(SET_COOKIE, s.auth.cookie(Some(&session_id)))], Json(me)).into_response())
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    operation_id = "auth_logout",
    tag = "auth",
    responses((status = 200, description = "Signed out; the session cookie is removed"))
)]
async fn logout(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Extension(ip): Extension<ClientIp>,
) -> Result<Response, ApiError> {
    if let Via::Session { id_hash, .. } = &actor.via {
        db::users::delete_session(&s.db, id_hash).await?;
        s.auth.credentials_changed();
    }
    let ok: Result<(), ApiError> = Ok(());
    audit::record(&s, Who::actor(&actor, &ip), Action::new("auth.logout").target(&actor.username), &ok, None).await;
    Ok(([(SET_COOKIE, s.auth.cookie(None))], Json(serde_json::json!({ "ok": true }))).into_response())
}

#[utoipa::path(
    get,
    path = "/api/v1/auth/me",
    operation_id = "auth_me",
    tag = "auth",
    responses((status = 200, description = "The caller", body = app::auth::Me))
)]
async fn me(Extension(actor): Extension<Actor>) -> Json<Me> {
    let (expires_ms, csrf_token) = match actor.via {
        Via::Session { expires_ms, csrf_token, .. } => (Some(expires_ms), Some(csrf_token)),
        Via::Token { expires_ms, .. } => (expires_ms, None),
    };
    Json(Me { username: actor.username, role: actor.role, expires_ms, csrf_token })
}

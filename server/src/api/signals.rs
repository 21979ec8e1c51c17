//! Signals: the intake (`POST /signals`), the list and one signal, and cancelling a pending one.
//!
//! The intake authenticates the request itself (the gate lets it through: see `auth::policy`):
//! a bearer token of the trader role, or a registered source's signature. It then checks the
//! body and the source's limits, stores the signal (once per source and signal id), hands it
//! to the engine and answers `202` with its record. Everything refused on the way is a 4xx that
//! names the field or the reason, logged with its source and kept in the source's rejections.

use crate::audit::{self, Action, Who};
use crate::auth::signature::{self, SignatureError};
use crate::auth::{Actor, ClientIp, middleware};
use crate::db;
use crate::db::signals::Intake;
use crate::engine::Command;
use crate::engine::signals::Signal;
use crate::error::ApiError;
use crate::state::AppState;
use app::auth::Role;
use app::params::FieldError;
use app::signal::{
    SIGNATURE_HEADER, SOURCE_HEADER, SignalAction, SignalQuery, SignalRecord, SignalRejection, SignalRequest,
    SourceLimits, SourceRequest, TIMESTAMP_HEADER,
};
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signals", get(list).post(receive))
        .route("/signals/{id}", get(one))
        .route("/signals/{id}/cancel", post(cancel))
}

/// Who sent a signal: the source it is attributed to, and its settings when it is a
/// registered source (a trader's token without `X-Source` has none: its role already allows
/// any open or close by hand).
struct Sender {
    source: String,
    settings: Option<SourceRequest>,
}

/// Answered to a request with neither credential.
const HOW: &str = "send `Authorization: Bearer <token>` of the trader role, or X-Source, X-Timestamp and X-Signature";

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[utoipa::path(
    post,
    path = "/api/v1/signals",
    operation_id = "signals_receive",
    tag = "signals",
    request_body = app::signal::SignalRequest,
    responses((status = 202, description = "Stored (or, sent again, the same record as it is now; `Idempotent-Replayed: true`); the platform works it from here", body = app::signal::SignalRecord), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody), (status = 401, description = "No valid credential: a trader's bearer token, or a source's signature within the window", body = app::api::ErrorBody), (status = 403, description = "Beyond the role or the source's limits; the reason names the field", body = app::api::ErrorBody), (status = 409, description = "Refused (by the engine, the risk gate or a rule); the reason word for word", body = app::api::ErrorBody))
)]
async fn receive(
    State(s): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let claimed = header(&headers, SOURCE_HEADER).map(str::to_owned);
    let sender = match authenticate(&s, &headers, &body).await {
        Ok(sender) => sender,
        Err((e, known)) => {
            // Only a registered source's failures are kept (anyone can claim a name).
            let source = known.then(|| claimed.clone()).flatten();
            return Err(refused(&s, source.as_deref(), None, &ip, e).await);
        }
    };
    let signal_id = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("signal_id").and_then(|i| i.as_str()).map(str::to_owned));
    match accept(&s, &sender, &body).await {
        Ok(response) => Ok(response),
        Err(e) => Err(refused(&s, Some(&sender.source), signal_id, &ip, e).await),
    }
}

/// Log a refusal with its source, and keep it among the source's rejections.
async fn refused(
    s: &AppState,
    source: Option<&str>,
    signal_id: Option<String>,
    ip: &ClientIp,
    e: ApiError,
) -> ApiError {
    let (status, field, reason) = describe(&e);
    tracing::warn!(source = source.unwrap_or("-"), ip = ip.0.as_deref().unwrap_or("-"), %status, reason, "signal refused");
    if let Some(source) = source {
        let r = SignalRejection {
            time_ms: s.clock.wall_ms(),
            source: source.to_owned(),
            signal_id,
            status: status.as_u16(),
            field,
            reason,
        };
        if let Err(err) = db::sources::reject(&s.db, &r).await {
            tracing::error!(error = %err, "could not keep a signal rejection");
        }
    }
    e
}

fn describe(e: &ApiError) -> (StatusCode, Option<String>, String) {
    match e {
        ApiError::BadRequest { field, message } => (StatusCode::BAD_REQUEST, field.clone(), message.clone()),
        ApiError::Invalid(f) => (
            StatusCode::BAD_REQUEST,
            f.first().map(|x| x.field.clone()),
            f.iter().map(|x| format!("{}: {}", x.field, x.message)).collect::<Vec<_>>().join("; "),
        ),
        ApiError::Unauthorized(m) => (StatusCode::UNAUTHORIZED, None, m.clone()),
        ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, None, m.clone()),
        ApiError::Refused(m) => (StatusCode::CONFLICT, None, m.clone()),
        ApiError::NotFound(m) => (StatusCode::NOT_FOUND, None, m.clone()),
        other => (StatusCode::INTERNAL_SERVER_ERROR, None, other.to_string()),
    }
}

/// Bearer token or signature. The error says whether the claimed source is registered.
async fn authenticate(s: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<Sender, (ApiError, bool)> {
    let source_name = header(headers, SOURCE_HEADER);
    if headers.contains_key(header::AUTHORIZATION) {
        // Exactly as the gate identifies a token; never a session cookie here.
        let actor = middleware::identify(&s.gate(), headers).await.map_err(|e| (e, false))?;
        let Some(actor) = actor else { return Err((ApiError::Unauthorized(HOW.into()), false)) };
        if !actor.role.allows(Role::Trader) {
            let msg = format!("POST /api/v1/signals needs the trader role; {} is a {}", actor.audit_name(), actor.role);
            return Err((ApiError::Forbidden(msg), false));
        }
        return match source_name {
            // A token may speak for a registered source, and is then held to its limits.
            Some(name) => {
                let stored = registered(s, name).await?;
                Ok(Sender { source: name.to_owned(), settings: Some(stored.settings) })
            }
            None => Ok(Sender { source: actor.audit_name(), settings: None }),
        };
    }
    let Some(name) = source_name else { return Err((ApiError::Unauthorized(HOW.into()), false)) };
    let stored = registered(s, name).await?;
    let unauthorized = |m: String| (ApiError::Unauthorized(m), true);
    let Some(timestamp) = header(headers, TIMESTAMP_HEADER) else {
        return Err(unauthorized("X-Timestamp is missing".into()));
    };
    let Some(sig) = header(headers, SIGNATURE_HEADER) else {
        return Err(unauthorized("X-Signature is missing".into()));
    };
    let now = s.clock.wall_ms();
    signature::verify(&stored.secret, timestamp, body, sig, now, s.signals.window_secs)
        .map_err(|e: SignatureError| unauthorized(e.to_string()))?;
    Ok(Sender { source: name.to_owned(), settings: Some(stored.settings) })
}

/// A registered, enabled source.
async fn registered(s: &AppState, name: &str) -> Result<db::sources::Stored, (ApiError, bool)> {
    let stored = db::sources::get(&s.db, name).await.map_err(|e| (ApiError::from(e), false))?;
    match stored {
        None => Err((ApiError::Unauthorized(format!("no signal source named {name:?}")), false)),
        Some(st) if st.settings.disabled => {
            Err((ApiError::Unauthorized(format!("signal source {name} is disabled")), true))
        }
        Some(st) => Ok(st),
    }
}

/// Check, store, hand to the engine, answer.
async fn accept(s: &AppState, sender: &Sender, body: &[u8]) -> Result<Response, ApiError> {
    let Json(req) = Json::<SignalRequest>::from_bytes(body)?;
    let mut errors = req.validate();
    if let Some(sym) = &req.symbol
        && !s.collector.read(|c| c.symbols().iter().any(|i| &i.symbol == sym))
    {
        errors.push(FieldError { field: "symbol".into(), message: format!("{sym} is not listed on the venues") });
    }
    let now = s.clock.wall_ms();
    if req.expires_at_ms.is_some_and(|t| t > 0 && t <= now) {
        errors.push(FieldError { field: "expires_at_ms".into(), message: "is already past".into() });
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let limits = match &sender.settings {
        Some(settings) => {
            if let Some(no) = settings.refusal(&req) {
                return Err(ApiError::Forbidden(format!("{}: {}", no.field, no.message)));
            }
            settings.limits()
        }
        None => SourceLimits { strategies: vec![req.strategy.clone()], ..SourceLimits::default() },
    };
    if let Some(v) = s.venues.iter().find(|v| !v.can_trade()) {
        return Err(ApiError::Refused(format!("{} runs read-only: configure its keys to trade", v.venue())));
    }
    let expires = (req.action == SignalAction::Open)
        .then(|| req.expires_at_ms.unwrap_or(now + 1000 * i64::try_from(s.signals.open_expiry_secs).unwrap_or(300)));
    let intake = db::signals::insert_received(&s.db, &sender.source, &req, expires, now, |record| {
        serde_json::to_value(Signal::new(record.clone(), limits.clone())).unwrap_or_default()
    })
    .await?;
    let (record, replayed) = match intake {
        Intake::New(record) => {
            let id = record.id;
            // Stored: should the engine not take it now (stopping), the next start resumes it.
            if let Err(e) = s.engine.command(Command::Signal(Box::new(Signal::new(record.clone(), limits)))).await {
                tracing::warn!(id, error = %e, "signal stored; the engine will take it at its next start");
            }
            (current(s, id).await?.unwrap_or(record), false)
        }
        Intake::Seen(record) => (current(s, record.id).await?.unwrap_or(record), true),
    };
    let mut response = (StatusCode::ACCEPTED, Json(record)).into_response();
    if replayed {
        response.headers_mut().insert("idempotent-replayed", header::HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// A signal as the engine holds it now, else as last stored.
async fn current(s: &AppState, id: i64) -> Result<Option<SignalRecord>, ApiError> {
    if let Some(r) = s.engine.read(|v| v.signals.get(&id).cloned()) {
        return Ok(Some(r));
    }
    Ok(db::signals::get(&s.db, id).await?)
}

#[utoipa::path(
    get,
    path = "/api/v1/signals",
    operation_id = "signals_list",
    tag = "signals",
    params(app::signal::SignalQuery),
    responses((status = 200, description = "Newest first", body = Vec<app::signal::SignalRecord>), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody))
)]
async fn list(
    State(s): State<AppState>,
    q: Result<Query<SignalQuery>, QueryRejection>,
) -> Result<Json<Vec<SignalRecord>>, ApiError> {
    let Query(q) = q?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", format!("must be 1 to 500, got {limit}")));
    }
    Ok(Json(db::signals::list(&s.db, &q, u64::from(limit)).await?))
}

fn signal_id(id: &str) -> Result<i64, ApiError> {
    id.parse().map_err(|_| ApiError::field("id", "a signal's id is a number (the record's `id`)"))
}

#[utoipa::path(
    get,
    path = "/api/v1/signals/{id}",
    operation_id = "signals_get",
    tag = "signals",
    params(("id" = i64, Path, description = "The record's id")),
    responses((status = 200, description = "The signal", body = app::signal::SignalRecord), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody), (status = 404, description = "No such resource", body = app::api::ErrorBody))
)]
async fn one(State(s): State<AppState>, Path(id): Path<String>) -> Result<Json<SignalRecord>, ApiError> {
    let id = signal_id(&id)?;
    current(&s, id).await?.map(Json).ok_or_else(|| ApiError::NotFound(format!("no signal {id}")))
}

#[utoipa::path(
    post,
    path = "/api/v1/signals/{id}/cancel",
    operation_id = "signals_cancel",
    tag = "signals",
    params(("id" = i64, Path, description = "The record's id")),
    responses((status = 200, description = "Cancelled", body = app::signal::SignalRecord), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody), (status = 404, description = "No such resource", body = app::api::ErrorBody), (status = 409, description = "Refused (by the engine, the risk gate or a rule); the reason word for word", body = app::api::ErrorBody))
)]
async fn cancel(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Extension(ip): Extension<ClientIp>,
    Path(id): Path<String>,
) -> Result<Json<SignalRecord>, ApiError> {
    let id = signal_id(&id)?;
    let before = current(&s, id).await?;
    let mut action = Action::new("signal.cancel").target(id);
    if let Some(b) = &before {
        action =
            action.before(&serde_json::json!({ "status": b.status, "source": b.source, "signal_id": b.signal_id }));
    }
    let result = async {
        if before.is_none() {
            return Err(ApiError::NotFound(format!("no signal {id}")));
        }
        s.engine.command(Command::CancelSignal { id, by: actor.audit_name() }).await?;
        current(&s, id).await?.ok_or_else(|| ApiError::NotFound(format!("no signal {id}")))
    }
    .await;
    let action = match &result {
        Ok(r) => action.after(&serde_json::json!({ "status": r.status, "reason": r.reason })),
        Err(_) => action,
    };
    audit::record(&s, Who::actor(&actor, &ip), action, &result, None).await;
    result.map(Json)
}

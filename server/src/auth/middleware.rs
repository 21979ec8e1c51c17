//! The one gate every request passes: identify the caller (session cookie or bearer token),
//! then apply the route's [`policy`](super::policy). Browser sessions must also come from our
//! own origin and, to change anything, carry the session's CSRF token.

use super::cache::Key;
use super::{Actor, CSRF_HEADER, ClientIp, Gate, SESSION_COOKIE, Via, policy, secret};
use crate::db;
use crate::error::ApiError;
use app::TimestampMs;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

/// Token last-use times are written at most this often.
const TOUCH_EVERY_MS: i64 = 60_000;

pub async fn authenticate(State(s): State<Gate>, mut req: Request, next: Next) -> Response {
    match check(&s, &mut req).await {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

async fn check(s: &Gate, req: &mut Request) -> Result<(), ApiError> {
    let access = policy::required(req.method(), req.uri().path());
    let ip = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
    req.extensions_mut().insert(ClientIp(ip));
    let policy::Access::Needs(needed) = access else { return Ok(()) };
    let actor = identify(s, req.headers()).await?.ok_or_else(|| ApiError::Unauthorized("log in first".into()))?;
    if let Via::Session { csrf_token, .. } = &actor.via {
        same_origin(req.headers())?;
        if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
            let sent = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
            if !secret::equal(sent, csrf_token) {
                return Err(ApiError::Forbidden("missing or wrong X-CSRF-Token header".into()));
            }
        }
    }
    if !actor.role.allows(needed) {
        return Err(ApiError::Forbidden(format!(
            "{} {} needs the {needed} role; {} is a {}",
            req.method(),
            req.uri().path(),
            actor.audit_name(),
            actor.role
        )));
    }
    req.extensions_mut().insert(actor);
    Ok(())
}

/// The caller, from a bearer token or the session cookie; `None` when neither is valid.
/// Recently resolved credentials come from the cache (`cache` says when it is emptied).
pub async fn identify(s: &Gate, headers: &HeaderMap) -> Result<Option<Actor>, ApiError> {
    let now = s.clock.wall_ms();
    let key = match headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        Some(auth) => {
            let Some(token) = auth.strip_prefix("Bearer ") else {
                return Err(ApiError::Unauthorized("Authorization must be `Bearer <token>`".into()));
            };
            Key::Token(secret::digest(token.trim()))
        }
        None => match cookie(headers, SESSION_COOKIE) {
            Some(id) => Key::Session(secret::digest(id)),
            None => return Ok(None),
        },
    };
    let cache = &s.auth.credentials;
    if let Some(actor) = cache.get(&key, now) {
        return Ok(Some(actor));
    }
    let generation = cache.generation();
    let actor = resolve(s, &key, now).await?;
    if let Some(a) = &actor {
        cache.insert(key, generation, a.clone());
    }
    Ok(actor)
}

/// Ask the database who `key` is.
async fn resolve(s: &Gate, key: &Key, now: TimestampMs) -> Result<Option<Actor>, ApiError> {
    let id_hash = match key {
        Key::Session(id_hash) => id_hash,
        Key::Token(digest) => {
            let Some(t) = db::users::find_token(&s.db, digest, now).await? else {
                return Err(ApiError::Unauthorized("unknown, revoked or expired API token".into()));
            };
            // A token never outranks its owner as the owner is now (demoted or disabled: less).
            let owner = db::users::find(&s.db, &t.owner).await?.filter(|u| !u.view.disabled);
            let Some(owner) = owner else {
                return Err(ApiError::Unauthorized("the token's owner is disabled or gone".into()));
            };
            // Cached answers skip this, so last use is written when the entry is re-read:
            // at most `cache::TRUST_FOR` later than now, and still at most once a minute.
            if t.last_used_ms.is_none_or(|u| now - u > TOUCH_EVERY_MS) {
                db::users::touch_token(&s.db, t.id, now).await?;
            }
            let role = t.role.min(owner.view.role);
            let via = Via::Token { id: t.id, name: t.name, expires_ms: t.expires_ms };
            return Ok(Some(Actor { username: t.owner, role, via }));
        }
    };
    Ok(db::users::find_session(&s.db, id_hash, now).await?.map(|(session, user)| Actor {
        username: user.view.username,
        role: user.view.role,
        via: Via::Session { id_hash: id_hash.clone(), csrf_token: session.csrf_token, expires_ms: session.expires_ms },
    }))
}

/// A cookie's value from the `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A browser names the page that sent a request in `Origin` (always for WebSockets and
/// cross-site requests): it must be this server. Non-browser clients send none.
fn same_origin(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return Ok(()) };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
    if origin_host.eq_ignore_ascii_case(host) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!("cross-origin request from {origin} refused")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn reads_cookies_and_checks_origins() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("theme=dark; arb_session=abc123; x=y"));
        assert_eq!(cookie(&h, "arb_session"), Some("abc123"));
        assert_eq!(cookie(&h, "missing"), None);
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(same_origin(&h).is_ok(), "no Origin: not a cross-site browser request");
        h.insert(header::ORIGIN, HeaderValue::from_static("http://127.0.0.1:8080"));
        assert!(same_origin(&h).is_ok());
        h.insert(header::ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(same_origin(&h).is_err());
    }
}

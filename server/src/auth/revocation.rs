//! Open WebSocket streams outlive the request that authenticated them, so each stream also
//! watches its credentials: re-checked whenever a session, user or token changes (logout,
//! role change, disabling, revocation) and every minute (expiry, changes made by the CLI).
//! The stream closes as soon as its caller could no longer open it.

use super::{Actor, Gate, Via};
use crate::db;
use app::auth::Role;
use std::time::Duration;

const RECHECK_EVERY: Duration = Duration::from_secs(60);

/// Completes when `actor` may no longer read streams.
pub async fn revoked(s: Gate, actor: Actor) {
    let mut changes = s.auth.changes.subscribe();
    let mut tick = tokio::time::interval(RECHECK_EVERY);
    tick.tick().await;
    loop {
        tokio::select! {
            changed = changes.changed() => if changed.is_err() { return std::future::pending().await },
            _ = tick.tick() => {}
        }
        if !still_valid(&s, &actor).await {
            tracing::info!(user = %actor.audit_name(), "closing a stream whose credentials ended");
            return;
        }
    }
}

async fn still_valid(s: &Gate, actor: &Actor) -> bool {
    let now = s.clock.wall_ms();
    let owner_ok =
        |u: Option<db::users::StoredUser>| u.is_some_and(|u| !u.view.disabled && u.view.role >= Role::Viewer);
    let result = match &actor.via {
        Via::Session { id_hash, .. } => db::users::find_session(&s.db, id_hash, now).await.map(|f| f.is_some()),
        Via::Token { id, .. } => match db::users::token_by_id(&s.db, *id, now).await {
            Ok(Some(t)) => db::users::find(&s.db, &t.owner).await.map(owner_ok),
            Ok(None) => Ok(false),
            Err(e) => Err(e),
        },
    };
    // A database hiccup is not a revocation: keep the stream, check again later.
    result.unwrap_or(true)
}

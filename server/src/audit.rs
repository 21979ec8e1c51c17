//! Writing the audit trail from handlers: one entry per manual action, with its outcome
//! taken from the handler's own result, so refusals are recorded as faithfully as successes.

use crate::auth::{Actor, ClientIp};
use crate::error::ApiError;
use crate::state::AppState;
use app::audit::{AuditEntry, AuditOutcome};
use serde::Serialize;

/// What an action did: its name, what it acted on, and the state before and after.
#[derive(Debug, Default)]
pub struct Action {
    pub action: &'static str,
    pub target: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl Action {
    pub fn new(action: &'static str) -> Self {
        Self { action, ..Self::default() }
    }

    pub fn target(mut self, target: impl ToString) -> Self {
        self.target = Some(target.to_string());
        self
    }

    pub fn before(mut self, v: &impl Serialize) -> Self {
        self.before = serde_json::to_value(v).ok();
        self
    }

    pub fn after(mut self, v: &impl Serialize) -> Self {
        self.after = serde_json::to_value(v).ok();
        self
    }
}

/// Who did it, as the audit log names them.
pub struct Who<'a> {
    pub name: String,
    pub ip: &'a ClientIp,
}

impl<'a> Who<'a> {
    pub fn actor(actor: &Actor, ip: &'a ClientIp) -> Self {
        Self { name: actor.audit_name(), ip }
    }
}

/// Record `action` with the outcome of `result`; `detail` describes a success.
pub async fn record<T>(
    s: &AppState,
    who: Who<'_>,
    action: Action,
    result: &Result<T, ApiError>,
    detail: Option<String>,
) {
    let (outcome, detail) = match result {
        Ok(_) => (AuditOutcome::Ok, detail),
        Err(ApiError::Internal(e)) => (AuditOutcome::Failed, Some(e.to_string())),
        Err(e) => (AuditOutcome::Refused, Some(refusal(e))),
    };
    let entry = AuditEntry {
        id: 0,
        time_ms: s.clock.wall_ms(),
        actor: who.name,
        action: action.action.to_owned(),
        target: action.target,
        before: action.before,
        after: action.after,
        outcome,
        detail,
        ip: who.ip.0.clone(),
    };
    if let Err(e) = crate::db::audit::insert(&s.db, &entry).await {
        tracing::error!(error = %e, action = entry.action, actor = entry.actor, "could not write the audit log");
    }
}

fn refusal(e: &ApiError) -> String {
    match e {
        ApiError::Invalid(fields) => {
            fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ")
        }
        ApiError::BadRequest { field: Some(f), message } => format!("{f}: {message}"),
        other => other.to_string(),
    }
}

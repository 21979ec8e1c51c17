//! The audit trail: every login and every manual action, with who, when, what (before and
//! after) and how it ended. Admins read it (`GET /api/v1/audit`).

use crate::TimestampMs;
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub time_ms: TimestampMs,
    /// Username, `token:<name>` for an API token, or `anonymous` for a failed login.
    pub actor: String,
    /// Dotted action name, e.g. `auth.login`, `order.open`, `position.close`, `config.update`.
    pub action: String,
    /// What it acted on (a position id, a username, a parameter version), when there is one.
    #[serde(default)]
    pub target: Option<String>,
    #[serde(default)]
    pub before: Option<serde_json::Value>,
    #[serde(default)]
    pub after: Option<serde_json::Value>,
    pub outcome: AuditOutcome,
    /// The refusal or error message, or the engine's acknowledgement.
    #[serde(default)]
    pub detail: Option<String>,
    /// The client's address, when known.
    #[serde(default)]
    pub ip: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    Ok,
    /// Refused: bad input, not allowed, or the engine said no.
    Refused,
    /// Failed inside the server.
    Failed,
}

impl AuditOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Ok => "ok",
            AuditOutcome::Refused => "refused",
            AuditOutcome::Failed => "failed",
        }
    }
}

/// `GET /api/v1/audit` filters; newest first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams), into_params(parameter_in = Query))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    pub actor: Option<String>,
    /// Exact action, or a prefix ending in `.` (`order.`).
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub before_id: Option<i64>,
    #[serde(default)]
    pub limit: Option<u64>,
}

//! The signals contract: what a research program sends (`POST /api/v1/signals`), the record the
//! platform keeps of it and answers with, its statuses, and the signal sources an admin
//! registers with their limits. Checks that need no server state are here, so the browser and
//! the examples can run them too.

use crate::TimestampMs;
use crate::funding::SpreadDirection;
use crate::ids::{PositionId, Symbol};
use crate::money::Usd;
use crate::params::FieldError;
use crate::strategy::{ExitRules, NAME_RULE, StrategyId, name_ok};
use crate::symbols::Pattern;
use crate::trading::{SLICES, SLIPPAGE_CAP_BPS};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The source header of a signed request, its timestamp (unix ms) and its signature:
/// `hex(HMAC-SHA256(secret, "<X-Timestamp>\n<exact body bytes>"))`.
pub const SOURCE_HEADER: &str = "x-source";
pub const TIMESTAMP_HEADER: &str = "x-timestamp";
pub const SIGNATURE_HEADER: &str = "x-signature";

/// The bytes a source signs: the timestamp header's text, a line feed, the exact body.
pub fn signing_string(timestamp: &str, body: &[u8]) -> Vec<u8> {
    let mut s = Vec::with_capacity(timestamp.len() + 1 + body.len());
    s.extend_from_slice(timestamp.as_bytes());
    s.push(b'\n');
    s.extend_from_slice(body);
    s
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalAction {
    Open,
    /// All of a position, or `percent` of it.
    Close,
}

/// Where a signal is. `received` and `executing` are pending; the rest are final.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalStatus {
    /// Stored; waiting for its turn (signals of one strategy and symbol run in order) or for
    /// a retry.
    Received,
    /// Its open or close is running, or waiting to be tried again after a transient failure.
    Executing,
    Done,
    /// Could not be carried out; `reason` says why.
    Failed,
    /// An open that could not be done before its expiry.
    Expired,
    /// Cancelled by a person.
    Cancelled,
    /// Refused by the engine or the risk gate; `reason` is the refusal, word for word.
    Rejected,
}

impl SignalStatus {
    pub const ALL: [SignalStatus; 7] = [
        SignalStatus::Received,
        SignalStatus::Executing,
        SignalStatus::Done,
        SignalStatus::Failed,
        SignalStatus::Expired,
        SignalStatus::Cancelled,
        SignalStatus::Rejected,
    ];

    pub fn is_final(self) -> bool {
        !matches!(self, SignalStatus::Received | SignalStatus::Executing)
    }

    pub fn name(self) -> String {
        crate::text::name(&self)
    }
}

/// The body of `POST /api/v1/signals`. Only the fields the action needs are required: an open
/// names `symbol`, `direction` and `notional`; a close names `position_id`, or `symbol` for the
/// strategy's position in it, and optionally `percent` (100 by default).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalRequest {
    /// The source's own id for the signal: sending it again returns the same record.
    pub signal_id: String,
    pub strategy: StrategyId,
    pub action: SignalAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<Symbol>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<SpreadDirection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notional: Option<Usd>,
    /// Close only: above 0, at most 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position_id: Option<PositionId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slices: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slippage_cap_bps: Option<u32>,
    /// Unix ms after which an open that has not started is given up (`expired`). Closes never
    /// expire: they run until the position is flat or a person cancels them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at_ms: Option<TimestampMs>,
}

/// Longest `signal_id`.
pub const MAX_SIGNAL_ID: usize = 64;

fn err(errors: &mut Vec<FieldError>, field: &str, message: impl Into<String>) {
    errors.push(FieldError { field: field.to_owned(), message: message.into() });
}

impl SignalRequest {
    /// Every field that is missing, not allowed for the action, or out of bounds.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        let id_ok = !self.signal_id.is_empty()
            && self.signal_id.len() <= MAX_SIGNAL_ID
            && self.signal_id.chars().all(|c| c.is_ascii_alphanumeric() || "._:-".contains(c));
        if !id_ok {
            err(&mut e, "signal_id", format!("must be 1 to {MAX_SIGNAL_ID} letters, digits, '.', '_', ':' or '-'"));
        }
        if self.strategy.is_builtin() {
            err(&mut e, "strategy", format!("`{}` is built in; signals name their own strategy", self.strategy));
        }
        match self.action {
            SignalAction::Open => {
                if self.symbol.is_none() {
                    err(&mut e, "symbol", "an open needs a symbol");
                }
                if self.direction.is_none() {
                    err(&mut e, "direction", "an open needs a direction");
                }
                match self.notional {
                    None => err(&mut e, "notional", "an open needs a notional"),
                    Some(n) if n <= Usd::ZERO => err(&mut e, "notional", "must be positive"),
                    Some(_) => {}
                }
                if self.percent.is_some() {
                    err(&mut e, "percent", "is for a close");
                }
                if self.position_id.is_some() {
                    err(&mut e, "position_id", "is for a close");
                }
            }
            SignalAction::Close => {
                if self.position_id.is_none() && self.symbol.is_none() {
                    err(&mut e, "position_id", "a close needs a position_id, or a symbol for the strategy's position");
                }
                if let Some(p) = self.percent
                    && (p <= Decimal::ZERO || p > Decimal::ONE_HUNDRED)
                {
                    err(&mut e, "percent", "must be above 0 and at most 100");
                }
                for (field, present) in [("direction", self.direction.is_some()), ("notional", self.notional.is_some())]
                {
                    if present {
                        err(&mut e, field, "is for an open");
                    }
                }
            }
        }
        range(&mut e, "slices", self.slices, SLICES);
        range(&mut e, "slippage_cap_bps", self.slippage_cap_bps, SLIPPAGE_CAP_BPS);
        if self.expires_at_ms.is_some_and(|t| t <= 0) {
            err(&mut e, "expires_at_ms", "must be a time in ms since 1970-01-01");
        }
        e
    }
}

fn range(errors: &mut Vec<FieldError>, field: &str, v: Option<u32>, (lo, hi): (u32, u32)) {
    if let Some(v) = v
        && !(lo..=hi).contains(&v)
    {
        err(errors, field, format!("must be {lo} to {hi}, got {v}"));
    }
}

/// A signal as the platform keeps it: `GET /api/v1/signals/{id}`, the `202` of an intake, and
/// the `/ws/signals` stream. Times are wall-clock unix ms.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignalRecord {
    /// Our id (the path's `{id}`).
    pub id: i64,
    pub signal_id: String,
    pub source: String,
    pub strategy: StrategyId,
    pub action: SignalAction,
    pub status: SignalStatus,
    /// Why it is where it is: a refusal word for word, the last transient failure, who cancelled.
    pub reason: Option<String>,
    /// Positions it opened or closed.
    pub positions: Vec<PositionId>,
    /// Opens or closes started for it (retries count).
    pub attempts: u32,
    pub symbol: Option<Symbol>,
    pub direction: Option<SpreadDirection>,
    pub notional: Option<Usd>,
    pub percent: Option<Decimal>,
    pub position_id: Option<PositionId>,
    pub slices: Option<u32>,
    pub slippage_cap_bps: Option<u32>,
    /// When an open gives up; for a close, none.
    pub expires_at_ms: Option<TimestampMs>,
    pub received_ms: TimestampMs,
    pub updated_ms: TimestampMs,
}

impl SignalRecord {
    /// A newly stored signal; `expires_at_ms` is the effective expiry (the default applied).
    pub fn received(id: i64, source: &str, req: &SignalRequest, expires_at_ms: Option<TimestampMs>, now: i64) -> Self {
        Self {
            id,
            signal_id: req.signal_id.clone(),
            source: source.to_owned(),
            strategy: req.strategy.clone(),
            action: req.action,
            status: SignalStatus::Received,
            reason: None,
            positions: Vec::new(),
            attempts: 0,
            symbol: req.symbol.clone(),
            direction: req.direction,
            notional: req.notional,
            percent: req.percent,
            position_id: req.position_id,
            slices: req.slices,
            slippage_cap_bps: req.slippage_cap_bps,
            expires_at_ms: if req.action == SignalAction::Open { expires_at_ms } else { None },
            received_ms: now,
            updated_ms: now,
        }
    }
}

/// Filters of `GET /api/v1/signals`, all optional; newest first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams), into_params(parameter_in = Query))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<SignalStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<StrategyId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// 1 to 500 (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// What a source may do: the strategies it signs for, the symbols (`["*"]` for all, or
/// patterns such as `"*DOWN*"`), the largest notional of one open and of all its strategies'
/// open positions together, and the actions. Its strategies' positions take its exits.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRequest {
    pub name: String,
    pub strategies: Vec<StrategyId>,
    pub symbols: Vec<Pattern>,
    /// Largest notional of one open signal.
    pub max_notional: Usd,
    /// Largest notional its strategies may hold open together; no limit when absent.
    #[serde(default)]
    pub max_total_notional: Option<Usd>,
    pub actions: Vec<SignalAction>,
    #[serde(default)]
    pub exits: ExitRules,
    /// A disabled source's signals are refused (401) until it is enabled again.
    #[serde(default)]
    pub disabled: bool,
}

impl SourceRequest {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        if !name_ok(&self.name) || self.name.starts_with("token-") {
            err(&mut e, "name", format!("{NAME_RULE}, and not start with `token-`"));
        }
        if self.strategies.is_empty() {
            err(&mut e, "strategies", "name at least one strategy");
        }
        if let Some(s) = self.strategies.iter().find(|s| s.is_builtin()) {
            err(&mut e, "strategies", format!("`{s}` is built in; a source signs for its own strategies"));
        }
        if self.symbols.is_empty() {
            err(&mut e, "symbols", "name at least one symbol, or [\"*\"] for all");
        }
        if self.max_notional <= Usd::ZERO {
            err(&mut e, "max_notional", "must be positive");
        }
        if let Some(t) = self.max_total_notional
            && t < self.max_notional
        {
            err(&mut e, "max_total_notional", "must be at least max_notional");
        }
        if self.actions.is_empty() {
            err(&mut e, "actions", "name at least one of open, close");
        }
        e.extend(self.exits.validate("exits.close_after_hours"));
        e
    }

    /// The limits that travel with each of the source's signals to the engine.
    pub fn limits(&self) -> SourceLimits {
        SourceLimits {
            strategies: self.strategies.clone(),
            max_total_notional: self.max_total_notional,
            exits: self.exits,
        }
    }

    /// Why the source may not send `req`, if it may not: the field and the reason.
    pub fn refusal(&self, req: &SignalRequest) -> Option<FieldError> {
        let no = |field: &str, message: String| Some(FieldError { field: field.to_owned(), message });
        if !self.strategies.contains(&req.strategy) {
            return no("strategy", format!("source {} may not sign for strategy {}", self.name, req.strategy));
        }
        if !self.actions.contains(&req.action) {
            return no(
                "action",
                format!("source {} may not send {} signals", self.name, crate::text::name(&req.action)),
            );
        }
        if let Some(s) = &req.symbol
            && !self.symbols.iter().any(|p| p.matches(s.as_str()))
        {
            return no("symbol", format!("source {} may not trade {s}", self.name));
        }
        if let Some(n) = req.notional
            && n > self.max_notional
        {
            return no(
                "notional",
                format!(
                    "{} USD is above source {}'s limit of {} USD per signal",
                    n.value(),
                    self.name,
                    self.max_notional.value()
                ),
            );
        }
        None
    }
}

/// The part of a source's settings the engine applies when it executes the source's signals.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceLimits {
    pub strategies: Vec<StrategyId>,
    pub max_total_notional: Option<Usd>,
    pub exits: ExitRules,
}

/// A registered source as `GET /api/v1/signal-sources` lists it: never its secret.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceView {
    pub settings: SourceRequest,
    pub created_ms: TimestampMs,
    pub updated_ms: TimestampMs,
    pub activity: SourceActivity,
}

/// The answer to registering a source (or rotating its secret): the secret, shown this once.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceCreated {
    pub secret: String,
    pub source: SourceView,
}

/// `PUT /api/v1/signal-sources/{name}`: new settings, and a new secret if asked.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceUpdate {
    pub strategies: Vec<StrategyId>,
    pub symbols: Vec<Pattern>,
    pub max_notional: Usd,
    #[serde(default)]
    pub max_total_notional: Option<Usd>,
    pub actions: Vec<SignalAction>,
    #[serde(default)]
    pub exits: ExitRules,
    #[serde(default)]
    pub disabled: bool,
    /// Issue a new secret (answered once); the old one stops working at once.
    #[serde(default)]
    pub rotate_secret: bool,
}

impl SourceUpdate {
    pub fn settings(&self, name: &str) -> SourceRequest {
        SourceRequest {
            name: name.to_owned(),
            strategies: self.strategies.clone(),
            symbols: self.symbols.clone(),
            max_notional: self.max_notional,
            max_total_notional: self.max_total_notional,
            actions: self.actions.clone(),
            exits: self.exits,
            disabled: self.disabled,
        }
    }
}

/// A source's recent activity: its signals of the last 24 h by status, and its latest
/// rejections at intake (malformed, unauthorised, over a limit).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceActivity {
    pub last_signal_ms: Option<TimestampMs>,
    /// `[status, count]` pairs for the last 24 h.
    pub last_24h: Vec<(SignalStatus, u64)>,
    pub recent_rejections: Vec<SignalRejection>,
}

/// A signal refused at intake, before it was stored: logged with its source.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignalRejection {
    pub time_ms: TimestampMs,
    pub source: String,
    pub signal_id: Option<String>,
    /// The HTTP status it was answered with.
    pub status: u16,
    pub field: Option<String>,
    pub reason: String,
}

#[cfg(test)]
mod tests;

//! What the platform tells people: a notification is graded (`Level`) and typed (`Kind`), names
//! the symbol and position it concerns, and carries a de-duplication key, so that every channel
//! can route it by level and kind, silence a kind, and fold repeats of one key into one message.

use crate::TimestampMs;
use crate::ids::{PositionId, Symbol};
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warning,
    Critical,
}

impl Level {
    /// As a message starts: `INFO`, `WARNING`, `CRITICAL`.
    pub fn upper(self) -> &'static str {
        match self {
            Level::Info => "INFO",
            Level::Warning => "WARNING",
            Level::Critical => "CRITICAL",
        }
    }
}

/// What happened. Channels choose per kind: on, silent or off.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The engine decided to open a position (manually or by its strategy).
    PositionOpening,
    PositionOpened,
    /// The engine decided to close (all or a share of) a position.
    PositionClosing,
    PositionClosed,
    ExecutionAborted,
    /// A close cannot bring a leg level with the other.
    LegImbalance,
    OrderRefused,
    /// An order was not sent because it could not be put on record.
    OrderNotSent,
    RiskExit,
    LiquidationBuffer,
    KillSwitch,
    DrawdownBreaker,
    EnginePaused,
    EngineResumed,
    SymbolRules,
    /// A venue's stream is down.
    VenueDown,
    VenueStale,
    VenueFresh,
    ReconciliationDifference,
    JobFailed,
    /// A job's success rate over its last runs fell below the threshold.
    JobSuccessRate,
    /// A job has not succeeded within its period plus a grace time.
    JobOverdue,
    /// A scheduled report: the daily reconciliation, the monthly P&L.
    Report,
    BackupFailed,
    LoginFailures,
    Startup,
    Shutdown,
    SignalFailed,
    /// An outgoing channel (Telegram, email, a webhook) gave up on a message. Never delivered to
    /// the channel it is about, and its own failures raise nothing: no alert loops.
    DeliveryFailed,
    /// A backtest started from the API could not finish.
    BacktestFailed,
    /// A channel's test message.
    Test,
}

impl Kind {
    pub const ALL: [Kind; 31] = [
        Kind::PositionOpening,
        Kind::PositionOpened,
        Kind::PositionClosing,
        Kind::PositionClosed,
        Kind::ExecutionAborted,
        Kind::LegImbalance,
        Kind::OrderRefused,
        Kind::OrderNotSent,
        Kind::RiskExit,
        Kind::LiquidationBuffer,
        Kind::KillSwitch,
        Kind::DrawdownBreaker,
        Kind::EnginePaused,
        Kind::EngineResumed,
        Kind::SymbolRules,
        Kind::VenueDown,
        Kind::VenueStale,
        Kind::VenueFresh,
        Kind::ReconciliationDifference,
        Kind::JobFailed,
        Kind::JobSuccessRate,
        Kind::JobOverdue,
        Kind::Report,
        Kind::BackupFailed,
        Kind::LoginFailures,
        Kind::Startup,
        Kind::Shutdown,
        Kind::SignalFailed,
        Kind::DeliveryFailed,
        Kind::BacktestFailed,
        Kind::Test,
    ];

    /// The kind's name as it is stored and configured (`venue_stale`).
    pub fn name(self) -> String {
        crate::text::name(&self)
    }
}

/// Stored as the level, kind and subject columns beside the title and message; in old rows
/// the kind is absent and reads as `None`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub level: Level,
    /// `None` only for notifications stored before kinds existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    pub time_ms: TimestampMs,
    pub title: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<Symbol>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position_id: Option<PositionId>,
    /// Repeats of one key within a channel's window fold into one message.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub dedup_key: String,
}

impl Notification {
    pub fn new(
        level: Level,
        kind: Kind,
        time_ms: TimestampMs,
        title: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            level,
            kind: Some(kind),
            time_ms,
            title: title.into(),
            message: message.into(),
            symbol: None,
            position_id: None,
            dedup_key: kind.name(),
        }
    }

    /// About `symbol`: part of the de-duplication key.
    pub fn symbol(mut self, symbol: &Symbol) -> Self {
        self.symbol = Some(symbol.clone());
        self.dedup_key = format!("{}:{symbol}", self.dedup_key);
        self
    }

    /// About position `id`: part of the de-duplication key.
    pub fn position(mut self, id: PositionId) -> Self {
        self.position_id = Some(id);
        self.dedup_key = format!("{}:{id}", self.dedup_key);
        self
    }

    /// Anything else that tells repeats apart (a venue, a job, a user).
    pub fn about(mut self, subject: impl std::fmt::Display) -> Self {
        self.dedup_key = format!("{}:{subject}", self.dedup_key);
        self
    }

    /// The first line every channel sends: the level in capitals, then the title
    /// (`WARNING Opening paused`), so that a reader or a filter sees the level first.
    pub fn headline(&self) -> String {
        format!("{} {}", self.level.upper(), self.title)
    }

    /// The whole text: the headline, then the message.
    pub fn text(&self) -> String {
        if self.message.is_empty() { self.headline() } else { format!("{}\n{}", self.headline(), self.message) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_starts_with_the_level_and_the_key_names_the_subject() {
        let eth = Symbol::new("ETH").unwrap();
        let n = Notification::new(Level::Warning, Kind::VenueStale, 5, "lighter market data stale", "no update")
            .about("lighter")
            .symbol(&eth)
            .position(PositionId::new(7));
        assert_eq!(n.text(), "WARNING lighter market data stale\nno update");
        assert_eq!(n.dedup_key, "venue_stale:lighter:ETH:7");
        assert_eq!(Kind::LoginFailures.name(), "login_failures");
        let names: std::collections::BTreeSet<String> = Kind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names.len(), Kind::ALL.len(), "each kind once");
    }

    #[test]
    fn rows_stored_before_kinds_still_read() {
        let old = r#"{"level":"info","time_ms":1,"title":"Opening paused","message":"m"}"#;
        let n: Notification = serde_json::from_str(old).unwrap();
        assert_eq!((n.kind, n.dedup_key.as_str()), (None, ""));
    }
}

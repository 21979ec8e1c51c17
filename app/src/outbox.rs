//! The outbox's contract: which channels exist, which notifications each takes (`ChannelRules`,
//! decided here so the Config page shows the rule the server applies), and what became of each
//! delivery (`DeliveryView`).

use crate::TimestampMs;
use crate::notification::{Kind, Level, Notification};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a channel does with one kind: send it, send it without a sound (Telegram's
/// `disable_notification`), or not at all.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum KindMode {
    #[default]
    On,
    Silent,
    Off,
}

/// How a matching notification goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loudness {
    Loud,
    Silent,
}

/// One channel's filter: a minimum level, and a mode per kind (kinds not listed are `on`).
/// Critical notifications always go out, loud, whatever the rules say.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelRules {
    pub min_level: Level,
    #[serde(default)]
    pub kinds: BTreeMap<Kind, KindMode>,
}

impl Default for ChannelRules {
    /// Warnings and worse; the all-clear kinds quietly.
    fn default() -> Self {
        let quiet = [Kind::VenueFresh, Kind::EngineResumed, Kind::Startup, Kind::Shutdown];
        Self { min_level: Level::Warning, kinds: quiet.into_iter().map(|k| (k, KindMode::Silent)).collect() }
    }
}

impl ChannelRules {
    pub fn mode(&self, kind: Kind) -> KindMode {
        self.kinds.get(&kind).copied().unwrap_or_default()
    }

    /// Whether (and how) this channel takes `n`. A test message is addressed to one channel and
    /// is not filtered; a notification stored before kinds existed counts as `on`.
    pub fn decide(&self, n: &Notification) -> Option<Loudness> {
        if n.level == Level::Critical || n.kind == Some(Kind::Test) {
            return Some(Loudness::Loud);
        }
        if n.level < self.min_level {
            return None;
        }
        match n.kind.map_or(KindMode::On, |k| self.mode(k)) {
            KindMode::On => Some(Loudness::Loud),
            KindMode::Silent => Some(Loudness::Silent),
            KindMode::Off => None,
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    Telegram,
    Email,
    Slack,
    Discord,
    Feishu,
    Wecom,
    Json,
}

/// A configured channel as admins see it: never its token, password or URL secret.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelView {
    pub name: String,
    pub kind: ChannelKind,
    /// Where it goes, without secrets: `2 chats`, `ops@example.com`, `hooks.slack.com`.
    pub destination: String,
    /// Its rate limit in words (`1/s per chat, 20/min per group`).
    pub limits: String,
    pub rules: ChannelRules,
    /// True when an admin edited the rules (they then override the settings file's).
    pub edited: bool,
}

/// The body of `PUT /notifications/channels/{name}/rules`.
pub type RulesUpdate = ChannelRules;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Waiting for its next attempt (or its fold window, for a summary).
    Pending,
    /// The channel acknowledged it: never sent again.
    Sent,
    /// Given up: refused by the channel, or still failing after the give-up time.
    Failed,
    /// A repeat folded into a summary message instead of being sent on its own.
    Suppressed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Suppressed => "suppressed",
        }
    }
}

/// One row of the outbox: one notification (or one fold summary) for one channel and target.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub id: i64,
    pub notification_id: i64,
    pub channel: String,
    /// The Telegram chat, when the channel has several destinations.
    pub target: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_ms: TimestampMs,
    pub created_ms: TimestampMs,
    pub updated_ms: TimestampMs,
    /// The channel's last answer (status and body, shortened), or the error.
    pub last_answer: Option<String>,
    /// For a summary: how many repeats it reports. For a suppressed row: 0.
    pub folded: i32,
    /// The summary this repeat was folded into.
    pub folded_into: Option<i64>,
    pub silent: bool,
    pub level: Level,
    pub kind: Option<Kind>,
    /// The notification's first line (`WARNING Opening paused`).
    pub headline: String,
}

/// `GET /notifications/deliveries` filters.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams), into_params(parameter_in = Query))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeliveryQuery {
    pub status: Option<DeliveryStatus>,
    pub channel: Option<String>,
    pub limit: Option<u64>,
}

/// `POST /notifications/test`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestRequest {
    pub channel: String,
}

/// What the channel answered to a test message (or where it stands if it has not yet).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestAnswer {
    pub channel: String,
    pub delivery_id: Option<i64>,
    pub status: DeliveryStatus,
    pub answer: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(level: Level, kind: Kind) -> Notification {
        Notification::new(level, kind, 0, "t", "m")
    }

    #[test]
    fn rules_by_level_and_kind_and_critical_always_loud() {
        let mut rules = ChannelRules::default();
        rules.kinds.insert(Kind::KillSwitch, KindMode::Off);
        rules.kinds.insert(Kind::RiskExit, KindMode::Silent);
        rules.kinds.insert(Kind::VenueStale, KindMode::Off);
        let cases = [
            (Level::Info, Kind::PositionOpened, None),
            (Level::Warning, Kind::PositionOpened, Some(Loudness::Loud)),
            (Level::Warning, Kind::RiskExit, Some(Loudness::Silent)),
            (Level::Warning, Kind::VenueStale, None),
            (Level::Critical, Kind::KillSwitch, Some(Loudness::Loud)),
            (Level::Info, Kind::Test, Some(Loudness::Loud)),
        ];
        for (level, kind, want) in cases {
            assert_eq!(rules.decide(&n(level, kind)), want, "{level:?} {kind:?}");
        }
        let old = Notification { kind: None, ..n(Level::Warning, Kind::Test) };
        assert_eq!(rules.decide(&old), Some(Loudness::Loud));
    }

    #[test]
    fn rules_read_as_the_config_page_writes_them() {
        let json = r#"{"min_level":"info","kinds":{"venue_stale":"silent","position_opened":"off"}}"#;
        let rules: ChannelRules = serde_json::from_str(json).unwrap();
        assert_eq!(rules.mode(Kind::VenueStale), KindMode::Silent);
        assert_eq!(rules.mode(Kind::KillSwitch), KindMode::On);
        assert_eq!(
            serde_json::to_string(&rules).unwrap(),
            r#"{"min_level":"info","kinds":{"position_opened":"off","venue_stale":"silent"}}"#
        );
    }
}

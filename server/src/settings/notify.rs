//! The `[notify]` settings: Telegram, email and named webhooks, each with its rules, plus the
//! outbox's timing. A channel exists when its section does; its secrets (bot token, SMTP
//! password, webhook URLs and signing secrets) are wrapped and never printed.
//!
//! Lists come as comma-separated text (`ARB__NOTIFY__TELEGRAM__CHAT_IDS=-1001,42`) or as TOML
//! arrays; a single number in the environment arrives parsed as a number, so both are read.

use app::notification::{Kind, Level};
use app::outbox::{ChannelRules, KindMode};
use secrecy::SecretString;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize)]
pub struct NotifySettings {
    #[serde(default)]
    pub telegram: Option<TelegramSettings>,
    #[serde(default)]
    pub email: Option<EmailSettings>,
    /// Any number, by name (`ARB__NOTIFY__WEBHOOKS__OPS__KIND=slack`).
    #[serde(default)]
    pub webhooks: BTreeMap<String, WebhookSettings>,
    /// Repeats of one de-duplication key within this window fold into one summary message.
    pub fold_window_secs: u64,
    /// A delivery that keeps failing (network, 5xx, 429) is retried with exponential back-off
    /// from `retry_base_ms` up to `retry_max_secs` apart, until it is this old; then it fails.
    pub give_up_after_secs: u64,
    pub retry_base_ms: u64,
    pub retry_max_secs: u64,
}

pub const DEFAULT_TELEGRAM_API: &str = "https://api.telegram.org";

#[derive(Debug, Clone, Deserialize)]
pub struct TelegramSettings {
    pub bot_token: SecretString,
    /// Requests go to `{api_url}/bot{token}/{method}`; tests point it at a fake.
    pub api_url: Option<String>,
    /// The chats alerts go to and the only ones the bot answers in.
    #[serde(default, deserialize_with = "ids")]
    pub chat_ids: Vec<i64>,
    /// `telegram_user_id:platform_username` pairs: who may command the bot, as whom.
    #[serde(default, deserialize_with = "users")]
    pub users: Vec<(i64, String)>,
    #[serde(default = "warning")]
    pub min_level: Level,
    #[serde(default, deserialize_with = "kinds")]
    pub kinds: BTreeMap<Kind, KindMode>,
    /// Long-poll timeout of `getUpdates` in seconds (0 turns chat control off).
    #[serde(default = "poll_secs")]
    pub poll_secs: u64,
}

impl TelegramSettings {
    pub fn api_url(&self) -> &str {
        self.api_url.as_deref().unwrap_or(DEFAULT_TELEGRAM_API).trim_end_matches('/')
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    None,
    #[default]
    Starttls,
    Tls,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EmailSettings {
    /// `smtp://host:port`.
    pub smtp_url: String,
    #[serde(default)]
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    pub from: String,
    #[serde(deserialize_with = "texts")]
    pub to: Vec<String>,
    #[serde(default = "warning")]
    pub min_level: Level,
    #[serde(default, deserialize_with = "kinds")]
    pub kinds: BTreeMap<Kind, KindMode>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookKind {
    Slack,
    Discord,
    Feishu,
    Wecom,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WebhookSettings {
    pub kind: WebhookKind,
    /// A secret too: Slack's and Discord's URLs, and WeCom's `key=`, let anyone post.
    pub url: SecretString,
    /// Feishu's signing secret.
    pub secret: Option<SecretString>,
    #[serde(default = "warning")]
    pub min_level: Level,
    #[serde(default, deserialize_with = "kinds")]
    pub kinds: BTreeMap<Kind, KindMode>,
}

fn warning() -> Level {
    Level::Warning
}

fn poll_secs() -> u64 {
    25
}

/// The rules a channel's settings give: its level and kinds over the defaults.
pub fn rules(min_level: Level, kinds: &BTreeMap<Kind, KindMode>) -> ChannelRules {
    let mut rules = ChannelRules { min_level, ..ChannelRules::default() };
    rules.kinds.extend(kinds.iter().map(|(k, m)| (*k, *m)));
    rules
}

/// A comma-separated text, a number, or a list, as text items.
#[derive(Deserialize)]
#[serde(untagged)]
enum Loose {
    Int(i64),
    Text(String),
    List(Vec<Loose>),
}

impl Loose {
    fn items(self) -> Vec<String> {
        match self {
            Loose::Int(i) => vec![i.to_string()],
            Loose::Text(t) => t.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect(),
            Loose::List(l) => l.into_iter().flat_map(Loose::items).collect(),
        }
    }
}

fn texts<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Loose::deserialize(d)?.items())
}

fn ids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
    texts(d)?
        .iter()
        .map(|s| s.parse().map_err(|_| D::Error::custom(format!("chat id {s:?} is not a number"))))
        .collect()
}

fn users<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(i64, String)>, D::Error> {
    texts(d)?
        .iter()
        .map(|pair| {
            let (id, name) = pair
                .split_once(':')
                .ok_or_else(|| D::Error::custom(format!("{pair:?}: expected telegram_user_id:platform_username")))?;
            let id =
                id.trim().parse().map_err(|_| D::Error::custom(format!("{pair:?}: the user id is not a number")))?;
            Ok((id, name.trim().to_owned()))
        })
        .collect()
}

fn kinds<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<Kind, KindMode>, D::Error> {
    let raw = BTreeMap::<String, KindMode>::deserialize(d)?;
    raw.into_iter()
        .map(|(k, m)| app::text::parse::<Kind>(&k.to_lowercase()).map(|k| (k, m)).map_err(D::Error::custom))
        .collect()
}

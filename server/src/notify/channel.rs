//! An outgoing channel: its name, its destinations (Telegram chats), its rate limits, how a
//! message fits it, and which sender sends one part; built from the settings.

use super::email::Mailer;
use super::limit::{Rate, per_minute, per_second};
use super::message::{Message, Outcome};
use super::telegram::TelegramClient;
use super::text::Fit;
use super::webhook::Webhook;
use crate::settings::{self, NotifySettings, WebhookKind};
use app::outbox::{ChannelKind, ChannelRules, ChannelView};

pub enum Sender {
    Telegram(TelegramClient),
    Email(Mailer),
    Webhook(Webhook),
}

pub struct Channel {
    pub name: String,
    pub kind: ChannelKind,
    /// Telegram's chats; one empty target for the others.
    pub targets: Vec<String>,
    pub fit: Fit,
    /// The rules from the settings file (an admin's edit overrides them).
    pub rules: ChannelRules,
    pub destination: String,
    pub sender: Sender,
}

const TELEGRAM_CHAT: [Rate; 1] = [per_second(1)];
const TELEGRAM_GROUP: [Rate; 2] = [per_second(1), per_minute(20)];
const TELEGRAM_BOT: [Rate; 1] = [per_second(30)];
const FEISHU: [Rate; 2] = [per_second(5), per_minute(100)];
const WECOM: [Rate; 1] = [per_minute(20)];
const SLACK: [Rate; 1] = [per_second(1)];
const DISCORD: [Rate; 1] = [Rate { count: 5, per_ms: 2000 }];
const JSON: [Rate; 1] = [per_second(10)];
const EMAIL: [Rate; 1] = [per_second(2)];

impl Channel {
    /// The rate-limit scopes one message to `target` counts in.
    pub fn scopes(&self, target: &str) -> Vec<(String, &'static [Rate])> {
        match self.kind {
            ChannelKind::Telegram => {
                // Group and channel chats have negative ids and the tighter per-minute limit.
                let chat: &'static [Rate] = if target.starts_with('-') { &TELEGRAM_GROUP } else { &TELEGRAM_CHAT };
                vec![(format!("chat:{target}"), chat), ("bot".to_owned(), &TELEGRAM_BOT)]
            }
            kind => {
                let rates: &'static [Rate] = match kind {
                    ChannelKind::Feishu => &FEISHU,
                    ChannelKind::Wecom => &WECOM,
                    ChannelKind::Slack => &SLACK,
                    ChannelKind::Discord => &DISCORD,
                    ChannelKind::Json => &JSON,
                    _ => &EMAIL,
                };
                vec![(String::new(), rates)]
            }
        }
    }

    pub fn limits(&self) -> &'static str {
        match self.kind {
            ChannelKind::Telegram => "1/s per chat, 20/min per group, 30/s per bot",
            ChannelKind::Feishu => "5/s and 100/min",
            ChannelKind::Wecom => "20/min",
            ChannelKind::Slack => "1/s",
            ChannelKind::Discord => "5 per 2 s",
            ChannelKind::Json => "10/s",
            ChannelKind::Email => "2/s",
        }
    }

    /// Send one part of `msg` (all of it, for email) to `target`.
    pub async fn send(&self, target: &str, msg: &Message, part: &str) -> Outcome {
        match &self.sender {
            Sender::Telegram(t) => match target.parse::<i64>() {
                Ok(chat) => t.send_text(chat, part, msg.silent).await,
                Err(_) => Outcome::Refused(format!("chat id {target:?} is not a number")),
            },
            Sender::Email(m) => m.send(msg).await,
            Sender::Webhook(w) => w.send(msg, part).await,
        }
    }

    pub fn view(&self, rules: ChannelRules, edited: bool) -> ChannelView {
        ChannelView {
            name: self.name.clone(),
            kind: self.kind,
            destination: self.destination.clone(),
            limits: self.limits().to_owned(),
            rules,
            edited,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error("webhook name {0:?} is taken by a built-in channel: choose another")]
    ReservedName(String),
    #[error("email: {0}")]
    Email(String),
    #[error("telegram: {0}")]
    Telegram(String),
}

/// Every channel the settings configure.
pub fn build(s: &NotifySettings) -> Result<Vec<Channel>, ChannelError> {
    let mut channels = Vec::new();
    if let Some(t) = &s.telegram {
        if t.chat_ids.is_empty() {
            return Err(ChannelError::Telegram("no chat ids: set ARB__NOTIFY__TELEGRAM__CHAT_IDS".into()));
        }
        let n = t.chat_ids.len();
        channels.push(Channel {
            name: "telegram".into(),
            kind: ChannelKind::Telegram,
            targets: t.chat_ids.iter().map(|c| c.to_string()).collect(),
            fit: Fit::SplitChars(4096),
            rules: settings::rules(t.min_level, &t.kinds),
            destination: format!("{n} chat{}", if n == 1 { "" } else { "s" }),
            sender: Sender::Telegram(TelegramClient::new(t.api_url(), &t.bot_token)),
        });
    }
    if let Some(e) = &s.email {
        let mailer = Mailer::new(e).map_err(ChannelError::Email)?;
        channels.push(Channel {
            name: "email".into(),
            kind: ChannelKind::Email,
            targets: vec![String::new()],
            fit: Fit::TruncateChars(100_000),
            rules: settings::rules(e.min_level, &e.kinds),
            destination: e.to.join(", "),
            sender: Sender::Email(mailer),
        });
    }
    for (name, w) in &s.webhooks {
        if matches!(name.as_str(), "telegram" | "email" | "in_app") {
            return Err(ChannelError::ReservedName(name.clone()));
        }
        let (kind, fit) = match w.kind {
            WebhookKind::Slack => (ChannelKind::Slack, Fit::TruncateChars(40_000)),
            WebhookKind::Discord => (ChannelKind::Discord, Fit::SplitChars(2000)),
            // Feishu's body may be 20 KB; the text leaves room for the envelope.
            WebhookKind::Feishu => (ChannelKind::Feishu, Fit::TruncateBytes(18_000)),
            // 4096 bytes at most, with room for the colour markup around the level.
            WebhookKind::Wecom => (ChannelKind::Wecom, Fit::TruncateBytes(4000)),
            WebhookKind::Json => (ChannelKind::Json, Fit::TruncateChars(100_000)),
        };
        let hook = Webhook::new(w);
        channels.push(Channel {
            name: name.clone(),
            kind,
            targets: vec![String::new()],
            fit,
            rules: settings::rules(w.min_level, &w.kinds),
            destination: hook.host(),
            sender: Sender::Webhook(hook),
        });
    }
    Ok(channels)
}

//! Control from a phone: the Telegram bot's commands, by long polling (`getUpdates`), so no
//! public URL is needed. Deny by default: only the configured chats are answered, and only the
//! configured Telegram users, each as the platform user it maps to, whose role applies (a
//! viewer reads, a trader acts). Every acting command is confirmed first (inline button or
//! `/confirm <code>`) and then runs through `crate::actions`, the web API's own path, audited
//! with the actor marked "via telegram". Anyone else is ignored, audited (at most once a minute
//! per Telegram user) and never answered.

pub mod answers;
pub mod command;
pub mod confirm;

use crate::audit::{Action, Who};
use crate::auth::ClientIp;
use crate::error::ApiError;
use crate::notify::limit::{Limiter, Rate, per_minute};
use crate::notify::telegram::{CallbackQuery, TelegramClient, TgMessage, Update};
use crate::settings::TelegramSettings;
use crate::state::AppState;
use app::audit::{AuditEntry, AuditOutcome};
use app::auth::Role;
use app::trading::{CloseAllRequest, ClosePositionRequest, CommandAck};
use command::ChatCommand;
use confirm::Confirmations;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Denied attempts are audited at most once a minute per Telegram user, 20 a minute in all.
const DENIED_PER_USER: [Rate; 1] = [per_minute(1)];
const DENIED_ALL: [Rate; 1] = [per_minute(20)];

pub struct ChatControl {
    state: AppState,
    bot: TelegramClient,
    chats: BTreeSet<i64>,
    users: BTreeMap<i64, String>,
    poll: Duration,
    confirmations: Confirmations,
    denied: Limiter,
}

/// Who wrote, once allowed: the platform user and their role now.
struct Person {
    telegram_id: i64,
    username: String,
    role: Role,
}

impl ChatControl {
    pub fn new(state: AppState, s: &TelegramSettings) -> Self {
        Self {
            state,
            bot: TelegramClient::new(s.api_url(), &s.bot_token),
            chats: s.chat_ids.iter().copied().collect(),
            users: s.users.iter().cloned().collect(),
            poll: Duration::from_secs(s.poll_secs),
            confirmations: Confirmations::default(),
            denied: Limiter::default(),
        }
    }

    /// Poll until `cancel`. Commands sent while the platform was down are dropped, not run
    /// late: an old `/closeall` must not fire on a later start.
    pub async fn run(mut self, cancel: CancellationToken) {
        let mut offset = match self.bot.get_updates(-1, Duration::ZERO).await {
            Ok(backlog) => backlog.last().map_or(0, |u| u.update_id + 1),
            Err(_) => 0,
        };
        loop {
            let polled = tokio::select! {
                r = self.bot.get_updates(offset, self.poll) => r,
                _ = cancel.cancelled() => return,
            };
            match polled {
                Ok(updates) => {
                    for u in updates {
                        offset = offset.max(u.update_id + 1);
                        self.handle(u).await;
                    }
                }
                Err(e) => {
                    tracing::warn!(answer = %e.answer, "telegram getUpdates failed");
                    let wait = Duration::from_millis(e.retry_after_ms.unwrap_or(5000).max(0) as u64);
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = cancel.cancelled() => return,
                    }
                }
            }
        }
    }

    pub async fn handle(&mut self, u: Update) {
        if let Some(m) = u.message {
            self.on_message(m).await;
        } else if let Some(q) = u.callback_query {
            self.on_button(q).await;
        }
    }

    async fn on_message(&mut self, m: TgMessage) {
        let (Some(from), Some(text)) = (m.from.as_ref(), m.text.as_deref()) else { return };
        if !text.starts_with('/') {
            return;
        }
        let Some(person) = self.allow(from.id, m.chat.id, text).await else { return };
        let reply = match command::parse(text) {
            Err(usage) => usage,
            Ok(ChatCommand::Confirm(code)) => self.confirm(&person, m.chat.id, &code).await,
            Ok(c) if c.acts() => return self.ask(&person, m.chat.id, c).await,
            Ok(c) => self.read(&c).await,
        };
        self.say(m.chat.id, &reply, None).await;
    }

    async fn on_button(&mut self, q: CallbackQuery) {
        let Some(chat) = q.message.as_ref().map(|m| m.chat.id) else { return };
        let data = q.data.clone().unwrap_or_default();
        let Some(person) = self.allow(q.from.id, chat, &data).await else { return };
        let note = if let Some(code) = data.strip_prefix("confirm:") {
            let reply = self.confirm(&person, chat, code).await;
            self.say(chat, &reply, None).await;
            "confirmed"
        } else if let Some(code) = data.strip_prefix("cancel:") {
            let cancelled = self.confirmations.cancel(code, person.telegram_id);
            self.say(chat, if cancelled { "Cancelled." } else { "Nothing to cancel." }, None).await;
            "cancelled"
        } else {
            "unknown button"
        };
        let _ = self.bot.answer_callback(&q.id, note).await;
    }

    /// The person behind `user` if they may use the bot in `chat`; otherwise the attempt is
    /// audited (rate-limited) and nothing is answered.
    async fn allow(&mut self, user: i64, chat: i64, text: &str) -> Option<Person> {
        let username = self.users.get(&user).cloned();
        let reason = match (&username, self.chats.contains(&chat)) {
            (None, _) => "not an allowed Telegram user".to_owned(),
            (Some(_), false) => format!("chat {chat} is not one the bot is configured for"),
            (Some(name), true) => match crate::db::users::find(&self.state.db, name).await {
                Ok(Some(u)) if !u.view.disabled => {
                    return Some(Person { telegram_id: user, username: name.clone(), role: u.view.role });
                }
                Ok(_) => format!("platform user {name:?} does not exist or is disabled"),
                Err(e) => {
                    tracing::error!(error = %e, "reading the platform user for telegram failed");
                    return None;
                }
            },
        };
        self.deny(user, chat, text, &reason).await;
        None
    }

    async fn deny(&mut self, user: i64, chat: i64, text: &str, reason: &str) {
        let now = self.state.clock.wall_ms();
        let scopes = [(format!("user:{user}"), &DENIED_PER_USER[..]), ("all".to_owned(), &DENIED_ALL[..])];
        if self.denied.ready_at(&scopes, now) > now {
            return;
        }
        self.denied.record(&scopes, now);
        let first_word: String = text.split_whitespace().next().unwrap_or_default().chars().take(64).collect();
        let entry = AuditEntry {
            id: 0,
            time_ms: now,
            actor: format!("telegram:{user}"),
            action: "chat.denied".into(),
            target: Some(first_word),
            before: None,
            after: None,
            outcome: AuditOutcome::Refused,
            detail: Some(format!("{reason} (chat {chat}); ignored, not answered")),
            ip: Some("via telegram".into()),
        };
        if let Err(e) = crate::db::audit::insert(&self.state.db, &entry).await {
            tracing::error!(error = %e, "could not audit a denied telegram command");
        }
    }

    async fn read(&self, c: &ChatCommand) -> String {
        match c {
            ChatCommand::Status => answers::status(&self.state),
            ChatCommand::Positions => answers::positions(&self.state),
            ChatCommand::Pnl(period) => answers::pnl(&self.state, *period).await,
            ChatCommand::Balance => answers::balance(&self.state).await,
            ChatCommand::Opportunities => answers::opportunities(&self.state),
            _ => command::HELP.to_owned(),
        }
    }

    /// Ask to confirm an action; a role that may not act is refused (and audited) at once.
    async fn ask(&mut self, person: &Person, chat: i64, c: ChatCommand) {
        if !person.role.allows(Role::Trader) {
            let refusal =
                ApiError::Forbidden(format!("{} is a {}: acting needs the trader role", person.username, person.role));
            let reply = format!("Refused: {refusal}");
            let result: Result<CommandAck, ApiError> = Err(refusal);
            crate::audit::record(&self.state, self.who(person).as_who(), Action::new(c.action()), &result, None).await;
            return self.say(chat, &reply, None).await;
        }
        let now = self.state.clock.wall_ms();
        let p = self.confirmations.ask(confirm::new_code(), person.telegram_id, chat, c, now);
        let text = format!(
            "Confirm: {}?\nPress Confirm, or send /confirm {} within {} s.",
            p.command.describe(),
            p.code,
            confirm::TTL_MS / 1000
        );
        let buttons = json!({"inline_keyboard": [[
            {"text": "Confirm", "callback_data": format!("confirm:{}", p.code)},
            {"text": "Cancel", "callback_data": format!("cancel:{}", p.code)},
        ]]});
        self.say(chat, &text, Some(buttons)).await;
    }

    /// Run the confirmed action, as the web API would, with the role checked again.
    async fn confirm(&mut self, person: &Person, chat: i64, code: &str) -> String {
        let now = self.state.clock.wall_ms();
        let pending = match self.confirmations.take(code, person.telegram_id, chat, now) {
            Ok(p) => p,
            Err(why) => return why.to_owned(),
        };
        if !person.role.allows(Role::Trader) {
            return format!("Refused: {} is a {} now", person.username, person.role);
        }
        let via = self.who(person);
        let s = &self.state;
        let result = match pending.command {
            ChatCommand::Pause => crate::actions::pause(s, via.as_who()).await,
            ChatCommand::Resume => crate::actions::resume(s, via.as_who()).await,
            ChatCommand::Kill => crate::actions::kill(s, via.as_who()).await,
            ChatCommand::Close { id, percent } => {
                crate::actions::close(s, via.as_who(), ClosePositionRequest { position_id: id, percent }).await
            }
            ChatCommand::CloseAll { venue } => {
                crate::actions::close_all(s, via.as_who(), CloseAllRequest { venue, strategy: None }).await
            }
            _ => return "nothing to confirm".into(),
        };
        match result {
            Ok(ack) => format!("Done: {}", ack.message),
            Err(ApiError::Internal(_)) => "Failed: an internal error (see the server log)".into(),
            Err(ApiError::Invalid(fields)) => {
                format!("Refused: {}", fields.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("; "))
            }
            Err(e) => format!("Refused: {e}"),
        }
    }

    fn who(&self, person: &Person) -> Via {
        Via {
            name: format!("{} via telegram", person.username),
            ip: ClientIp(Some(format!("telegram:{}", person.telegram_id))),
        }
    }

    async fn say(&self, chat: i64, text: &str, buttons: Option<serde_json::Value>) {
        for part in crate::notify::text::split_chars(text, 4096) {
            if let Err(e) = self.bot.send_message(chat, &part, false, buttons.clone()).await {
                tracing::warn!(answer = %e.answer, "telegram answer not sent");
            }
        }
    }
}

/// The audit's "who" for a chat action: `alice via telegram`, from `telegram:<user id>`.
struct Via {
    name: String,
    ip: ClientIp,
}

impl Via {
    fn as_who(&self) -> Who<'_> {
        Who { name: self.name.clone(), ip: &self.ip }
    }
}

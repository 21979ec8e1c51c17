//! The Telegram Bot API over reqwest: `{api_url}/bot{token}/{method}` with a JSON body. Sending
//! messages (alerts and chat answers, with an optional inline keyboard), long-polling
//! `getUpdates`, answering button presses. The token is part of every URL, so neither the URL
//! nor a request error that carries it is ever printed.
//!
//! API reference: <https://core.telegram.org/bots/api>.

use super::message::{Outcome, answer};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;

#[derive(Clone)]
pub struct TelegramClient {
    http: reqwest::Client,
    /// `{api_url}/bot{token}`: a secret.
    base: SecretString,
}

impl std::fmt::Debug for TelegramClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TelegramClient([redacted])")
    }
}

/// An answer of the Bot API: `{"ok":true,"result":…}` or
/// `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}`.
#[derive(Debug, Deserialize)]
struct Reply {
    ok: bool,
    #[serde(default)]
    result: Value,
    #[serde(default)]
    description: String,
    #[serde(default)]
    parameters: Option<Parameters>,
}

#[derive(Debug, Deserialize)]
struct Parameters {
    retry_after: Option<i64>,
}

/// A failed call: what Telegram said, and how long it asked us to wait.
#[derive(Debug, Clone, PartialEq)]
pub struct BotError {
    pub status: Option<u16>,
    pub answer: String,
    pub retry_after_ms: Option<i64>,
}

/// One update from `getUpdates` (only the parts chat control reads).
/// `{"update_id":1,"message":{"message_id":5,"from":{"id":7},"chat":{"id":-100},"text":"/status"}}`
#[derive(Debug, Clone, Deserialize)]
pub struct Update {
    pub update_id: i64,
    pub message: Option<TgMessage>,
    pub callback_query: Option<CallbackQuery>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TgMessage {
    pub message_id: i64,
    pub from: Option<User>,
    pub chat: Chat,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Chat {
    pub id: i64,
}

/// A press of an inline button: `{"id":"q1","from":{"id":7},"message":{…},"data":"confirm:123456"}`.
#[derive(Debug, Clone, Deserialize)]
pub struct CallbackQuery {
    pub id: String,
    pub from: User,
    pub message: Option<TgMessage>,
    pub data: Option<String>,
}

impl TelegramClient {
    pub fn new(api_url: &str, token: &SecretString) -> Self {
        let base = format!("{}/bot{}", api_url.trim_end_matches('/'), token.expose_secret());
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self { http, base: SecretString::from(base) }
    }

    /// Call `method`; the `result` on success. `timeout` bounds the whole request (long polls
    /// need longer than sends).
    pub async fn call(&self, method: &str, body: &Value, timeout: Duration) -> Result<Value, BotError> {
        let url = format!("{}/{method}", self.base.expose_secret());
        let res = self.http.post(url).json(body).timeout(timeout).send().await.map_err(|e| BotError {
            status: None,
            answer: format!("no answer: {}", e.without_url()),
            retry_after_ms: None,
        })?;
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        let reply: Option<Reply> = serde_json::from_str(&text).ok();
        match reply {
            Some(r) if r.ok && status.is_success() => Ok(r.result),
            Some(r) => Err(BotError {
                status: Some(status.as_u16()),
                answer: answer(status.as_u16(), &r.description),
                retry_after_ms: r.parameters.and_then(|p| p.retry_after).map(|s| s * 1000),
            }),
            None => Err(BotError {
                status: Some(status.as_u16()),
                answer: answer(status.as_u16(), &text),
                retry_after_ms: None,
            }),
        }
    }

    /// `sendMessage` of plain text; `reply_markup` adds inline buttons. The new message's id.
    pub async fn send_message(
        &self,
        chat_id: i64,
        text: &str,
        silent: bool,
        reply_markup: Option<Value>,
    ) -> Result<i64, BotError> {
        let mut body = json!({"chat_id": chat_id, "text": text, "disable_notification": silent});
        if let Some(markup) = reply_markup {
            body["reply_markup"] = markup;
        }
        let result = self.call("sendMessage", &body, Duration::from_secs(30)).await?;
        Ok(result["message_id"].as_i64().unwrap_or_default())
    }

    /// An alert: how the outbox reads the answer.
    pub async fn send_text(&self, chat_id: i64, text: &str, silent: bool) -> Outcome {
        match self.send_message(chat_id, text, silent, None).await {
            Ok(id) => Outcome::Sent(format!("200 ok message_id {id}")),
            Err(e) => outcome(e),
        }
    }

    /// Long-poll for updates after `offset`, waiting up to `wait`.
    pub async fn get_updates(&self, offset: i64, wait: Duration) -> Result<Vec<Update>, BotError> {
        let body =
            json!({"offset": offset, "timeout": wait.as_secs(), "allowed_updates": ["message", "callback_query"]});
        let result = self.call("getUpdates", &body, wait + Duration::from_secs(15)).await?;
        serde_json::from_value(result).map_err(|e| BotError {
            status: None,
            answer: format!("unreadable updates: {e}"),
            retry_after_ms: None,
        })
    }

    /// Stop the button's spinner, with a short note.
    pub async fn answer_callback(&self, id: &str, text: &str) -> Result<(), BotError> {
        let body = json!({"callback_query_id": id, "text": text});
        self.call("answerCallbackQuery", &body, Duration::from_secs(30)).await.map(|_| ())
    }
}

/// A failed send as the outbox reacts to it: 429 waits exactly `retry_after`; 5xx and no answer
/// retry with back-off; any other refusal (bad token, unknown chat, bot blocked) is final.
pub fn outcome(e: BotError) -> Outcome {
    match e.status {
        None => Outcome::Retry { answer: e.answer, after_ms: None },
        Some(429) => Outcome::Retry { answer: e.answer, after_ms: e.retry_after_ms },
        Some(s) if s >= 500 || s == 408 => Outcome::Retry { answer: e.answer, after_ms: e.retry_after_ms },
        Some(_) => Outcome::Refused(e.answer),
    }
}

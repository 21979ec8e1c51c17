//! A local fake of the Telegram Bot API (`POST /bot{token}/{method}`): `sendMessage` (recorded,
//! with its chat, text, silence and buttons), `getUpdates` (long polling over updates the test
//! pushes, confirmed by `offset` as Telegram does), `answerCallbackQuery`. Faults: the next
//! sends answer 429 with `retry_after`, or every send does for a while (a storm), and the fake
//! counts any retry that came sooner than it was told.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// A message the bot sent.
#[derive(Debug, Clone)]
pub struct Sent {
    pub chat_id: i64,
    pub text: String,
    pub silent: bool,
    pub reply_markup: Option<Value>,
    pub at: Instant,
}

#[derive(Default)]
struct Inner {
    sent: Vec<Sent>,
    updates: Vec<Value>,
    next_update_id: i64,
    next_message_id: i64,
    callbacks_answered: Vec<String>,
    /// Answer this many sends with 429.
    refuse_next: u32,
    /// Every send until then answers 429.
    storm_until: Option<Instant>,
    retry_after_secs: i64,
    /// No send may come before this (the last `retry_after` given).
    not_before: Option<Instant>,
    early: u32,
    refused: u32,
    polls: u32,
}

#[derive(Clone)]
pub struct FakeTelegram {
    pub addr: SocketAddr,
    pub token: String,
    inner: Arc<Mutex<Inner>>,
    changed: Arc<Notify>,
}

struct Shared {
    token: String,
    inner: Arc<Mutex<Inner>>,
    changed: Arc<Notify>,
}

impl FakeTelegram {
    /// Serve on 127.0.0.1:0 for `token`, until the runtime ends.
    pub async fn spawn(token: &str) -> FakeTelegram {
        let inner = Arc::new(Mutex::new(Inner { next_update_id: 1, next_message_id: 1, ..Inner::default() }));
        let changed = Arc::new(Notify::new());
        let shared = Arc::new(Shared { token: token.to_owned(), inner: inner.clone(), changed: changed.clone() });
        let app = Router::new().route("/{bot}/{method}", post(call)).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeTelegram { addr, token: token.to_owned(), inner, changed }
    }

    /// The base URL to configure (`ARB__NOTIFY__TELEGRAM__API_URL`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn sent(&self) -> Vec<Sent> {
        self.lock().sent.clone()
    }

    /// Sends answered 429 so far, and those that came before the wait they were given.
    pub fn refused(&self) -> (u32, u32) {
        let i = self.lock();
        (i.refused, i.early)
    }

    pub fn polls(&self) -> u32 {
        self.lock().polls
    }

    pub fn callbacks_answered(&self) -> Vec<String> {
        self.lock().callbacks_answered.clone()
    }

    /// Answer the next `n` sends with 429 and `retry_after`.
    pub fn refuse_next(&self, n: u32, retry_after_secs: i64) {
        let mut i = self.lock();
        i.refuse_next = n;
        i.retry_after_secs = retry_after_secs;
    }

    /// Answer every send with 429 and `retry_after` for `d`.
    pub fn storm(&self, d: Duration, retry_after_secs: i64) {
        let mut i = self.lock();
        i.storm_until = Some(Instant::now() + d);
        i.retry_after_secs = retry_after_secs;
    }

    /// A user writes `text` in `chat`.
    pub fn push_message(&self, user: i64, chat: i64, text: &str) {
        let mut i = self.lock();
        let (id, mid) = (i.next_update_id, i.next_message_id);
        i.next_update_id += 1;
        i.next_message_id += 1;
        i.updates.push(json!({"update_id": id, "message": {
            "message_id": mid, "from": {"id": user, "is_bot": false, "first_name": "u"},
            "chat": {"id": chat, "type": if chat < 0 { "group" } else { "private" }}, "date": 0, "text": text}}));
        drop(i);
        self.changed.notify_waiters();
    }

    /// A user presses an inline button whose data is `data`, under the bot's message in `chat`.
    pub fn push_callback(&self, user: i64, chat: i64, data: &str) {
        let mut i = self.lock();
        let id = i.next_update_id;
        i.next_update_id += 1;
        i.updates.push(json!({"update_id": id, "callback_query": {
            "id": format!("cb{id}"), "from": {"id": user, "is_bot": false, "first_name": "u"},
            "message": {"message_id": 1, "chat": {"id": chat, "type": "private"}, "date": 0},
            "chat_instance": "x", "data": data}}));
        drop(i);
        self.changed.notify_waiters();
    }

    /// Wait until the sent messages satisfy `done` (or `within` passes); the messages.
    pub async fn wait_for(&self, within: Duration, done: impl Fn(&[Sent]) -> bool) -> Vec<Sent> {
        let deadline = Instant::now() + within;
        loop {
            let notified = self.changed.notified();
            let sent = self.sent();
            if done(&sent) || Instant::now() >= deadline {
                return sent;
            }
            let _ = tokio::time::timeout(Duration::from_millis(50), notified).await;
        }
    }
}

fn refusal(code: u16, description: &str, retry_after: Option<i64>) -> (StatusCode, Json<Value>) {
    let mut body = json!({"ok": false, "error_code": code, "description": description});
    if let Some(s) = retry_after {
        body["parameters"] = json!({"retry_after": s});
    }
    (StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST), Json(body))
}

async fn call(
    State(s): State<Arc<Shared>>,
    Path((bot, method)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    if bot.strip_prefix("bot") != Some(s.token.as_str()) {
        return refusal(401, "Unauthorized", None);
    }
    match method.as_str() {
        "sendMessage" => send_message(&s, body),
        "getUpdates" => get_updates(&s, body).await,
        "answerCallbackQuery" => {
            let id = body["callback_query_id"].as_str().unwrap_or_default().to_owned();
            s.inner.lock().unwrap_or_else(|e| e.into_inner()).callbacks_answered.push(id);
            (StatusCode::OK, Json(json!({"ok": true, "result": true})))
        }
        _ => refusal(404, "Not Found: method not found", None),
    }
}

fn send_message(s: &Shared, body: Value) -> (StatusCode, Json<Value>) {
    let Some(chat_id) = body["chat_id"].as_i64() else { return refusal(400, "Bad Request: chat_id is empty", None) };
    let Some(text) = body["text"].as_str() else { return refusal(400, "Bad Request: message text is empty", None) };
    if text.chars().count() > 4096 {
        return refusal(400, "Bad Request: message is too long", None);
    }
    let now = Instant::now();
    let mut i = s.inner.lock().unwrap_or_else(|e| e.into_inner());
    if i.not_before.is_some_and(|t| now < t) {
        i.early += 1;
    }
    let storming = i.storm_until.is_some_and(|t| now < t);
    if storming || i.refuse_next > 0 {
        i.refuse_next = i.refuse_next.saturating_sub(1);
        i.refused += 1;
        let wait = i.retry_after_secs;
        i.not_before = Some(now + Duration::from_secs(wait.max(0) as u64));
        return refusal(429, &format!("Too Many Requests: retry after {wait}"), Some(wait));
    }
    let message_id = i.next_message_id;
    i.next_message_id += 1;
    i.sent.push(Sent {
        chat_id,
        text: text.to_owned(),
        silent: body["disable_notification"].as_bool().unwrap_or(false),
        reply_markup: body.get("reply_markup").cloned(),
        at: now,
    });
    drop(i);
    s.changed.notify_waiters();
    let result = json!({"message_id": message_id, "chat": {"id": chat_id}, "date": 0, "text": text});
    (StatusCode::OK, Json(json!({"ok": true, "result": result})))
}

async fn get_updates(s: &Shared, body: Value) -> (StatusCode, Json<Value>) {
    let offset = body["offset"].as_i64().unwrap_or(0);
    let wait = Duration::from_secs(body["timeout"].as_u64().unwrap_or(0));
    let deadline = Instant::now() + wait;
    loop {
        let notified = s.changed.notified();
        {
            let mut i = s.inner.lock().unwrap_or_else(|e| e.into_inner());
            i.polls += 1;
            // A negative offset asks for the last updates only, as Telegram's does.
            if offset < 0 {
                let keep = offset.unsigned_abs() as usize;
                let n = i.updates.len();
                i.updates.drain(..n.saturating_sub(keep));
            } else {
                // An offset confirms every update before it: they are never sent again.
                i.updates.retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
            }
            if !i.updates.is_empty() || Instant::now() >= deadline {
                return (StatusCode::OK, Json(json!({"ok": true, "result": i.updates.clone()})));
            }
        }
        let _ = tokio::time::timeout(deadline.saturating_duration_since(Instant::now()), notified).await;
    }
}

//! The fake's `/stream`: `connected`, subscribe/unsubscribe (`/` in, `:` out), snapshots then
//! updates, auth on account channels, periodic `{"type":"ping"}` (pongs are counted), and
//! abrupt drops on command. A session that lags behind the fan-out is closed, as the venue does.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use super::FakeInner;
use super::codes;

pub async fn upgrade(State(fake): State<Arc<FakeInner>>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| session(fake, socket))
}

#[derive(Deserialize)]
struct ClientFrame {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    auth: Option<String>,
}

fn error_frame(code: i64, message: &str) -> String {
    json!({"type": "error", "code": code, "message": message}).to_string()
}

/// Builds the snapshot for a subscription, or an error frame. Returns (frame, book nonce).
fn subscribe(fake: &FakeInner, channel: &str, auth: Option<&str>) -> Result<(String, Option<i64>), String> {
    let parts: Vec<&str> = channel.split('/').collect();
    let colon = parts.join(":");
    let now = fake.config.clock.now_ms();
    let num = |s: &str| s.parse::<i64>().ok();
    let invalid = || error_frame(30005, &format!("invalid channel {channel}"));
    match parts.as_slice() {
        ["order_book", m] => {
            let m = num(m).and_then(|m| i16::try_from(m).ok()).ok_or_else(invalid)?;
            let (frame, nonce) = fake.lock().book_snapshot(m, now).ok_or_else(invalid)?;
            Ok((frame, Some(nonce)))
        }
        ["market_stats", m] => {
            let m = num(m).and_then(|m| i16::try_from(m).ok()).ok_or_else(invalid)?;
            Ok((fake.lock().stats_frame(m, "subscribed/market_stats", now).ok_or_else(invalid)?, None))
        }
        [kind @ ("account_all" | "account_all_orders" | "account_all_positions" | "account_all_trades"), a] => {
            let a = num(a).ok_or_else(invalid)?;
            if *kind != "account_all" {
                super::auth::authorize(fake, auth, a).map_err(|e| error_frame(codes::INVALID_AUTH, &e.message))?;
            }
            Ok((fake.lock().account_snapshot(kind, &colon, a, None), None))
        }
        ["account_orders", m, a] => {
            let (m, a) = (num(m).and_then(|m| i16::try_from(m).ok()).ok_or_else(invalid)?, num(a).ok_or_else(invalid)?);
            super::auth::authorize(fake, auth, a).map_err(|e| error_frame(codes::INVALID_AUTH, &e.message))?;
            Ok((fake.lock().account_snapshot("account_orders", &colon, a, Some(m)), None))
        }
        _ => Err(invalid()),
    }
}

async fn session(fake: Arc<FakeInner>, socket: WebSocket) {
    fake.sessions.fetch_add(1, Ordering::SeqCst);
    let (mut tx, mut rx) = socket.split();
    let mut pushes = fake.pushes.subscribe();
    let mut kill = fake.kill.subscribe();
    // channel (with ':') → nonce of the book snapshot sent, if it is a book.
    let mut subs: HashMap<String, Option<i64>> = HashMap::new();
    let mut ping = tokio::time::interval(fake.config.ping_interval);
    ping.tick().await;
    let hello = json!({"type": "connected", "session_id": format!("fake-{}", fake.sessions.load(Ordering::SeqCst))});
    if tx.send(Message::Text(hello.to_string().into())).await.is_err() {
        return;
    }
    loop {
        let out: Vec<String> = tokio::select! {
            _ = kill.changed() => return, // abrupt: no close frame
            _ = ping.tick() => vec![json!({"type": "ping"}).to_string()],
            msg = rx.next() => match msg {
                Some(Ok(Message::Text(text))) => handle_client(&fake, &text, &mut subs),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => Vec::new(),
            },
            push = pushes.recv() => match push {
                Ok(p) if p.channel == "*" => vec![p.frame],
                Ok(p) => match subs.get(&p.channel) {
                    Some(Some(snap)) if p.book_nonce.is_some_and(|n| n <= *snap) => Vec::new(),
                    Some(_) => vec![p.frame],
                    None => Vec::new(),
                },
                Err(RecvError::Lagged(_)) | Err(RecvError::Closed) => return,
            },
        };
        for frame in out {
            if tx.send(Message::Text(frame.into())).await.is_err() {
                return;
            }
        }
    }
}

fn handle_client(fake: &FakeInner, text: &str, subs: &mut HashMap<String, Option<i64>>) -> Vec<String> {
    let Ok(frame) = serde_json::from_str::<ClientFrame>(text) else {
        return vec![error_frame(30001, "invalid message")];
    };
    match (frame.kind.as_str(), frame.channel.as_deref()) {
        ("pong", _) => {
            fake.pongs.fetch_add(1, Ordering::SeqCst);
            Vec::new()
        }
        ("ping", _) => vec![json!({"type": "pong"}).to_string()],
        ("subscribe", Some(channel)) => match subscribe(fake, channel, frame.auth.as_deref()) {
            Ok((snapshot, nonce)) => {
                subs.insert(channel.replace('/', ":"), nonce);
                vec![snapshot]
            }
            Err(e) => vec![e],
        },
        ("unsubscribe", Some(channel)) => {
            subs.remove(&channel.replace('/', ":"));
            vec![json!({"type": "unsubscribed", "channel": channel.replace('/', ":")}).to_string()]
        }
        _ => vec![error_frame(30001, "invalid message")],
    }
}

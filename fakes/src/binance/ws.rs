//! The fake's sockets: `/market` and `/public` in combined (`/stream?streams=`) and raw
//! (`/ws/<streams>`, `/ws` + SUBSCRIBE) mode, and `/private/ws?listenKey=`. Each connection
//! answers SUBSCRIBE/UNSUBSCRIBE/LIST_SUBSCRIPTIONS, pings on a timer and records pongs,
//! closes at its maximum age, and obeys control messages (drop, ping, raw text, key expiry).

use super::core::{Control, Fake, WsRoute};
use super::events::listen_key_expired;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

type Q = Query<HashMap<String, String>>;

fn refused(fake: &Fake) -> bool {
    let mut f = fake.faults();
    if f.refuse_ws > 0 {
        f.refuse_ws -= 1;
        true
    } else {
        false
    }
}

fn upgrade(fake: Arc<Fake>, ws: WebSocketUpgrade, route: WsRoute, combined: bool, initial: Vec<String>) -> Response {
    if refused(&fake) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    ws.on_upgrade(move |socket| session(socket, fake, route, combined, initial.into_iter().collect(), None))
}

fn split_streams(s: &str) -> Vec<String> {
    s.split('/').filter(|x| !x.is_empty()).map(str::to_owned).collect()
}

pub async fn market_stream(State(f): State<Arc<Fake>>, Query(q): Q, ws: WebSocketUpgrade) -> Response {
    upgrade(f, ws, WsRoute::Market, true, q.get("streams").map(|s| split_streams(s)).unwrap_or_default())
}

pub async fn public_stream(State(f): State<Arc<Fake>>, Query(q): Q, ws: WebSocketUpgrade) -> Response {
    upgrade(f, ws, WsRoute::Public, true, q.get("streams").map(|s| split_streams(s)).unwrap_or_default())
}

pub async fn market_raw(State(f): State<Arc<Fake>>, ws: WebSocketUpgrade) -> Response {
    upgrade(f, ws, WsRoute::Market, false, Vec::new())
}

pub async fn public_raw(State(f): State<Arc<Fake>>, ws: WebSocketUpgrade) -> Response {
    upgrade(f, ws, WsRoute::Public, false, Vec::new())
}

pub async fn market_raw_streams(State(f): State<Arc<Fake>>, Path(s): Path<String>, ws: WebSocketUpgrade) -> Response {
    upgrade(f, ws, WsRoute::Market, false, split_streams(&s))
}

pub async fn public_raw_streams(State(f): State<Arc<Fake>>, Path(s): Path<String>, ws: WebSocketUpgrade) -> Response {
    upgrade(f, ws, WsRoute::Public, false, split_streams(&s))
}

pub async fn private(State(fake): State<Arc<Fake>>, Query(q): Q, ws: WebSocketUpgrade) -> Response {
    let now = fake.clock.now_ms();
    let key = q.get("listenKey").cloned().unwrap_or_default();
    let valid = fake.ex().listen_key.as_ref().is_some_and(|(k, exp)| *k == key && *exp > now);
    if !valid {
        return super::error::ApiError::new(-1125, "This listenKey does not exist.").into_response();
    }
    if refused(&fake) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    ws.on_upgrade(move |socket| session(socket, fake, WsRoute::Private, false, BTreeSet::new(), Some(key)))
}

/// The reply to a client command, if it needs one.
fn command(subs: &mut BTreeSet<String>, text: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return json!({"error": {"code": 3, "msg": "Invalid JSON"}, "id": null}).to_string();
    };
    let id = v.get("id").cloned().unwrap_or(Value::Null);
    let params: Vec<String> = v
        .get("params")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|p| p.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    match v.get("method").and_then(Value::as_str) {
        Some("SUBSCRIBE") => {
            subs.extend(params);
            json!({"result": null, "id": id}).to_string()
        }
        Some("UNSUBSCRIBE") => {
            params.iter().for_each(|p| {
                subs.remove(p);
            });
            json!({"result": null, "id": id}).to_string()
        }
        Some("LIST_SUBSCRIPTIONS") => json!({"result": subs.iter().collect::<Vec<_>>(), "id": id}).to_string(),
        _ => json!({"error": {"code": 2, "msg": "Invalid request"}, "id": id}).to_string(),
    }
}

async fn session(
    socket: WebSocket,
    fake: Arc<Fake>,
    route: WsRoute,
    combined: bool,
    mut subs: BTreeSet<String>,
    key: Option<String>,
) {
    *fake.counters().ws_connections.entry(route).or_default() += 1;
    let (mut tx, mut rx) = socket.split();
    let mut market = fake.market_tx.subscribe();
    let mut user = fake.user_tx.subscribe();
    let mut control = fake.control_tx.subscribe();
    let every = fake.config.ping_every;
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    let mut last_pong = tokio::time::Instant::now();
    let deadline = tokio::time::sleep(fake.config.max_connection_age);
    tokio::pin!(deadline);
    let mine = |r: Option<WsRoute>| r.is_none_or(|r| r == route);
    loop {
        let out: Option<Message> = tokio::select! {
            _ = fake.cancel.cancelled() => return,
            _ = &mut deadline => {
                let _ = tx.send(Message::Close(None)).await;
                return;
            }
            _ = ping.tick() => {
                if last_pong.elapsed() > fake.config.pong_timeout {
                    let _ = tx.send(Message::Close(None)).await;
                    return;
                }
                Some(Message::Ping(fake.clock.now_ms().to_string().into_bytes().into()))
            }
            msg = rx.next() => match msg {
                Some(Ok(Message::Text(t))) if route != WsRoute::Private => Some(Message::Text(command(&mut subs, t.as_str()).into())),
                Some(Ok(Message::Pong(p))) => {
                    last_pong = tokio::time::Instant::now();
                    fake.record_pong(route, p.to_vec());
                    None
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => None,
            },
            push = market.recv(), if route != WsRoute::Private => match push {
                Ok(p) if WsRoute::of_stream(&p.stream) == route && subs.contains(&p.stream) => {
                    let text = if combined { format!("{{\"stream\":\"{}\",\"data\":{}}}", p.stream, p.data) } else { p.data.to_string() };
                    Some(Message::Text(text.into()))
                }
                Ok(_) | Err(RecvError::Lagged(_)) => None,
                Err(RecvError::Closed) => return,
            },
            event = user.recv(), if route == WsRoute::Private => match event {
                Ok(text) => Some(Message::Text(text.to_string().into())),
                Err(RecvError::Lagged(_)) => None,
                Err(RecvError::Closed) => return,
            },
            ctl = control.recv() => match ctl {
                // Dropping both halves closes the TCP connection without a close frame.
                Ok(Control::Drop(r)) if mine(r) => return,
                Ok(Control::Ping(r, payload)) if mine(r) => Some(Message::Ping(payload.into())),
                Ok(Control::Raw(r, text)) if r == route => Some(Message::Text(text.into())),
                Ok(Control::ExpireKey(k)) if key.as_deref() == Some(k.as_str()) => {
                    let _ = tx.send(Message::Text(listen_key_expired(&k, fake.clock.now_ms()).into())).await;
                    let _ = tx.send(Message::Close(None)).await;
                    return;
                }
                Ok(_) | Err(RecvError::Lagged(_)) => None,
                Err(RecvError::Closed) => return,
            },
        };
        if let Some(m) = out
            && tx.send(m).await.is_err()
        {
            return;
        }
    }
}

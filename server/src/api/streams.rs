//! Trading streams: `/ws/positions`, `/ws/orders`, `/ws/notifications`. Each sends a snapshot
//! on connect (`{"type":"snapshot","data":[…]}`) then one `{"type":"update","data":…}` per
//! change; a client that falls behind gets a fresh snapshot.

use crate::auth::Actor;
use crate::auth::revocation::revoked;
use crate::db;
use crate::state::AppState;
use axum::Extension;
use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use futures::{SinkExt, StreamExt};
use serde::Serialize;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ws/positions", get(positions))
        .route("/ws/orders", get(orders))
        .route("/ws/notifications", get(notifications))
}

#[derive(Serialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum StreamMessage<'a, T: Serialize> {
    Snapshot(&'a [T]),
    Update(&'a T),
}

fn text<T: Serialize>(m: &StreamMessage<'_, T>) -> Message {
    Message::Text(serde_json::to_string(m).unwrap_or_default().into())
}

async fn positions(ws: WebSocketUpgrade, State(s): State<AppState>, Extension(actor): Extension<Actor>) -> Response {
    let rx = s.engine.positions.subscribe();
    let engine = s.engine.clone();
    let snapshot = move || engine.read(|v| v.positions.values().cloned().collect::<Vec<_>>());
    let ended = revoked(s.clone(), actor);
    ws.on_upgrade(move |socket| session(socket, rx, snapshot, s.shutdown.clone(), ended))
}

async fn orders(ws: WebSocketUpgrade, State(s): State<AppState>, Extension(actor): Extension<Actor>) -> Response {
    let rx = s.engine.orders.subscribe();
    let engine = s.engine.clone();
    let snapshot = move || engine.read(|v| v.orders.values().cloned().collect::<Vec<_>>());
    let ended = revoked(s.clone(), actor);
    ws.on_upgrade(move |socket| session(socket, rx, snapshot, s.shutdown.clone(), ended))
}

async fn notifications(
    ws: WebSocketUpgrade,
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Response {
    let rx = s.notifier.subscribe();
    let recent = db::trading::recent_notifications(&s.db, 50).await.unwrap_or_default();
    let ended = revoked(s.clone(), actor);
    ws.on_upgrade(move |socket| session(socket, rx, move || recent.clone(), s.shutdown.clone(), ended))
}

async fn session<T: Serialize + Clone>(
    socket: WebSocket,
    mut rx: broadcast::Receiver<T>,
    snapshot: impl Fn() -> Vec<T>,
    shutdown: CancellationToken,
    revoked: impl std::future::Future<Output = ()>,
) {
    let (mut sink, mut stream) = socket.split();
    let mut revoked = std::pin::pin!(revoked);
    if sink.send(text(&StreamMessage::Snapshot(&snapshot()))).await.is_err() {
        return;
    }
    loop {
        let msg = tokio::select! {
            _ = shutdown.cancelled() => { let _ = sink.send(Message::Close(None)).await; return; }
            _ = &mut revoked => { let _ = sink.send(super::ws::close_revoked()).await; return; }
            update = rx.recv() => match update {
                Ok(item) => text(&StreamMessage::Update(&item)),
                Err(RecvError::Lagged(_)) => { rx = rx.resubscribe(); text(&StreamMessage::Snapshot(&snapshot())) }
                Err(RecvError::Closed) => return,
            },
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => continue,
            },
        };
        if sink.send(msg).await.is_err() {
            return;
        }
    }
}

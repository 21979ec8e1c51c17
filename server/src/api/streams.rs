//! Trading streams: `/ws/positions`, `/ws/orders`, `/ws/notifications`, `/ws/signals` and
//! `/ws/backtests` (the runs queued or going, then every change of one: progress, done,
//! failed). Each sends a snapshot
//! on connect (`{"type":"snapshot","data":[…]}`) then one `{"type":"update","data":…}` per
//! change, on the one session loop of [`super::ws::session`] (a client that falls behind gets
//! a fresh snapshot; the socket closes on shutdown and when the caller's credentials end).

use super::ws::session;
use crate::auth::Actor;
use crate::auth::revocation::revoked;
use crate::db;
use crate::state::AppState;
use axum::Extension;
use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use futures::{Sink, Stream, StreamExt};
use serde::Serialize;
use std::future::Future;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ws/positions", get(positions))
        .route("/ws/orders", get(orders))
        .route("/ws/notifications", get(notifications))
        .route("/ws/signals", get(signals))
        .route("/ws/backtests", get(backtests))
}

/// Signals in the snapshot: the newest, as the Signals page lists them.
const SIGNALS_SHOWN: u64 = 200;

async fn signals(ws: WebSocketUpgrade, State(s): State<AppState>, Extension(actor): Extension<Actor>) -> Response {
    let rx = s.engine.signals.subscribe();
    let (db, engine) = (s.db.clone(), s.engine.clone());
    // Stored first, then streamed: the database has every change the stream has sent.
    let mut recent =
        db::signals::list(&db, &app::signal::SignalQuery::default(), SIGNALS_SHOWN).await.unwrap_or_default();
    for r in &mut recent {
        if let Some(now) = engine.read(|v| v.signals.get(&r.id).cloned()) {
            *r = now;
        }
    }
    upgrade(ws, s, actor, "signals", rx, move || recent.clone())
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
    upgrade(ws, s, actor, "positions", rx, move || engine.read(|v| v.positions.values().cloned().collect()))
}

async fn orders(ws: WebSocketUpgrade, State(s): State<AppState>, Extension(actor): Extension<Actor>) -> Response {
    let rx = s.engine.orders.subscribe();
    let engine = s.engine.clone();
    upgrade(ws, s, actor, "orders", rx, move || engine.read(|v| v.orders.values().cloned().collect()))
}

async fn notifications(
    ws: WebSocketUpgrade,
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Response {
    let rx = s.notifier.subscribe();
    let recent = db::trading::recent_notifications(&s.db, 50).await.unwrap_or_default();
    upgrade(ws, s, actor, "notifications", rx, move || recent.clone())
}

async fn backtests(ws: WebSocketUpgrade, State(s): State<AppState>, Extension(actor): Extension<Actor>) -> Response {
    let rx = s.backtests.subscribe();
    let jobs = s.backtests.clone();
    upgrade(ws, s, actor, "backtests", rx, move || jobs.live())
}

/// Upgrade to a list stream. `rx` is subscribed before the upgrade, so nothing published
/// while the handshake completes is lost.
fn upgrade<T>(
    ws: WebSocketUpgrade,
    s: AppState,
    actor: Actor,
    stream_name: &'static str,
    rx: broadcast::Receiver<T>,
    snapshot: impl Fn() -> Vec<T> + Send + Sync + 'static,
) -> Response
where
    T: Serialize + Clone + Send + 'static,
{
    let ended = revoked(s.gate(), actor);
    ws.on_upgrade(move |socket| async move {
        let _client = crate::metrics::WsClient::open(stream_name);
        let (sink, stream) = socket.split();
        list_session(sink, stream, rx, snapshot, s.shutdown.clone(), ended).await
    })
}

/// A list stream's session: the whole list as a snapshot, then one item per update.
pub async fn list_session<S, R, T>(
    sink: S,
    stream: R,
    rx: broadcast::Receiver<T>,
    list: impl Fn() -> Vec<T>,
    shutdown: CancellationToken,
    revoked: impl Future<Output = ()>,
) where
    S: Sink<Message> + Unpin,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin,
    T: Serialize + Clone,
{
    let snapshot = || text(&StreamMessage::Snapshot(&list()));
    let update = |item: T| text(&StreamMessage::Update(&item));
    session(sink, stream, rx, snapshot, update, shutdown, revoked).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::channel::mpsc;
    use serde_json::{Value, json};
    use std::sync::{Arc, Mutex};

    fn parse(m: Message) -> Value {
        let Message::Text(t) = m else { panic!("expected text, got {m:?}") };
        serde_json::from_str(&t).unwrap()
    }

    #[tokio::test]
    async fn list_snapshot_then_updates_and_a_fresh_snapshot_after_lagging() {
        let (tx, rx) = broadcast::channel::<u32>(8);
        let list = Arc::new(Mutex::new(vec![1u32, 2]));
        let (out_tx, mut out_rx) = mpsc::unbounded::<Message>();
        let (in_tx, in_rx) = mpsc::unbounded::<Result<Message, axum::Error>>();
        let current = list.clone();
        let snapshot = move || current.lock().unwrap().clone();
        let shutdown = CancellationToken::new();
        let session = tokio::spawn(list_session(out_tx, in_rx, rx, snapshot, shutdown, std::future::pending()));

        assert_eq!(parse(out_rx.next().await.unwrap()), json!({"type": "snapshot", "data": [1, 2]}));
        tx.send(3).unwrap();
        assert_eq!(parse(out_rx.next().await.unwrap()), json!({"type": "update", "data": 3}));

        // Overflow the channel (capacity 8) before the session can drain it.
        *list.lock().unwrap() = (1..=40).collect();
        for n in 4..=40 {
            tx.send(n).unwrap();
        }
        let mut fresh = None;
        while let Ok(Some(m)) = tokio::time::timeout(std::time::Duration::from_millis(200), out_rx.next()).await {
            let v = parse(m);
            if v["type"] == "snapshot" {
                fresh = Some(v["data"].as_array().map(Vec::len));
            }
        }
        assert_eq!(fresh, Some(Some(40)), "a lagging client gets the whole list again");

        in_tx.unbounded_send(Ok(Message::Close(None))).unwrap();
        session.await.unwrap();
    }
}

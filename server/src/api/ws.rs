//! The one WebSocket session loop, and the funding stream on it. Every stream (`/ws/funding-rates`
//! here, the trading streams in `streams`) sends a snapshot on connect, then each update; a client
//! that falls behind gets a fresh snapshot instead of being dropped; the socket is closed when
//! the server stops, and with 1008 (policy) when the caller's credentials end.
//!
//! The session is generic over `Sink`/`Stream` so unit tests drive it with channels.

use crate::auth::Actor;
use crate::auth::revocation::revoked;
use crate::collector::{CollectorHandle, RowUpdate};
use crate::state::AppState;
use app::TimestampMs;
use app::ws::FundingMessage;
use axum::Extension;
use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use futures::{Sink, SinkExt, Stream, StreamExt};
use std::future::Future;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

pub fn router() -> Router<AppState> {
    Router::new().route("/ws/funding-rates", get(funding_rates))
}

async fn funding_rates(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Response {
    ws.on_upgrade(move |socket: WebSocket| async move {
        let _client = crate::metrics::WsClient::open("funding-rates");
        let (sink, stream) = socket.split();
        let (collector, shutdown) = (state.collector.clone(), state.shutdown.clone());
        let ended = revoked(state.gate(), actor);
        funding_session(sink, stream, collector, shutdown, ended, move || state.clock.venue_ms()).await;
    })
}

/// The close frame sent when the stream's credentials end (logout, revocation): policy
/// violation, with the reason.
pub fn close_revoked() -> Message {
    Message::Close(Some(axum::extract::ws::CloseFrame {
        code: axum::extract::ws::close_code::POLICY,
        reason: "logged out or access revoked".into(),
    }))
}

/// The funding board's session: the board as a snapshot, then each changed row as the
/// collector serialised it once for every client.
pub async fn funding_session<S, R>(
    sink: S,
    stream: R,
    handle: CollectorHandle,
    shutdown: CancellationToken,
    revoked: impl Future<Output = ()>,
    now: impl Fn() -> TimestampMs,
) where
    S: Sink<Message> + Unpin,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    // Subscribe before taking the snapshot so that no update falls between the two.
    let rows = handle.rows.subscribe();
    let snapshot = || {
        let board = handle.read(|s| s.board(now()));
        Message::Text(serde_json::to_string(&FundingMessage::Snapshot(board)).unwrap_or_default().into())
    };
    let update = |u: RowUpdate| Message::Text(u.json);
    session(sink, stream, rows, snapshot, update, shutdown, revoked).await;
}

/// Runs one client's session until either side closes, the server stops or `revoked`
/// completes. `updates` must be subscribed before the call, so that nothing published
/// between the subscription and the first snapshot is lost.
pub async fn session<S, R, T>(
    mut sink: S,
    mut stream: R,
    mut updates: broadcast::Receiver<T>,
    snapshot: impl Fn() -> Message,
    update: impl Fn(T) -> Message,
    shutdown: CancellationToken,
    revoked: impl Future<Output = ()>,
) where
    S: Sink<Message> + Unpin,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin,
    T: Clone,
{
    let mut revoked = std::pin::pin!(revoked);
    if sink.send(snapshot()).await.is_err() {
        return;
    }
    loop {
        let outgoing = tokio::select! {
            // Upgraded sockets outlive graceful HTTP shutdown; close them explicitly.
            _ = shutdown.cancelled() => {
                let _ = sink.send(Message::Close(None)).await;
                break;
            }
            _ = &mut revoked => {
                let _ = sink.send(close_revoked()).await;
                break;
            }
            next = updates.recv() => match next {
                Ok(u) => update(u),
                Err(RecvError::Lagged(skipped)) => {
                    tracing::debug!(skipped, "slow websocket client: sending a fresh snapshot");
                    updates = updates.resubscribe();
                    snapshot()
                }
                Err(RecvError::Closed) => break,
            },
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                // Pings are answered by the protocol layer; clients send nothing else we need.
                Some(Ok(_)) => continue,
            },
        };
        if sink.send(outgoing).await.is_err() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::venue::VenueEvent;
    use app::market::FundingSnapshot;
    use app::{FundingInterval, FundingRate, Symbol, Venue};
    use futures::channel::mpsc;
    use rust_decimal::Decimal;

    fn event(sym: &str, rate: i64) -> VenueEvent {
        VenueEvent::Funding(FundingSnapshot {
            venue: Venue::Binance,
            symbol: Symbol::new(sym).unwrap(),
            predicted: FundingRate::new(Decimal::new(rate, 6), FundingInterval::EIGHT_HOURS),
            last_settled: None,
            next_funding_ms: 0,
            time_ms: 0,
        })
    }

    fn parse(m: Message) -> FundingMessage {
        let Message::Text(t) = m else { panic!("expected text, got {m:?}") };
        serde_json::from_str(&t).unwrap()
    }

    #[tokio::test]
    async fn snapshot_then_updates_and_a_fresh_snapshot_after_lagging() {
        let handle = CollectorHandle::new();
        handle.state.write().unwrap().apply(&event("BTC", 1), 1);
        let (out_tx, mut out_rx) = mpsc::unbounded::<Message>();
        let (in_tx, in_rx) = mpsc::unbounded::<Result<Message, axum::Error>>();
        let h = handle.clone();
        let session = tokio::spawn(async move {
            funding_session(out_tx, in_rx, h, CancellationToken::new(), std::future::pending(), || 42).await
        });

        let FundingMessage::Snapshot(board) = parse(out_rx.next().await.unwrap()) else { panic!("snapshot first") };
        assert_eq!((board.as_of_ms, board.rows.len()), (42, 1));

        let row = handle.state.write().unwrap().apply(&event("ETH", 2), 2).unwrap();
        handle.rows.send(RowUpdate::new(row)).unwrap();
        let FundingMessage::Update(r) = parse(out_rx.next().await.unwrap()) else { panic!("update") };
        assert_eq!(r.symbol.as_str(), "ETH");

        // Overflow the channel (capacity 1024) before the session can drain it.
        for i in 0..1100 {
            let row = handle.state.write().unwrap().apply(&event("SOL", 10 + i), 10 + i).unwrap();
            handle.rows.send(RowUpdate::new(row)).unwrap();
        }
        let mut saw_snapshot = false;
        while let Ok(Some(m)) = tokio::time::timeout(std::time::Duration::from_millis(200), out_rx.next()).await {
            if let FundingMessage::Snapshot(b) = parse(m) {
                saw_snapshot = true;
                assert_eq!(b.rows.len(), 3);
            }
        }
        assert!(saw_snapshot, "a lagging client must get a fresh snapshot");

        in_tx.unbounded_send(Ok(Message::Close(None))).unwrap();
        session.await.unwrap();
    }

    /// A session over a plain channel of numbers: what ends it, and how.
    async fn ended_by(end: impl FnOnce(&CancellationToken, tokio::sync::oneshot::Sender<()>)) -> Vec<Message> {
        let (tx, rx) = broadcast::channel::<u32>(4);
        let (out_tx, out_rx) = mpsc::unbounded::<Message>();
        let (_in_tx, in_rx) = mpsc::unbounded::<Result<Message, axum::Error>>();
        let (shutdown, (revoke, revoked)) = (CancellationToken::new(), tokio::sync::oneshot::channel::<()>());
        // Only a send revokes; a dropped sender (the shutdown case) must not.
        let revoked = async move {
            if revoked.await.is_err() {
                std::future::pending::<()>().await
            }
        };
        let snapshot = || Message::Text("snapshot".into());
        let update = |n: u32| Message::Text(n.to_string().into());
        let session = tokio::spawn(session(out_tx, in_rx, rx, snapshot, update, shutdown.clone(), revoked));
        tx.send(7).unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        end(&shutdown, revoke);
        tokio::time::timeout(std::time::Duration::from_secs(5), session).await.expect("the session ends").unwrap();
        out_rx.collect().await
    }

    #[tokio::test]
    async fn shutdown_closes_plainly_and_revocation_closes_with_policy() {
        let stopped = ended_by(|shutdown, _| shutdown.cancel()).await;
        assert_eq!(stopped, [Message::Text("snapshot".into()), Message::Text("7".into()), Message::Close(None)]);
        let revoked = ended_by(|_, revoke| revoke.send(()).unwrap()).await;
        assert_eq!(revoked.len(), 3, "{revoked:?}");
        let Message::Close(Some(frame)) = &revoked[2] else { panic!("a close frame, got {revoked:?}") };
        assert_eq!(frame.code, 1008);
    }
}

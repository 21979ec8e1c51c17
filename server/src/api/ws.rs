//! WebSocket streams. `/ws/funding-rates` sends a snapshot of the board on connect, then each
//! changed row; a client that falls behind gets a fresh snapshot instead of being dropped.
//!
//! The session is generic over `Sink`/`Stream` so unit tests drive it with channels.

use crate::auth::Actor;
use crate::auth::revocation::revoked;
use crate::collector::CollectorHandle;
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
        let (sink, stream) = socket.split();
        let (collector, shutdown) = (state.collector.clone(), state.shutdown.clone());
        let ended = revoked(state.clone(), actor);
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

fn snapshot(handle: &CollectorHandle, now: TimestampMs) -> Message {
    let board = handle.read(|s| s.board(now));
    let json = serde_json::to_string(&FundingMessage::Snapshot(board)).unwrap_or_default();
    Message::Text(json.into())
}

/// Runs one client's session until either side closes.
pub async fn funding_session<S, R>(
    mut sink: S,
    mut stream: R,
    handle: CollectorHandle,
    shutdown: CancellationToken,
    revoked: impl std::future::Future<Output = ()>,
    now: impl Fn() -> TimestampMs,
) where
    S: Sink<Message> + Unpin,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    // Subscribe before taking the snapshot so that no update falls between the two.
    let mut rows = handle.rows.subscribe();
    let mut revoked = std::pin::pin!(revoked);
    if sink.send(snapshot(&handle, now())).await.is_err() {
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
            update = rows.recv() => match update {
                Ok(u) => Message::Text(u.json),
                Err(RecvError::Lagged(skipped)) => {
                    tracing::debug!(skipped, "slow websocket client: sending a fresh snapshot");
                    rows = rows.resubscribe();
                    snapshot(&handle, now())
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
    use crate::collector::RowUpdate;
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
}

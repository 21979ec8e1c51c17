//! The user-data socket: `/private/ws?listenKey=…`. Creates the listenKey, keeps it alive
//! every 30 minutes, and on `listenKeyExpired`, a `-1125` keepalive answer, a lost socket or
//! the maximum age gets a fresh key and reconnects. Every (re)connection is reported so the
//! consumer re-queries REST state: events sent while we were away are not replayed.

use super::error::code;
use super::parse;
use super::rest::RestClient;
use super::wire::UserEvent;
use super::ws::{Backoff, Reconnect};
use futures::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, PartialEq)]
pub enum UserItem {
    Connected,
    Disconnected(String),
    Event(UserEvent),
}

#[derive(Debug, Clone)]
pub struct UserStreamSettings {
    pub base_url: String,
    pub keepalive_every: Duration,
    pub reconnect: Reconnect,
}

enum End {
    Cancelled,
    /// Reconnect now with a new key (expired key, rollover).
    Renew(String),
    Lost(String),
}

pub async fn run(
    rest: Arc<RestClient>,
    settings: UserStreamSettings,
    out: mpsc::Sender<UserItem>,
    cancel: CancellationToken,
) {
    let mut backoff = Backoff::new(&settings.reconnect);
    loop {
        let end = match rest.create_listen_key().await {
            Ok(key) => connect_and_run(&rest, &settings, &key, &out, &cancel, &mut backoff).await,
            Err(e) => End::Lost(format!("listenKey: {e}")),
        };
        match end {
            End::Cancelled => {
                // Best effort: the key would expire by itself in 60 minutes anyway.
                let _ = tokio::time::timeout(Duration::from_secs(2), rest.delete_listen_key()).await;
                return;
            }
            End::Renew(reason) => tracing::info!(%reason, "binance user stream: renewing"),
            End::Lost(reason) => {
                let delay = backoff.next_delay();
                tracing::warn!(%reason, ?delay, "binance user stream lost; reconnecting");
                tokio::select! {
                    _ = cancel.cancelled() => return,
                    _ = tokio::time::sleep(delay) => {}
                }
            }
        }
    }
}

async fn connect_and_run(
    rest: &RestClient,
    settings: &UserStreamSettings,
    key: &str,
    out: &mpsc::Sender<UserItem>,
    cancel: &CancellationToken,
    backoff: &mut Backoff,
) -> End {
    let base = settings.base_url.trim_end_matches('/');
    let url = format!("{base}/private/ws?listenKey={key}");
    let socket = match tokio_tungstenite::connect_async(url.as_str()).await {
        Ok((socket, _)) => socket,
        Err(e) => return End::Lost(format!("connect: {e}")),
    };
    let _ = out.send(UserItem::Connected).await;
    let started = tokio::time::Instant::now();
    let end = session(socket, rest, settings, out, cancel, backoff).await;
    // A quiet account sends nothing for hours; a long-lived session still proves the link.
    if started.elapsed() >= settings.reconnect.backoff_max {
        backoff.reset();
    }
    let reason = match &end {
        End::Cancelled => "cancelled".to_owned(),
        End::Renew(r) | End::Lost(r) => r.clone(),
    };
    let _ = out.send(UserItem::Disconnected(reason)).await;
    end
}

async fn session<S>(
    socket: S,
    rest: &RestClient,
    settings: &UserStreamSettings,
    out: &mpsc::Sender<UserItem>,
    cancel: &CancellationToken,
    backoff: &mut Backoff,
) -> End
where
    S: futures::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + futures::Sink<Message> + Unpin,
    <S as futures::Sink<Message>>::Error: std::fmt::Display,
{
    let (mut sink, mut source) = socket.split();
    let mut keepalive =
        tokio::time::interval_at(tokio::time::Instant::now() + settings.keepalive_every, settings.keepalive_every);
    let deadline = tokio::time::sleep(settings.reconnect.max_age);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => {
                let _ = sink.send(Message::Close(None)).await;
                return End::Cancelled;
            }
            _ = &mut deadline => {
                let _ = sink.send(Message::Close(None)).await;
                return End::Renew("maximum connection age".into());
            }
            _ = keepalive.tick() => match rest.keepalive_listen_key().await {
                Ok(()) => tracing::debug!("binance listenKey extended"),
                Err(e) if e.api_code() == Some(code::INVALID_LISTEN_KEY) => {
                    let _ = sink.send(Message::Close(None)).await;
                    return End::Renew("listenKey no longer exists (-1125)".into());
                }
                // The key lives 60 minutes and we extend every 30: one failure is not yet fatal.
                Err(e) => tracing::warn!(error = %e, "binance listenKey keepalive failed"),
            },
            msg = source.next() => match msg {
                None => return End::Lost("closed by peer".into()),
                Some(Err(e)) => return End::Lost(e.to_string()),
                Some(Ok(Message::Text(text))) => match parse::user_event(text.as_str()) {
                    Ok(UserEvent::ListenKeyExpired {}) => return End::Renew("listenKeyExpired".into()),
                    Ok(UserEvent::Other) => {}
                    Ok(event) => {
                        backoff.reset();
                        if out.send(UserItem::Event(event)).await.is_err() {
                            return End::Cancelled;
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "skipping unreadable binance user event"),
                },
                Some(Ok(Message::Ping(payload))) => {
                    if let Err(e) = sink.send(Message::Pong(payload)).await {
                        return End::Lost(e.to_string());
                    }
                }
                Some(Ok(Message::Close(frame))) => return End::Lost(format!("closed by peer: {frame:?}")),
                Some(Ok(_)) => {}
            }
        }
    }
}

//! Market-data sockets on the 2026 routes: `/market/stream` (markPrice) and `/public/stream`
//! (bookTicker), combined mode. Each route runs one task that connects, subscribes (URL plus
//! `SUBSCRIBE` for streams added later), answers pings with their payload, skips garbage,
//! rolls the connection over at a maximum age and reconnects with back-off.
//!
//! I/O only: frames are decoded to wire types and handed on; [`super::feed`] makes events.

use super::parse;
use super::wire::{Command, MarketFrame, MarketPayload};
use futures::{Sink, SinkExt, Stream, StreamExt};
use std::collections::BTreeSet;
use std::fmt::Display;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

/// Binance caps a connection at 1024 streams; NautilusTrader stays at 200. We do the same, and
/// put at most this many in one command.
pub const MAX_STREAMS_PER_COMMAND: usize = 50;
/// Binance accepts at most 10 incoming messages per second per connection.
const COMMAND_SPACING: Duration = Duration::from_millis(110);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `/market`: markPrice, kline, aggTrade, ticker…
    Market,
    /// `/public`: bookTicker and depth.
    Public,
}

impl Route {
    pub fn path(self) -> &'static str {
        match self {
            Route::Market => "/market",
            Route::Public => "/public",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Reconnect {
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// Binance closes connections at 24 h; we roll over before that.
    pub max_age: Duration,
}

/// Exponential back-off between connection attempts.
#[derive(Debug)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    pub fn new(r: &Reconnect) -> Self {
        Self { min: r.backoff_min, max: r.backoff_max, next: r.backoff_min }
    }

    pub fn next_delay(&mut self) -> Duration {
        let d = self.next;
        self.next = (self.next * 2).min(self.max);
        d
    }

    pub fn reset(&mut self) {
        self.next = self.min;
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum MarketItem {
    Connected(Route),
    Disconnected(Route, String),
    Data(MarketPayload),
}

/// Why a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEnd {
    Cancelled,
    /// Planned rollover at the maximum age: reconnect at once.
    Aged,
    Lost(String),
}

/// Run one route until cancelled. `streams` is the wanted set; changes to it are applied to
/// the live socket with SUBSCRIBE/UNSUBSCRIBE and to the URL of the next connection.
pub async fn run_route(
    base_url: String,
    route: Route,
    mut streams: watch::Receiver<BTreeSet<String>>,
    reconnect: Reconnect,
    out: mpsc::Sender<MarketItem>,
    cancel: CancellationToken,
) {
    let mut backoff = Backoff::new(&reconnect);
    loop {
        let wanted: Vec<String> = streams.borrow_and_update().iter().cloned().collect();
        let url = route_url(&base_url, route, &wanted);
        let end = match tokio_tungstenite::connect_async(url.as_str()).await {
            Ok((socket, _)) => {
                let _ = out.send(MarketItem::Connected(route)).await;
                let end = session(socket, route, &wanted, &mut streams, &reconnect, &out, &cancel, &mut backoff).await;
                let reason = format!("{end:?}");
                let _ = out.send(MarketItem::Disconnected(route, reason)).await;
                end
            }
            Err(e) => SessionEnd::Lost(format!("connect {url}: {e}")),
        };
        match end {
            SessionEnd::Cancelled => return,
            SessionEnd::Aged => continue,
            SessionEnd::Lost(reason) => {
                let delay = backoff.next_delay();
                tracing::warn!(route = route.path(), %reason, ?delay, "binance market socket lost; reconnecting");
                tokio::select! {
                    _ = cancel.cancelled() => return,
                    _ = tokio::time::sleep(delay) => {}
                }
            }
        }
    }
}

/// Combined-mode URL carrying the initial streams (the first 200; more go by SUBSCRIBE).
pub fn route_url(base_url: &str, route: Route, streams: &[String]) -> String {
    let base = base_url.trim_end_matches('/');
    let initial: Vec<&str> = streams.iter().take(200).map(String::as_str).collect();
    if initial.is_empty() {
        format!("{base}{}/stream", route.path())
    } else {
        format!("{base}{}/stream?streams={}", route.path(), initial.join("/"))
    }
}

/// One connection. Generic over the socket so it can be driven by channels in unit tests.
#[allow(clippy::too_many_arguments)]
pub async fn session<S, E>(
    socket: S,
    route: Route,
    initial: &[String],
    streams: &mut watch::Receiver<BTreeSet<String>>,
    reconnect: &Reconnect,
    out: &mpsc::Sender<MarketItem>,
    cancel: &CancellationToken,
    backoff: &mut Backoff,
) -> SessionEnd
where
    S: Stream<Item = Result<Message, E>> + Sink<Message> + Unpin,
    E: Display,
    <S as Sink<Message>>::Error: Display,
{
    let (mut sink, mut source) = socket.split();
    let mut subscribed: BTreeSet<String> = initial.iter().take(200).cloned().collect();
    let mut next_id = 1u64;
    let extra: Vec<String> = initial.iter().skip(200).cloned().collect();
    if let Err(e) = send_commands(&mut sink, "SUBSCRIBE", &extra, &mut next_id).await {
        return SessionEnd::Lost(e);
    }
    subscribed.extend(extra);
    let deadline = tokio::time::sleep(reconnect.max_age);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => {
                let _ = sink.send(Message::Close(None)).await;
                return SessionEnd::Cancelled;
            }
            _ = &mut deadline => {
                tracing::info!(route = route.path(), "binance socket reached its maximum age; rolling over");
                let _ = sink.send(Message::Close(None)).await;
                return SessionEnd::Aged;
            }
            changed = streams.changed() => {
                if changed.is_err() {
                    return SessionEnd::Cancelled;
                }
                let wanted = streams.borrow_and_update().clone();
                let add: Vec<String> = wanted.difference(&subscribed).cloned().collect();
                let remove: Vec<String> = subscribed.difference(&wanted).cloned().collect();
                for (method, list) in [("SUBSCRIBE", &add), ("UNSUBSCRIBE", &remove)] {
                    if let Err(e) = send_commands(&mut sink, method, list, &mut next_id).await {
                        return SessionEnd::Lost(e);
                    }
                }
                subscribed = wanted;
            }
            msg = source.next() => match msg {
                None => return SessionEnd::Lost("closed by peer".into()),
                Some(Err(e)) => return SessionEnd::Lost(e.to_string()),
                Some(Ok(Message::Text(text))) => match parse::market_frame(text.as_str()) {
                    Ok(MarketFrame::Combined { data, .. } | MarketFrame::Raw(data)) => {
                        backoff.reset();
                        if out.send(MarketItem::Data(data)).await.is_err() {
                            return SessionEnd::Cancelled;
                        }
                    }
                    Ok(MarketFrame::Reply(r)) => match r.error {
                        Some(e) => tracing::warn!(route = route.path(), id = r.id, code = e.code, msg = %e.msg, "binance refused a stream command"),
                        None => tracing::debug!(route = route.path(), id = r.id, "binance stream command accepted"),
                    },
                    Err(e) => tracing::warn!(route = route.path(), error = %e, "skipping unreadable binance frame"),
                },
                // A manual pong replaces tungstenite's queued automatic one: exactly one reply,
                // carrying the ping's payload, flushed now.
                Some(Ok(Message::Ping(payload))) => {
                    if let Err(e) = sink.send(Message::Pong(payload)).await {
                        return SessionEnd::Lost(e.to_string());
                    }
                }
                Some(Ok(Message::Close(frame))) => return SessionEnd::Lost(format!("closed by peer: {frame:?}")),
                Some(Ok(_)) => {}
            }
        }
    }
}

async fn send_commands<K>(sink: &mut K, method: &str, streams: &[String], next_id: &mut u64) -> Result<(), String>
where
    K: Sink<Message> + Unpin,
    K::Error: Display,
{
    for (i, chunk) in streams.chunks(MAX_STREAMS_PER_COMMAND).enumerate() {
        if i > 0 {
            tokio::time::sleep(COMMAND_SPACING).await;
        }
        let cmd = Command { method, params: chunk, id: *next_id };
        *next_id += 1;
        let text = serde_json::to_string(&cmd).map_err(|e| e.to_string())?;
        sink.send(Message::Text(text.into())).await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

//! The WebSocket feed (`/stream`): connect, wait for `connected`, subscribe (`/` in channel
//! names; frames come back with `:`), then keep local books by nonce continuity, cache
//! `market_stats`, and turn account frames into `VenueEvent`s. `{"type":"ping"}` is answered
//! with `{"type":"pong"}`. On a book gap the channel is resubscribed for a fresh snapshot; on
//! a dropped or silent socket the feed reconnects with back-off, resubscribes, and re-queries
//! account state over REST so that nothing that happened meanwhile is lost.
//!
//! `Feed::handle` is the whole protocol and does no I/O; `session` is generic over the socket
//! so tests can drive it through channels.

use std::sync::Arc;

use app::market::{FundingSnapshot, MarkPrice, TopOfBook};
use app::{FundingInterval, Venue};
use futures::{Sink, SinkExt, Stream, StreamExt};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::account::{self, fill_of, payment_of, position_of, record_order};
use super::book::Applied;
use super::parse::{self, account::FundingFields};
use super::shared::Shared;
use super::wire::ws::{self as wws, ClientFrame};
use crate::venue::VenueEvent;

/// Subscriptions per connection are capped at 100 by the venue; leave room for account channels.
const MAX_MARKETS: usize = 45;

pub struct FeedHandle {
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl FeedHandle {
    pub fn abort(self) {
        self.task.abort();
    }

    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }
}

pub fn spawn(shared: Arc<Shared>) -> FeedHandle {
    let (shutdown, rx) = watch::channel(false);
    FeedHandle { shutdown, task: tokio::spawn(run(shared, rx)) }
}

#[derive(Debug, PartialEq, Eq)]
pub enum SessionEnd {
    Shutdown,
    Closed,
    Stale,
    Failed(String),
}

async fn run(shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let backoff = shared.config.reconnect_backoff;
    let mut attempt = 0u32;
    loop {
        if shared.directory().is_empty()
            && let Err(e) = shared.refresh_markets().await
        {
            tracing::warn!(error = %e, "Lighter feed: cannot load markets yet");
        }
        match tokio_tungstenite::connect_async(shared.config.ws_url.as_str()).await {
            Ok((ws, _)) => {
                let end = session(&shared, ws, &mut shutdown).await;
                if end != SessionEnd::Closed || attempt > 0 {
                    tracing::warn!(?end, "Lighter feed session ended");
                }
                on_disconnect(&shared);
                if end == SessionEnd::Shutdown {
                    return;
                }
                attempt = 0;
            }
            Err(e) => tracing::warn!(error = %e, attempt, "Lighter feed: connect failed"),
        }
        let delay = backoff.delay(attempt);
        attempt = attempt.saturating_add(1);
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = shutdown.changed() => return,
        }
    }
}

fn on_disconnect(shared: &Shared) {
    let now = shared.clock().now_ms();
    {
        let mut live = shared.live();
        live.account_stream = false;
        live.books.values_mut().for_each(|b| b.desync());
        live.disconnected_at.get_or_insert(now);
    }
    shared.publish(VenueEvent::Connection { venue: Venue::Lighter, connected: false, time_ms: now });
    shared.changed();
}

/// One connection's life. Returns why it ended; the caller reconnects.
pub async fn session<S>(shared: &Arc<Shared>, ws: S, shutdown: &mut watch::Receiver<bool>) -> SessionEnd
where
    S: Stream<Item = Result<Message, WsError>> + Sink<Message, Error = WsError> + Unpin,
{
    let (mut tx, mut rx) = ws.split();
    let stale = shared.config.ws_stale_after;
    let mut feed = Feed::new(Arc::clone(shared));
    let mut subscribed = false;
    let mut keepalive = tokio::time::interval(shared.config.ws_keepalive);
    keepalive.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    keepalive.tick().await;
    loop {
        let outgoing = tokio::select! {
            _ = shutdown.changed() => {
                let _ = tx.send(Message::Close(None)).await;
                return SessionEnd::Shutdown;
            }
            _ = keepalive.tick() => vec![Message::Ping(Vec::new().into())],
            msg = tokio::time::timeout(stale, rx.next()) => match msg {
                Err(_) => return SessionEnd::Stale,
                Ok(None) | Ok(Some(Ok(Message::Close(_)))) => return SessionEnd::Closed,
                Ok(Some(Err(e))) => return SessionEnd::Failed(e.to_string()),
                Ok(Some(Ok(Message::Text(text)))) => {
                    let mut out: Vec<Message> = feed.handle(&text).into_iter().map(|s| Message::Text(s.into())).collect();
                    if !subscribed && feed.connected {
                        subscribed = true;
                        out.extend(feed.subscriptions().into_iter().map(|s| Message::Text(s.into())));
                        on_connected(shared);
                    }
                    out
                }
                Ok(Some(Ok(Message::Ping(p)))) => vec![Message::Pong(p)],
                Ok(Some(Ok(_))) => Vec::new(),
            },
        };
        for m in outgoing {
            if let Err(e) = tx.send(m).await {
                return SessionEnd::Failed(e.to_string());
            }
        }
    }
}

/// Announce the connection and, after a reconnect, re-query what may have been missed.
fn on_connected(shared: &Arc<Shared>) {
    let now = shared.clock().now_ms();
    shared.publish(VenueEvent::Connection { venue: Venue::Lighter, connected: true, time_ms: now });
    let since = shared.live().disconnected_at.take();
    if let Some(since) = since {
        let shared = Arc::clone(shared);
        // A minute of overlap: the venue's timestamps and ours need not agree to the ms.
        tokio::spawn(async move { account::reconcile(&shared, since - 60_000).await });
    }
}

/// The protocol: frames in, frames to send out, events published on the way.
pub struct Feed {
    shared: Arc<Shared>,
    pub connected: bool,
}

fn market_of(channel: &str) -> Option<i16> {
    channel.split([':', '/']).nth(1)?.parse().ok()
}

impl Feed {
    pub fn new(shared: Arc<Shared>) -> Self {
        Self { shared, connected: false }
    }

    pub fn subscriptions(&self) -> Vec<String> {
        let dir = self.shared.directory();
        let mut markets: Vec<i16> = dir.markets().map(|m| m.market_id).collect();
        markets.sort_unstable();
        markets.truncate(MAX_MARKETS);
        let mut out: Vec<String> = markets
            .iter()
            .flat_map(|m| [format!("market_stats/{m}"), format!("order_book/{m}")])
            .map(|c| ClientFrame::subscribe(&c, None).to_json())
            .collect();
        if let Some(account) = self.shared.config.account_index {
            let token = self.shared.token().ok();
            out.push(ClientFrame::subscribe(&format!("account_all/{account}"), token.as_deref()).to_json());
            if token.is_some() {
                out.push(ClientFrame::subscribe(&format!("account_all_orders/{account}"), token.as_deref()).to_json());
            }
        }
        out
    }

    /// Handles one text frame; returns frames to send. Garbage is logged and skipped.
    pub fn handle(&mut self, text: &str) -> Vec<String> {
        let head: wws::FrameHead = match serde_json::from_str(text) {
            Ok(h) => h,
            Err(e) => {
                tracing::warn!(error = %e, frame = %text.chars().take(120).collect::<String>(), "Lighter feed: unreadable frame skipped");
                return Vec::new();
            }
        };
        if let Some(err) = head.error {
            tracing::warn!(code = ?err.code, message = ?err.message, "Lighter feed error frame");
            return Vec::new();
        }
        let kind = head.kind.as_deref().unwrap_or_default();
        let (phase, channel_kind) = kind.split_once('/').unwrap_or((kind, ""));
        let snapshot = phase == "subscribed";
        let result = match (phase, channel_kind) {
            ("connected", _) => {
                self.connected = true;
                Ok(Vec::new())
            }
            ("ping", _) => Ok(vec![ClientFrame::pong().to_json()]),
            ("pong", _) => Ok(Vec::new()),
            ("error", _) => {
                tracing::warn!(frame = %text.chars().take(200).collect::<String>(), "Lighter feed error");
                Ok(Vec::new())
            }
            (_, "order_book") => self.on_book(text, snapshot),
            (_, "market_stats") => self.on_stats(text).map(|_| Vec::new()),
            (_, "account_all") => self.on_account_all(text).map(|_| Vec::new()),
            (_, "account_all_orders" | "account_orders") => self.on_orders(text, snapshot).map(|_| Vec::new()),
            _ => {
                tracing::debug!(kind, "Lighter feed: frame ignored");
                Ok(Vec::new())
            }
        };
        result.unwrap_or_else(|e| {
            tracing::warn!(error = %e, kind, "Lighter feed: malformed frame skipped");
            Vec::new()
        })
    }

    fn on_book(&mut self, text: &str, snapshot: bool) -> Result<Vec<String>, String> {
        let frame: wws::OrderBookFrame = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let id = market_of(&frame.channel).ok_or("order_book frame without a market id")?;
        let now = frame.timestamp.unwrap_or_else(|| self.shared.clock().now_ms());
        let (top, resubscribe) = {
            let mut live = self.shared.live();
            let book = live.books.entry(id).or_default();
            let before = book.best();
            let applied = if snapshot {
                book.snapshot(&frame.order_book, now).map(|_| Applied::Applied)
            } else {
                book.update(&frame.order_book, now)
            }
            .map_err(|e| e.to_string())?;
            let resub = matches!(applied, Applied::Gap { .. });
            if let Applied::Gap { expected, begin } = applied {
                tracing::info!(market = id, expected, begin, "Lighter order book gap: resubscribing");
                book.desync();
            }
            let after = book.best();
            if resub {
                live.book_resyncs += 1;
            }
            ((after != before).then_some(after), resub)
        };
        if let (Some((Some(bid), Some(ask))), Some(symbol)) = (top, self.shared.symbol_of(id)) {
            self.shared.publish(VenueEvent::Book(TopOfBook { venue: Venue::Lighter, symbol, bid, ask, time_ms: now }));
        }
        self.shared.changed();
        if resubscribe {
            let channel = format!("order_book/{id}");
            return Ok(vec![
                ClientFrame::unsubscribe(&channel).to_json(),
                ClientFrame::subscribe(&channel, None).to_json(),
            ]);
        }
        Ok(Vec::new())
    }

    fn on_stats(&mut self, text: &str) -> Result<(), String> {
        let frame: wws::MarketStatsFrame = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let now = self.shared.clock().now_ms();
        let stats = parse::stats(&frame.market_stats, frame.timestamp.unwrap_or(now)).map_err(|e| e.to_string())?;
        let Some(symbol) = self.shared.symbol_of(stats.market_id) else { return Ok(()) };
        self.shared.live().stats.insert(stats.market_id, stats.clone());
        self.shared.publish(VenueEvent::Funding(FundingSnapshot {
            venue: Venue::Lighter,
            symbol: symbol.clone(),
            predicted: stats.predicted,
            last_settled: Some(stats.last_settled),
            next_funding_ms: FundingInterval::HOURLY.next_settlement_after(now),
            time_ms: stats.time_ms,
        }));
        self.shared.publish(VenueEvent::Mark(MarkPrice {
            venue: Venue::Lighter,
            symbol,
            mark: stats.mark,
            index: stats.index,
            time_ms: stats.time_ms,
        }));
        self.shared.changed();
        Ok(())
    }

    fn on_account_all(&mut self, text: &str) -> Result<(), String> {
        let frame: wws::AccountAllFrame = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let account =
            frame.account.or_else(|| market_of(&frame.channel).map(i64::from)).or(self.shared.config.account_index);
        let Some(account) = account else { return Ok(()) };
        for p in frame.positions.values() {
            if let Some(pos) = position_of(&self.shared, p).map_err(|e| e.to_string())? {
                self.shared.publish(VenueEvent::Position(pos));
            }
        }
        for t in frame.trades.values().flatten() {
            fill_of(&self.shared, t, account).map_err(|e| e.to_string())?;
        }
        for f in frame.funding_histories.values().flatten() {
            payment_of(&self.shared, f.market_id, &FundingFields::from(f)).map_err(|e| e.to_string())?;
        }
        self.shared.changed();
        Ok(())
    }

    fn on_orders(&mut self, text: &str, snapshot: bool) -> Result<(), String> {
        let frame: wws::AccountOrdersFrame = serde_json::from_str(text).map_err(|e| e.to_string())?;
        for o in frame.orders.values().flatten() {
            record_order(&self.shared, o).map_err(|e| e.to_string())?;
        }
        if snapshot {
            self.shared.live().account_stream = true;
        }
        self.shared.changed();
        Ok(())
    }
}

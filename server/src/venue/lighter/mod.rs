//! Lighter (zkLighter): the connector. `LighterVenue` implements `VenueClient` over the REST
//! API and the `/stream` WebSocket, signing transactions with the `lighter-signer` crate.
//!
//! Layers: `wire` (JSON as sent), `parse` (→ domain types), `rest`/`ws` (stateless I/O and the
//! feed protocol); `trading` and `account` hold the order and account flows, `shared` the state
//! they share. Without an API key the venue is read-only: market data works, trading calls
//! fail with `VenueError::Fatal`.

pub mod account;
pub mod book;
pub mod clock;
pub mod config;
pub mod encode;
pub mod parse;
pub mod rest;
pub mod shared;
pub mod state;
pub mod trading;
pub mod wire;
pub mod ws;

use std::sync::{Arc, Mutex};

use app::market::{FundingSnapshot, MarkPrice, Market, OrderBook, SettledFunding, TopOfBook};
use app::order::{Balance, Fill, FundingPayment, OrderReport, OrderRequest, VenuePosition};
use app::{ClientOrderId, FundingInterval, Symbol, TimestampMs, Venue, VenueMode};
use async_trait::async_trait;
use tokio::sync::broadcast;

pub use config::{ApiKey, Backoff, LighterConfig};
pub use encode::client_order_index;

use crate::venue::{VenueClient, VenueError, VenueEvent};
use parse::Stats;
use shared::{Shared, connectivity, parse_error, read_error};

pub struct LighterVenue {
    shared: Arc<Shared>,
    feed: Mutex<Option<ws::FeedHandle>>,
}

impl LighterVenue {
    /// Builds the connector without I/O; call `start_feed` for pushes.
    pub fn new(config: LighterConfig) -> Result<Self, VenueError> {
        Ok(Self { shared: Arc::new(Shared::new(config)?), feed: Mutex::new(None) })
    }

    /// Loads the markets and starts the WebSocket feed.
    pub async fn connect(config: LighterConfig) -> Result<Arc<Self>, VenueError> {
        let venue = Self::new(config)?;
        venue.shared.refresh_markets().await?;
        venue.start_feed();
        Ok(Arc::new(venue))
    }

    pub fn start_feed(&self) {
        let mut feed = self.feed.lock().unwrap_or_else(|e| e.into_inner());
        if feed.is_none() {
            *feed = Some(ws::spawn(Arc::clone(&self.shared)));
        }
    }

    pub async fn shutdown(&self) {
        let handle = self.feed.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(h) = handle {
            h.stop().await;
        }
    }

    /// The REST client, for venue calls the trait does not cover (`server doctor`).
    pub fn rest(&self) -> &rest::RestClient {
        &self.shared.rest
    }

    pub fn config(&self) -> &LighterConfig {
        &self.shared.config
    }

    /// Our signers' public keys by slot (empty when read-only).
    pub fn public_keys(&self) -> Vec<(u8, String)> {
        self.shared
            .trading
            .as_ref()
            .map(|t| t.signers.iter().map(|(i, s)| (*i, s.public_key_hex())).collect())
            .unwrap_or_default()
    }

    /// The feed's local book, if it is in sync (diagnostics and tests).
    pub fn local_book(&self, symbol: &Symbol, depth: usize) -> Option<OrderBook> {
        let id = self.shared.directory().market(symbol)?.market_id;
        let live = self.shared.live();
        let book = live.books.get(&id).filter(|b| b.synced())?;
        let (bids, asks) = book.depth(depth);
        Some(OrderBook { venue: Venue::Lighter, symbol: symbol.clone(), bids, asks, time_ms: book.time_ms })
    }

    pub fn book_resyncs(&self) -> u64 {
        self.shared.live().book_resyncs
    }

    /// Whether the account channels are live (orders then confirm without polling).
    pub fn account_stream_live(&self) -> bool {
        self.shared.live().account_stream
    }

    async fn stats(&self, symbol: &Symbol) -> Result<Stats, VenueError> {
        let market = self.shared.market(symbol).await?;
        let deadline = tokio::time::Instant::now() + self.shared.config.stats_wait;
        let mut rx = self.shared.watch();
        loop {
            if let Some(s) = self.shared.live().stats.get(&market.market_id) {
                return Ok(s.clone());
            }
            tokio::select! {
                changed = rx.changed() => if changed.is_err() { break },
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
        Err(connectivity(format!("no market_stats for {symbol} from the Lighter feed yet")))
    }

    async fn book(&self, symbol: &Symbol, depth: usize) -> Result<OrderBook, VenueError> {
        if let Some(b) = self.local_book(symbol, depth) {
            return Ok(b);
        }
        let market = self.shared.market(symbol).await?;
        let limit = depth.clamp(1, 250) as u32;
        let resp = self.shared.rest.order_book_orders(market.market_id, limit).await.map_err(read_error)?;
        let (mut bids, mut asks) = parse::book_from_orders(&resp).map_err(parse_error)?;
        bids.truncate(depth);
        asks.truncate(depth);
        Ok(OrderBook { venue: Venue::Lighter, symbol: symbol.clone(), bids, asks, time_ms: self.now_ms() })
    }
}

#[async_trait]
impl VenueClient for LighterVenue {
    fn can_trade(&self) -> bool {
        self.shared.trading.is_some()
    }

    fn venue(&self) -> Venue {
        Venue::Lighter
    }

    fn mode(&self) -> VenueMode {
        self.shared.config.mode
    }

    fn now_ms(&self) -> TimestampMs {
        self.shared.clock().now_ms()
    }

    fn subscribe(&self) -> broadcast::Receiver<VenueEvent> {
        self.shared.events.subscribe()
    }

    async fn markets(&self) -> Result<Vec<Market>, VenueError> {
        Ok(self.shared.refresh_markets().await?.iter().map(parse::LighterMarket::to_market).collect())
    }

    async fn funding(&self, symbol: &Symbol) -> Result<FundingSnapshot, VenueError> {
        let s = self.stats(symbol).await?;
        Ok(FundingSnapshot {
            venue: Venue::Lighter,
            symbol: symbol.clone(),
            predicted: s.predicted,
            last_settled: Some(s.last_settled),
            // Settlement is every hour on the hour; fixtures disagree on what
            // `funding_timestamp` means, so it is not used.
            next_funding_ms: FundingInterval::HOURLY.next_settlement_after(self.now_ms()),
            time_ms: s.time_ms,
        })
    }

    async fn funding_history(
        &self,
        symbol: &Symbol,
        from_ms: TimestampMs,
        to_ms: TimestampMs,
    ) -> Result<Vec<SettledFunding>, VenueError> {
        let market = self.shared.market(symbol).await?;
        // At most 750 rows an answer: walk the range in 500-hour windows.
        const WINDOW_MS: i64 = 500 * app::MS_PER_HOUR;
        let mut out = Vec::new();
        let mut start = from_ms;
        while start < to_ms {
            let end = (start + WINDOW_MS).min(to_ms);
            let resp = self.shared.rest.fundings(market.market_id, start, end).await.map_err(read_error)?;
            for row in &resp.fundings {
                let s = parse::settled_funding(row, symbol).map_err(parse_error)?;
                if s.time_ms > from_ms && s.time_ms <= to_ms {
                    out.push(s);
                }
            }
            start = end;
        }
        out.sort_by_key(|s| s.time_ms);
        out.dedup_by_key(|s| s.time_ms);
        Ok(out)
    }

    async fn mark_price(&self, symbol: &Symbol) -> Result<MarkPrice, VenueError> {
        let s = self.stats(symbol).await?;
        Ok(MarkPrice {
            venue: Venue::Lighter,
            symbol: symbol.clone(),
            mark: s.mark,
            index: s.index,
            time_ms: s.time_ms,
        })
    }

    async fn top_of_book(&self, symbol: &Symbol) -> Result<TopOfBook, VenueError> {
        let b = self.book(symbol, 1).await?;
        match (b.bids.first(), b.asks.first()) {
            (Some(bid), Some(ask)) => Ok(TopOfBook {
                venue: Venue::Lighter,
                symbol: symbol.clone(),
                bid: *bid,
                ask: *ask,
                time_ms: b.time_ms,
            }),
            _ => Err(connectivity(format!("the Lighter {symbol} book has an empty side"))),
        }
    }

    async fn order_book(&self, symbol: &Symbol, depth: usize) -> Result<OrderBook, VenueError> {
        self.book(symbol, depth).await
    }

    async fn place_order(&self, order: &OrderRequest) -> Result<OrderReport, VenueError> {
        trading::place_order(&self.shared, order).await
    }

    async fn cancel_order(&self, symbol: &Symbol, id: &ClientOrderId) -> Result<OrderReport, VenueError> {
        trading::cancel_order(&self.shared, symbol, id).await
    }

    async fn query_order(&self, symbol: &Symbol, id: &ClientOrderId) -> Result<Option<OrderReport>, VenueError> {
        self.shared.trading()?;
        account::query_order(&self.shared, symbol, id).await
    }

    async fn open_orders(&self) -> Result<Vec<OrderReport>, VenueError> {
        self.shared.trading()?;
        account::open_orders(&self.shared).await
    }

    async fn positions(&self) -> Result<Vec<VenuePosition>, VenueError> {
        account::positions(&self.shared).await
    }

    async fn balance(&self) -> Result<Balance, VenueError> {
        account::balance(&self.shared).await
    }

    async fn fills(&self, since_ms: TimestampMs) -> Result<Vec<Fill>, VenueError> {
        self.shared.trading()?;
        account::fills(&self.shared, since_ms).await
    }

    async fn funding_payments(&self, since_ms: TimestampMs) -> Result<Vec<FundingPayment>, VenueError> {
        self.shared.trading()?;
        account::funding_payments(&self.shared, since_ms).await
    }
}

impl Drop for LighterVenue {
    fn drop(&mut self) {
        // Without an explicit shutdown, at least stop reconnecting forever.
        if let Some(h) = self.feed.lock().unwrap_or_else(|e| e.into_inner()).take() {
            h.abort();
        }
    }
}

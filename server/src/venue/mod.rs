//! The venue abstraction: what a simulated venue and a real connector both provide.
//!
//! Shaped on Binance USDⓈ-M and Lighter: markets with filters, funding with its interval,
//! mark/index prices, books, orders addressed by *our* client order id, positions, balances,
//! fills, settled funding payments, and a push stream of [`VenueEvent`]s. Requests return a
//! [`VenueError`] whose kind tells the caller how to react.

pub mod binance;
pub mod build;
pub mod lighter;
pub mod sim;

use app::market::{FundingSnapshot, MarkPrice, Market, OrderBook, SettledFunding, TopOfBook};
use app::order::{Balance, Fill, FundingPayment, OrderReport, OrderRequest, VenuePosition};
use app::{ClientOrderId, Symbol, TimestampMs, Venue, VenueMode};
use async_trait::async_trait;
use std::sync::Arc;
use tokio::sync::broadcast;

/// How a caller must react to a failed request (STYLE.md §9).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum VenueError {
    /// Network trouble or throttling before the venue acted: safe to retry later.
    #[error("{venue} unreachable: {message}")]
    Connectivity { venue: Venue, message: String },
    /// The venue refused the request; retrying the same request will not help.
    #[error("{venue} rejected the request ({code}): {message}")]
    Rejected { venue: Venue, code: String, message: String },
    /// The request may or may not have taken effect (timeout, 5xx after send): reconcile by
    /// client order id, never re-send blindly.
    #[error("{venue} outcome unknown: {message}")]
    OutcomeUnknown { venue: Venue, message: String },
    /// Credentials, permissions or configuration are wrong: stop trading on this venue.
    #[error("{venue} fatal: {message}")]
    Fatal { venue: Venue, message: String },
}

/// Everything a venue pushes. Market events feed the collector; account events feed the
/// trading core.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum VenueEvent {
    Funding(FundingSnapshot),
    Mark(MarkPrice),
    Book(TopOfBook),
    Order(OrderReport),
    Fill(Fill),
    FundingPaid(FundingPayment),
    Position(VenuePosition),
    Connection { venue: Venue, connected: bool, time_ms: TimestampMs },
}

#[async_trait]
pub trait VenueClient: Send + Sync {
    fn venue(&self) -> Venue;
    fn mode(&self) -> VenueMode;
    /// The venue's clock (simulated venues may run faster than real time).
    fn now_ms(&self) -> TimestampMs;
    /// Whether trading calls can work (keys configured). A read-only venue serves market data.
    fn can_trade(&self) -> bool {
        true
    }
    /// Push updates. Lagging receivers lose the oldest events and should re-query state.
    fn subscribe(&self) -> broadcast::Receiver<VenueEvent>;

    async fn markets(&self) -> Result<Vec<Market>, VenueError>;
    /// One cheap REST round trip, for the health probe's latency figure. The default asks
    /// for the market list; a connector that caches that list overrides this.
    async fn ping(&self) -> Result<(), VenueError> {
        self.markets().await.map(|_| ())
    }
    async fn funding(&self, symbol: &Symbol) -> Result<FundingSnapshot, VenueError>;
    /// Settled rates in `(from, to]`, oldest first.
    async fn funding_history(
        &self,
        symbol: &Symbol,
        from_ms: TimestampMs,
        to_ms: TimestampMs,
    ) -> Result<Vec<SettledFunding>, VenueError>;
    async fn mark_price(&self, symbol: &Symbol) -> Result<MarkPrice, VenueError>;
    async fn top_of_book(&self, symbol: &Symbol) -> Result<TopOfBook, VenueError>;
    async fn order_book(&self, symbol: &Symbol, depth: usize) -> Result<OrderBook, VenueError>;

    /// Place an order. Sending the same client order id twice never creates two orders.
    async fn place_order(&self, order: &OrderRequest) -> Result<OrderReport, VenueError>;
    async fn cancel_order(&self, symbol: &Symbol, id: &ClientOrderId) -> Result<OrderReport, VenueError>;
    /// `Ok(None)`: the venue has no order with that id (it never arrived).
    async fn query_order(&self, symbol: &Symbol, id: &ClientOrderId) -> Result<Option<OrderReport>, VenueError>;
    async fn open_orders(&self) -> Result<Vec<OrderReport>, VenueError>;

    async fn positions(&self) -> Result<Vec<VenuePosition>, VenueError>;
    async fn balance(&self) -> Result<Balance, VenueError>;
    async fn fills(&self, since_ms: TimestampMs) -> Result<Vec<Fill>, VenueError>;
    async fn funding_payments(&self, since_ms: TimestampMs) -> Result<Vec<FundingPayment>, VenueError>;
}

pub type DynVenue = Arc<dyn VenueClient>;

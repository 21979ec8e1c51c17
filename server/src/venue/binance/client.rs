//! `VenueClient` for [`BinanceVenue`]: reads delegate to the metadata and account modules;
//! orders are addressed by our client order id, and an order whose outcome is unknown is
//! resolved by looking it up — never by sending it again.

use super::endpoints::{NewOrder, OrderRef};
use super::error::{BinanceError, ErrorKind, code};
use super::rest::{Call, Security};
use super::{BinanceVenue, Shared, parse};
use crate::venue::{VenueClient, VenueError, VenueEvent};
use app::market::{FundingSnapshot, MarkPrice, Market, OrderBook, SettledFunding, TopOfBook};
use app::order::{Balance, Fill, FundingPayment, OrderReport, OrderRequest, OrderType, TimeInForce, VenuePosition};
use app::{ClientOrderId, Symbol, TimestampMs, Venue, VenueMode};
use async_trait::async_trait;
use tokio::sync::broadcast;

fn read(e: BinanceError) -> VenueError {
    e.into_venue(false)
}

fn write(e: BinanceError) -> VenueError {
    e.into_venue(true)
}

fn invalid_order(message: &str) -> VenueError {
    VenueError::Rejected { venue: Venue::Binance, code: "invalid_order".into(), message: message.into() }
}

/// Our order in Binance's vocabulary. Decimals print plainly (never scientific notation).
pub(super) fn new_order(req: &OrderRequest) -> Result<NewOrder, VenueError> {
    if req.qty.0 <= rust_decimal::Decimal::ZERO {
        return Err(invalid_order("quantity must be positive"));
    }
    let (order_type, tif) = match (req.order_type, req.time_in_force) {
        (OrderType::Market, _) => ("MARKET", None),
        (OrderType::Limit, TimeInForce::Gtc) => ("LIMIT", Some("GTC")),
        (OrderType::Limit, TimeInForce::Ioc) => ("LIMIT", Some("IOC")),
        (OrderType::Limit, TimeInForce::PostOnly) => ("LIMIT", Some("GTX")),
    };
    let price = match req.order_type {
        OrderType::Market => None,
        OrderType::Limit => {
            Some(req.price.ok_or_else(|| invalid_order("a limit order needs a price"))?.0.normalize().to_string())
        }
    };
    Ok(NewOrder {
        symbol: parse::venue_symbol(&req.symbol),
        side: parse::side_str(req.side),
        order_type,
        quantity: req.qty.0.normalize().to_string(),
        price,
        time_in_force: tif,
        reduce_only: req.reduce_only,
        client_order_id: req.client_order_id.as_str().to_owned(),
    })
}

impl Shared {
    fn order_report(&self, o: &super::wire::Order) -> Result<OrderReport, BinanceError> {
        let id = parse::client_order_id(&o.client_order_id)?;
        let fee = self.cache().order_fee(&id);
        let report = parse::order_report(o, fee)?;
        self.cache().remember_order(o.order_id, &report.client_order_id, &report.symbol);
        Ok(report)
    }

    pub(super) async fn query_order(
        &self,
        symbol: &Symbol,
        id: &ClientOrderId,
    ) -> Result<Option<OrderReport>, BinanceError> {
        let found = self.rest.query_order(&parse::venue_symbol(symbol), OrderRef::Client(id.as_str())).await?;
        found.map(|o| self.order_report(&o)).transpose()
    }

    /// After a 5xx, timeout or -1006/-1007 the order may exist. Look it up by client id a few
    /// times (the venue's state can lag its error); if it never shows, the outcome stays
    /// unknown — re-sending could double a position, because Binance only rejects duplicate
    /// client ids among *open* orders.
    async fn resolve_unknown(&self, req: &OrderRequest, cause: BinanceError) -> Result<OrderReport, VenueError> {
        tracing::warn!(id = %req.client_order_id, error = %cause, "binance order outcome unknown; looking it up");
        let mut last = cause.to_string();
        for attempt in 0..self.tuning.outcome_lookups.max(1) {
            tokio::time::sleep(self.tuning.outcome_lookup_delay * attempt).await;
            match self.query_order(&req.symbol, &req.client_order_id).await {
                Ok(Some(report)) => return Ok(report),
                Ok(None) => last = "not found by client order id".into(),
                Err(e) => last = e.to_string(),
            }
        }
        let message =
            format!("order {} outcome unknown ({cause}); last lookup: {last}; not re-sent", req.client_order_id);
        Err(VenueError::OutcomeUnknown { venue: Venue::Binance, message })
    }
}

#[async_trait]
impl VenueClient for BinanceVenue {
    fn venue(&self) -> Venue {
        Venue::Binance
    }

    fn can_trade(&self) -> bool {
        self.shared.rest.has_credentials()
    }

    fn mode(&self) -> VenueMode {
        self.shared.mode
    }

    fn now_ms(&self) -> TimestampMs {
        self.shared.now_ms()
    }

    fn subscribe(&self) -> broadcast::Receiver<VenueEvent> {
        self.shared.events.subscribe()
    }

    async fn markets(&self) -> Result<Vec<Market>, VenueError> {
        Ok(self.shared.markets().await.map_err(read)?.into_iter().map(|m| m.market).collect())
    }

    /// `GET /fapi/v1/ping` (weight 1): `markets` answers from the cache.
    async fn ping(&self) -> Result<(), VenueError> {
        let call = Call::new(reqwest::Method::GET, "/fapi/v1/ping", 1, Security::Public);
        self.shared.rest.send(&call).await.map(|_| ()).map_err(read)
    }

    async fn funding(&self, symbol: &Symbol) -> Result<FundingSnapshot, VenueError> {
        self.shared.funding(symbol).await.map_err(read)
    }

    async fn funding_history(
        &self,
        symbol: &Symbol,
        from_ms: TimestampMs,
        to_ms: TimestampMs,
    ) -> Result<Vec<SettledFunding>, VenueError> {
        self.shared.funding_history(symbol, from_ms, to_ms).await.map_err(read)
    }

    async fn mark_price(&self, symbol: &Symbol) -> Result<MarkPrice, VenueError> {
        let rows = self.shared.rest.premium_index(Some(&parse::venue_symbol(symbol))).await.map_err(read)?;
        let p = rows.first().ok_or_else(|| read(BinanceError::Decode("empty premiumIndex".into())))?;
        parse::mark_price(p).map_err(|e| read(e.into()))
    }

    async fn top_of_book(&self, symbol: &Symbol) -> Result<TopOfBook, VenueError> {
        let b = self.shared.rest.book_ticker(&parse::venue_symbol(symbol)).await.map_err(read)?;
        parse::top_of_book(&b).map_err(|e| read(e.into()))
    }

    async fn order_book(&self, symbol: &Symbol, depth: usize) -> Result<OrderBook, VenueError> {
        let limit = super::endpoints::depth_limit(depth);
        let d = self.shared.rest.depth(&parse::venue_symbol(symbol), limit).await.map_err(read)?;
        Ok(parse::order_book(&d, symbol, depth))
    }

    async fn place_order(&self, order: &OrderRequest) -> Result<OrderReport, VenueError> {
        self.shared.require_keys()?;
        let wire_order = new_order(order)?;
        self.shared.cache().traded.insert(order.symbol.clone());
        match self.shared.rest.new_order(&wire_order).await {
            Ok(o) => self.shared.order_report(&o).map_err(|e| self.shared_unknown(order, e)),
            // Binance refuses a client id already used by an open order: that order is ours.
            Err(e) if e.api_code() == Some(code::DUPLICATED_CLIENT_ORDER_ID) => {
                match self.shared.query_order(&order.symbol, &order.client_order_id).await {
                    Ok(Some(report)) => Ok(report),
                    _ => Err(write(e)),
                }
            }
            Err(e) if e.kind(true) == ErrorKind::OutcomeUnknown => self.shared.resolve_unknown(order, e).await,
            Err(e) => Err(write(e)),
        }
    }

    async fn cancel_order(&self, symbol: &Symbol, id: &ClientOrderId) -> Result<OrderReport, VenueError> {
        self.shared.require_keys()?;
        match self.shared.rest.cancel_order(&parse::venue_symbol(symbol), OrderRef::Client(id.as_str())).await {
            Ok(o) => self.shared.order_report(&o).map_err(write),
            // Already final (-2011): report the final state rather than an error.
            Err(e) if e.api_code() == Some(code::CANCEL_REJECTED) => match self.shared.query_order(symbol, id).await {
                Ok(Some(report)) if report.status.is_final() => Ok(report),
                _ => Err(write(e)),
            },
            Err(e) => Err(write(e)),
        }
    }

    async fn query_order(&self, symbol: &Symbol, id: &ClientOrderId) -> Result<Option<OrderReport>, VenueError> {
        self.shared.require_keys()?;
        self.shared.query_order(symbol, id).await.map_err(read)
    }

    async fn open_orders(&self) -> Result<Vec<OrderReport>, VenueError> {
        self.shared.require_keys()?;
        self.shared.open_orders().await.map_err(read)
    }

    async fn positions(&self) -> Result<Vec<VenuePosition>, VenueError> {
        self.shared.require_keys()?;
        self.shared.positions().await.map_err(read)
    }

    async fn balance(&self) -> Result<Balance, VenueError> {
        self.shared.require_keys()?;
        let a = self.shared.rest.account().await.map_err(read)?;
        Ok(parse::balance(&a, self.shared.now_ms()))
    }

    async fn fills(&self, since_ms: TimestampMs) -> Result<Vec<Fill>, VenueError> {
        self.shared.require_keys()?;
        self.shared.fills(since_ms).await.map_err(read)
    }

    async fn funding_payments(&self, since_ms: TimestampMs) -> Result<Vec<FundingPayment>, VenueError> {
        self.shared.require_keys()?;
        self.shared.funding_payments(since_ms).await.map_err(read)
    }
}

impl BinanceVenue {
    /// An accepted order whose answer we cannot read is, for the caller, an unknown outcome.
    fn shared_unknown(&self, order: &OrderRequest, e: BinanceError) -> VenueError {
        VenueError::OutcomeUnknown {
            venue: Venue::Binance,
            message: format!("order {} was answered but the answer is unreadable: {e}", order.client_order_id),
        }
    }

    /// Every perpetual's predicted funding in one call (weight 10).
    pub async fn funding_board(&self) -> Result<Vec<FundingSnapshot>, VenueError> {
        self.shared.funding_board().await.map_err(read)
    }

    /// Set a symbol's leverage; remembered for position events.
    pub async fn set_leverage(&self, symbol: &Symbol, leverage: u32) -> Result<u32, VenueError> {
        self.shared.require_keys()?;
        let r = self.shared.rest.set_leverage(&parse::venue_symbol(symbol), leverage).await.map_err(write)?;
        self.shared.cache().leverage.insert(symbol.clone(), r.leverage);
        Ok(r.leverage)
    }

    /// Cross (`false`) or isolated margin; "already set" is success.
    pub async fn set_margin_type(&self, symbol: &Symbol, isolated: bool) -> Result<(), VenueError> {
        self.shared.require_keys()?;
        self.shared.rest.set_margin_type(&parse::venue_symbol(symbol), isolated).await.map_err(write)
    }

    /// The connector trades in one-way mode (signed `positionAmt`, `positionSide=BOTH`).
    pub async fn ensure_one_way_mode(&self) -> Result<(), VenueError> {
        self.shared.require_keys()?;
        self.shared.rest.set_dual_side(false).await.map_err(write)
    }

    /// Per-asset balances (`/fapi/v3/balance`).
    pub async fn asset_balances(&self) -> Result<Vec<super::wire::AssetBalance>, VenueError> {
        self.shared.require_keys()?;
        self.shared.rest.balances().await.map_err(read)
    }
}

//! Typed endpoints (§1.5): each builds a [`Call`] with its weight and security, sends it through
//! the one request path and decodes the wire type. Venue quirks that mean "success" (-4046,
//! -4059) or "absent" (-2013) are resolved here.

use super::error::{BinanceError, code};
use super::rest::{Call, RestClient, Security};
use super::wire::{self, decode};
use reqwest::Method;
use serde::de::DeserializeOwned;

/// How to name an order in query/cancel calls.
#[derive(Debug, Clone, Copy)]
pub enum OrderRef<'a> {
    Client(&'a str),
    Venue(i64),
}

/// `POST /fapi/v1/order` parameters, already in Binance's vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub symbol: String,
    pub side: &'static str,
    pub order_type: &'static str,
    pub quantity: String,
    pub price: Option<String>,
    pub time_in_force: Option<&'static str>,
    pub reduce_only: bool,
    pub client_order_id: String,
}

impl NewOrder {
    fn call(&self) -> Call {
        let mut call = Call::new(Method::POST, "/fapi/v1/order", 0, Security::Signed)
            .param("symbol", &self.symbol)
            .param("side", self.side)
            .param("type", self.order_type)
            .param("quantity", &self.quantity)
            .opt_param("price", self.price.as_ref())
            .opt_param("timeInForce", self.time_in_force);
        if self.reduce_only {
            call = call.param("reduceOnly", "true");
        }
        call = call.param("newClientOrderId", &self.client_order_id).param("newOrderRespType", "RESULT");
        call.order = true;
        call
    }
}

fn get(path: &'static str, weight: u32) -> Call {
    Call::new(Method::GET, path, weight, Security::Public)
}

fn signed(method: Method, path: &'static str, weight: u32) -> Call {
    Call::new(method, path, weight, Security::Signed)
}

fn order_ref(call: Call, id: OrderRef<'_>) -> Call {
    match id {
        OrderRef::Client(c) => call.param("origClientOrderId", c),
        OrderRef::Venue(i) => call.param("orderId", i),
    }
}

fn depth_weight(limit: u32) -> u32 {
    match limit {
        0..=50 => 2,
        51..=100 => 5,
        101..=500 => 10,
        _ => 20,
    }
}

/// The smallest limit Binance accepts that covers `depth` levels.
pub fn depth_limit(depth: usize) -> u32 {
    [5u32, 10, 20, 50, 100, 500, 1000].into_iter().find(|l| *l as usize >= depth).unwrap_or(1000)
}

impl RestClient {
    async fn fetch<T: DeserializeOwned>(&self, call: Call) -> Result<T, BinanceError> {
        let body = self.send(&call).await?;
        decode(&body).map_err(|e| BinanceError::Decode(e.to_string()))
    }

    /// A "no change needed" code is success for idempotent configuration calls.
    async fn configure(&self, call: Call, no_change: i64) -> Result<(), BinanceError> {
        match self.send(&call).await {
            Ok(_) => Ok(()),
            Err(e) if e.api_code() == Some(no_change) => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub async fn exchange_info(&self) -> Result<wire::ExchangeInfo, BinanceError> {
        self.fetch(get("/fapi/v1/exchangeInfo", 1)).await
    }

    /// One symbol, or every symbol (weight 10) when `symbol` is `None`.
    pub async fn premium_index(&self, symbol: Option<&str>) -> Result<Vec<wire::PremiumIndex>, BinanceError> {
        match symbol {
            Some(s) => Ok(vec![self.fetch(get("/fapi/v1/premiumIndex", 1).param("symbol", s)).await?]),
            None => self.fetch(get("/fapi/v1/premiumIndex", 10)).await,
        }
    }

    pub async fn funding_rate(
        &self,
        symbol: &str,
        start_ms: Option<i64>,
        end_ms: Option<i64>,
        limit: u32,
    ) -> Result<Vec<wire::FundingRateRow>, BinanceError> {
        let call = get("/fapi/v1/fundingRate", 1)
            .param("symbol", symbol)
            .opt_param("startTime", start_ms)
            .opt_param("endTime", end_ms)
            .param("limit", limit);
        self.fetch(call).await
    }

    pub async fn funding_info(&self) -> Result<Vec<wire::FundingInfoRow>, BinanceError> {
        self.fetch(get("/fapi/v1/fundingInfo", 1)).await
    }

    pub async fn book_ticker(&self, symbol: &str) -> Result<wire::BookTicker, BinanceError> {
        self.fetch(get("/fapi/v1/ticker/bookTicker", 2).param("symbol", symbol)).await
    }

    pub async fn depth(&self, symbol: &str, limit: u32) -> Result<wire::Depth, BinanceError> {
        self.fetch(get("/fapi/v1/depth", depth_weight(limit)).param("symbol", symbol).param("limit", limit)).await
    }

    pub async fn account(&self) -> Result<wire::Account, BinanceError> {
        self.fetch(signed(Method::GET, "/fapi/v3/account", 5)).await
    }

    pub async fn balances(&self) -> Result<Vec<wire::AssetBalance>, BinanceError> {
        self.fetch(signed(Method::GET, "/fapi/v3/balance", 5)).await
    }

    pub async fn position_risk(&self, symbol: Option<&str>) -> Result<Vec<wire::PositionRisk>, BinanceError> {
        self.fetch(signed(Method::GET, "/fapi/v2/positionRisk", 5).opt_param("symbol", symbol)).await
    }

    pub async fn set_leverage(&self, symbol: &str, leverage: u32) -> Result<wire::LeverageChange, BinanceError> {
        self.fetch(signed(Method::POST, "/fapi/v1/leverage", 1).param("symbol", symbol).param("leverage", leverage))
            .await
    }

    /// `isolated == false` means cross margin. Already set (-4046) counts as success.
    pub async fn set_margin_type(&self, symbol: &str, isolated: bool) -> Result<(), BinanceError> {
        let margin = if isolated { "ISOLATED" } else { "CROSSED" };
        let call = signed(Method::POST, "/fapi/v1/marginType", 1).param("symbol", symbol).param("marginType", margin);
        self.configure(call, code::NO_NEED_TO_CHANGE_MARGIN_TYPE).await
    }

    /// Hedge mode on (`true`) or one-way mode (`false`). Already set (-4059) counts as success.
    pub async fn set_dual_side(&self, dual: bool) -> Result<(), BinanceError> {
        let call = signed(Method::POST, "/fapi/v1/positionSide/dual", 1).param("dualSidePosition", dual);
        self.configure(call, code::NO_NEED_TO_CHANGE_POSITION_SIDE).await
    }

    pub async fn dual_side(&self) -> Result<wire::DualSide, BinanceError> {
        self.fetch(signed(Method::GET, "/fapi/v1/positionSide/dual", 30)).await
    }

    pub async fn new_order(&self, order: &NewOrder) -> Result<wire::Order, BinanceError> {
        self.fetch(order.call()).await
    }

    /// `Ok(None)` when Binance has no such order (-2013).
    pub async fn query_order(&self, symbol: &str, id: OrderRef<'_>) -> Result<Option<wire::Order>, BinanceError> {
        let call = order_ref(signed(Method::GET, "/fapi/v1/order", 1).param("symbol", symbol), id);
        match self.fetch(call).await {
            Ok(o) => Ok(Some(o)),
            Err(e) if e.api_code() == Some(code::NO_SUCH_ORDER) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn cancel_order(&self, symbol: &str, id: OrderRef<'_>) -> Result<wire::Order, BinanceError> {
        self.fetch(order_ref(signed(Method::DELETE, "/fapi/v1/order", 1).param("symbol", symbol), id)).await
    }

    pub async fn open_orders(&self, symbol: Option<&str>) -> Result<Vec<wire::Order>, BinanceError> {
        let weight = if symbol.is_some() { 1 } else { 40 };
        self.fetch(signed(Method::GET, "/fapi/v1/openOrders", weight).opt_param("symbol", symbol)).await
    }

    pub async fn user_trades(
        &self,
        symbol: &str,
        start_ms: Option<i64>,
        end_ms: Option<i64>,
        limit: u32,
    ) -> Result<Vec<wire::UserTrade>, BinanceError> {
        let call = signed(Method::GET, "/fapi/v1/userTrades", 5)
            .param("symbol", symbol)
            .opt_param("startTime", start_ms)
            .opt_param("endTime", end_ms)
            .param("limit", limit);
        self.fetch(call).await
    }

    pub async fn income(
        &self,
        income_type: Option<&str>,
        start_ms: Option<i64>,
        end_ms: Option<i64>,
        page: Option<u32>,
        limit: u32,
    ) -> Result<Vec<wire::Income>, BinanceError> {
        let call = signed(Method::GET, "/fapi/v1/income", 30)
            .opt_param("incomeType", income_type)
            .opt_param("startTime", start_ms)
            .opt_param("endTime", end_ms)
            .opt_param("page", page)
            .param("limit", limit);
        self.fetch(call).await
    }

    pub async fn create_listen_key(&self) -> Result<String, BinanceError> {
        let key: wire::ListenKey =
            self.fetch(Call::new(Method::POST, "/fapi/v1/listenKey", 1, Security::ApiKey)).await?;
        Ok(key.listen_key)
    }

    /// Extends the key by 60 minutes; `-1125` means it is gone and a new one is needed.
    pub async fn keepalive_listen_key(&self) -> Result<(), BinanceError> {
        self.send(&Call::new(Method::PUT, "/fapi/v1/listenKey", 1, Security::ApiKey)).await.map(|_| ())
    }

    pub async fn delete_listen_key(&self) -> Result<(), BinanceError> {
        self.send(&Call::new(Method::DELETE, "/fapi/v1/listenKey", 1, Security::ApiKey)).await.map(|_| ())
    }
}

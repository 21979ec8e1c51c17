//! Lighter WebSocket frames (`/stream`). Inbound frames name their channel with `:`
//! (`order_book:1`); subscriptions use `/` (`order_book/1`). `type` is `subscribed/<kind>`
//! for a snapshot and `update/<kind>` afterwards (reference `exchanges.md` §2.8).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{Order, Position, Trade};

/// Enough of any frame to route it.
///
/// ```json
/// {"type":"update/order_book","channel":"order_book:0"}
/// ```
#[derive(Debug, Clone, Deserialize)]
pub struct FrameHead {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
    /// Some errors arrive as `{"error":{"code":…,"message":…}}` with no `type`.
    #[serde(default)]
    pub error: Option<ErrorBody>,
}

/// `{"type":"error","code":30005,"message":"invalid channel"}` or the `error` object form.
#[derive(Debug, Clone, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(default)]
    pub message: Option<String>,
}

/// `order_book/{m}`: the first frame is a full snapshot, later ones changed levels only
/// (`size "0"` deletes). Apply an update only if `begin_nonce` equals the last `nonce`.
///
/// ```json
/// {"channel":"order_book:0","offset":1558300,"order_book":{"code":0,
///  "asks":[{"price":"2064.54","size":"0.3285"}],"bids":[],"offset":1558300,
///  "nonce":9182390020,"last_updated_at":1774884082309144,"begin_nonce":9182389998},
///  "timestamp":1774884082326,"type":"update/order_book"}
/// ```
#[derive(Debug, Clone, Deserialize)]
pub struct OrderBookFrame {
    pub channel: String,
    pub order_book: OrderBookBody,
    #[serde(default)]
    pub timestamp: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OrderBookBody {
    #[serde(default)]
    pub asks: Vec<Level>,
    #[serde(default)]
    pub bids: Vec<Level>,
    pub nonce: i64,
    #[serde(default)]
    pub begin_nonce: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Level {
    pub price: String,
    pub size: String,
}

/// `market_stats/{m}`: the funding feed. Rates are strings in **percent per hour**:
/// `current_funding_rate` is the estimate for the next settlement, `funding_rate` the last one.
///
/// ```json
/// {"channel":"market_stats:0","market_stats":{"symbol":"ETH","market_id":0,
///  "index_price":"2064.48","mark_price":"2064.47","mid_price":"2064.39",
///  "last_trade_price":"2064.50","open_interest":"27250.8411","current_funding_rate":"0.000001",
///  "funding_rate":"0.000002","funding_timestamp":1774879200000,"funding_clamp_small":"0.0001",
///  "funding_clamp_big":"0.0002","daily_price_change":0.1685},"timestamp":1774883844933,
///  "type":"update/market_stats"}
/// ```
#[derive(Debug, Clone, Deserialize)]
pub struct MarketStatsFrame {
    pub channel: String,
    pub market_stats: MarketStats,
    #[serde(default)]
    pub timestamp: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MarketStats {
    pub market_id: i64,
    #[serde(default)]
    pub symbol: Option<String>,
    pub index_price: String,
    pub mark_price: String,
    pub current_funding_rate: String,
    pub funding_rate: String,
    #[serde(default)]
    pub funding_timestamp: Option<i64>,
}

/// `account_all/{acct}`: positions by market, new trades and settled funding by market.
///
/// ```json
/// {"type":"update/account_all","channel":"account_all:1234","account":1234,
///  "positions":{"1":{"market_id":1,"symbol":"BTC","sign":1,"position":"0.10000",
///  "avg_entry_price":"65000.0","open_order_count":0,"position_value":"6500.000000",
///  "unrealized_pnl":"0.000000","liquidation_price":"0","allocated_margin":"0.000000"}},
///  "trades":{"1":[]},"funding_histories":{"1":[{"timestamp":1778706000,"market_id":1,
///  "funding_id":4411,"change":"-0.078000","rate":"0.0012","position_size":"0.10000",
///  "position_side":"long"}]}}
/// ```
#[derive(Debug, Clone, Deserialize)]
pub struct AccountAllFrame {
    pub channel: String,
    #[serde(default)]
    pub account: Option<i64>,
    #[serde(default)]
    pub positions: HashMap<String, Position>,
    #[serde(default)]
    pub trades: HashMap<String, Vec<Trade>>,
    #[serde(default)]
    pub funding_histories: HashMap<String, Vec<FundingHistory>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FundingHistory {
    pub timestamp: i64,
    pub market_id: i64,
    pub funding_id: i64,
    pub change: String,
    pub rate: String,
    pub position_size: String,
    pub position_side: String,
}

/// `account_orders/{m}/{acct}` and `account_all_orders/{acct}` (auth): orders by market.
///
/// ```json
/// {"type":"update/account_orders","channel":"account_orders:0:1234","account":1234,
///  "nonce":9182390020,"orders":{"0":[{"order_index":281476929510110,"client_order_index":42,
///  "market_index":0,"owner_account_index":1234,"initial_base_amount":"0.0050","price":"2352.74",
///  "remaining_base_amount":"0.0030","is_ask":true,"filled_base_amount":"0.0020",
///  "filled_quote_amount":"4.705480","side":"sell","type":"limit",
///  "time_in_force":"good-till-time","reduce_only":false,"status":"open","timestamp":1777941383576}]}}
/// ```
#[derive(Debug, Clone, Deserialize)]
pub struct AccountOrdersFrame {
    pub channel: String,
    #[serde(default)]
    pub orders: HashMap<String, Vec<Order>>,
}

/// What the client sends: `{"type":"subscribe","channel":"order_book/1"}`, with `auth` on
/// private channels; `{"type":"pong"}` answers the server's `{"type":"ping"}`.
#[derive(Debug, Clone, Serialize)]
pub struct ClientFrame<'a> {
    #[serde(rename = "type")]
    pub kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<&'a str>,
}

impl<'a> ClientFrame<'a> {
    pub fn subscribe(channel: &'a str, auth: Option<&'a str>) -> Self {
        Self { kind: "subscribe", channel: Some(channel), auth }
    }

    pub fn unsubscribe(channel: &'a str) -> Self {
        Self { kind: "unsubscribe", channel: Some(channel), auth: None }
    }

    pub fn pong() -> Self {
        Self { kind: "pong", channel: None, auth: None }
    }

    pub fn to_json(&self) -> String {
        // Three string fields cannot fail to serialise.
        serde_json::to_string(self).unwrap_or_default()
    }
}

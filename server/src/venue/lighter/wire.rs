//! Lighter REST wire types: the JSON exactly as the venue sends it, no interpretation.
//! Decimal amounts stay `String` here (the parse layer turns them into `Decimal`); ids and
//! timestamps are numbers. Unknown fields are ignored, absent optional ones default.
//!
//! Docs: <https://apidocs.lighter.xyz> (reference `exchanges.md` §2.3). WebSocket frames are
//! in [`ws`].

pub mod ws;

use serde::Deserialize;

/// Every response carries it; `code != 200` (or HTTP ≠ 200) is an error.
///
/// ```json
/// {"code":21104,"message":"invalid nonce"}
/// ```
#[derive(Debug, Clone, Deserialize)]
pub struct Envelope {
    pub code: i64,
    #[serde(default)]
    pub message: Option<String>,
}

/// `GET /api/v1/orderBookDetails`
///
/// ```json
/// {"code":200,"order_book_details":[{"symbol":"ETH","market_id":0,"market_type":"perp",
///  "status":"active","taker_fee":"0.0000","maker_fee":"0.0000","min_base_amount":"0.0050",
///  "min_quote_amount":"10.000000","size_decimals":4,"price_decimals":2,
///  "default_initial_margin_fraction":500,"min_initial_margin_fraction":200,
///  "maintenance_margin_fraction":120,"closeout_margin_fraction":80,"last_trade_price":2361.31}],
///  "spot_order_book_details":[]}
/// ```
#[derive(Debug, Clone, Deserialize)]
pub struct OrderBookDetailsResponse {
    #[serde(default)]
    pub order_book_details: Vec<OrderBookDetail>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OrderBookDetail {
    pub symbol: String,
    pub market_id: i64,
    #[serde(default)]
    pub market_type: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    pub taker_fee: String,
    pub maker_fee: String,
    pub min_base_amount: String,
    pub min_quote_amount: String,
    pub size_decimals: u32,
    pub price_decimals: u32,
    #[serde(default)]
    pub default_initial_margin_fraction: i64,
    #[serde(default)]
    pub min_initial_margin_fraction: i64,
    #[serde(default)]
    pub maintenance_margin_fraction: i64,
}

/// `GET /api/v1/orderBookOrders?market_id=0&limit=50`
///
/// ```json
/// {"code":200,"total_asks":1,"asks":[{"order_index":281476929689581,"order_id":"281476929689581",
///  "owner_account_index":281474976641952,"initial_base_amount":"0.0317",
///  "remaining_base_amount":"0.0317","price":"2361.32","order_expiry":1780364303894,
///  "transaction_time":0}],"total_bids":0,"bids":[]}
/// ```
#[derive(Debug, Clone, Deserialize)]
pub struct OrderBookOrdersResponse {
    #[serde(default)]
    pub asks: Vec<BookOrder>,
    #[serde(default)]
    pub bids: Vec<BookOrder>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BookOrder {
    pub order_index: i64,
    #[serde(default)]
    pub owner_account_index: i64,
    pub remaining_base_amount: String,
    pub price: String,
}

/// `GET /api/v1/fundings?market_id=1&resolution=1h&start_timestamp=…&end_timestamp=…&count_back=0`
/// (request bounds in ms, row timestamps in **seconds**; `rate` is a percent-per-hour magnitude
/// and `direction` names the side that paid).
///
/// ```json
/// {"code":200,"resolution":"1h","fundings":[{"timestamp":1778702400,"value":"0.02707872",
///  "rate":"0.0012","direction":"long"}]}
/// ```
#[derive(Debug, Clone, Deserialize)]
pub struct FundingsResponse {
    #[serde(default)]
    pub fundings: Vec<FundingRow>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FundingRow {
    pub timestamp: i64,
    #[serde(default)]
    pub value: Option<String>,
    pub rate: String,
    pub direction: String,
}

/// `GET /api/v1/account?by=index&value=123456`
///
/// ```json
/// {"code":200,"total":1,"accounts":[{"code":0,"account_type":0,"index":123456,
///  "account_index":123456,"l1_address":"0x00…","status":1,"collateral":"1000.000000",
///  "available_balance":"900.000000","total_asset_value":"1003.450000",
///  "cross_asset_value":"1003.450000","cross_initial_margin_requirement":"100.000000",
///  "positions":[{"market_id":1,"symbol":"BTC","initial_margin_fraction":"10.00",
///  "open_order_count":0,"pending_order_count":0,"position_tied_order_count":0,"sign":-1,
///  "position":"0.01000","avg_entry_price":"65000.0","position_value":"650.000000",
///  "unrealized_pnl":"0.000000","realized_pnl":"0.000000","liquidation_price":"0",
///  "margin_mode":0,"allocated_margin":"0.000000"}],"assets":[]}]}
/// ```
#[derive(Debug, Clone, Deserialize)]
pub struct AccountResponse {
    #[serde(default)]
    pub accounts: Vec<DetailedAccount>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DetailedAccount {
    pub account_index: i64,
    pub collateral: String,
    pub available_balance: String,
    #[serde(default)]
    pub total_asset_value: Option<String>,
    #[serde(default)]
    pub cross_initial_margin_requirement: Option<String>,
    #[serde(default)]
    pub positions: Vec<Position>,
}

/// A position: `sign` is 1 long / −1 short and `position` the absolute size. Shared by the
/// `account` endpoint and the `account_all` WebSocket channel.
#[derive(Debug, Clone, Deserialize)]
pub struct Position {
    pub market_id: i64,
    #[serde(default)]
    pub symbol: Option<String>,
    #[serde(default)]
    pub initial_margin_fraction: Option<String>,
    #[serde(default)]
    pub open_order_count: i64,
    pub sign: i64,
    pub position: String,
    pub avg_entry_price: String,
    #[serde(default)]
    pub position_value: Option<String>,
    #[serde(default)]
    pub unrealized_pnl: Option<String>,
    #[serde(default)]
    pub liquidation_price: Option<String>,
    #[serde(default)]
    pub allocated_margin: Option<String>,
}

/// `GET /api/v1/accountActiveOrders` and `accountInactiveOrders` (auth).
///
/// ```json
/// {"code":200,"next_cursor":"cursor-1","orders":[{"order_index":281476929510110,
///  "client_order_index":42,"order_id":"281476929510110","client_order_id":"42","market_index":0,
///  "owner_account_index":712440,"initial_base_amount":"0.0050","price":"2352.74",
///  "nonce":9182390020,"remaining_base_amount":"0.0050","is_ask":true,"base_size":50,
///  "base_price":235274,"filled_base_amount":"0.0000","filled_quote_amount":"0.000000",
///  "side":"sell","type":"limit","time_in_force":"good-till-time","reduce_only":false,
///  "trigger_price":"0.00","order_expiry":1780360584479,"status":"open","timestamp":1777941383576}]}
/// ```
#[derive(Debug, Clone, Deserialize)]
pub struct OrdersResponse {
    #[serde(default)]
    pub orders: Vec<Order>,
    #[serde(default)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Order {
    pub order_index: i64,
    pub client_order_index: i64,
    pub market_index: i64,
    #[serde(default)]
    pub owner_account_index: i64,
    pub initial_base_amount: String,
    pub remaining_base_amount: String,
    pub filled_base_amount: String,
    pub filled_quote_amount: String,
    pub price: String,
    pub is_ask: bool,
    #[serde(rename = "type", default)]
    pub order_type: Option<String>,
    #[serde(default)]
    pub time_in_force: Option<String>,
    #[serde(default)]
    pub reduce_only: bool,
    pub status: String,
    #[serde(default)]
    pub timestamp: i64,
    #[serde(default)]
    pub updated_at: Option<i64>,
}

/// `GET /api/v1/trades?account_index=…&sort_by=timestamp&sort_dir=desc&limit=100` (auth).
/// Fees are integers, apparently parts per million of notional [verify].
///
/// ```json
/// {"code":200,"next_cursor":null,"trades":[{"trade_id":19209006902,"tx_hash":"000000128b1ee814",
///  "type":"trade","market_id":0,"size":"0.1336","price":"2352.73","usd_amount":"314.324728",
///  "ask_id":281476929510102,"bid_id":562947905631053,"ask_client_id":0,"bid_client_id":7001011966,
///  "ask_account_id":91249,"bid_account_id":1234,"is_maker_ask":true,"block_height":227535535,
///  "timestamp":1777941384181,"taker_fee":196,"maker_fee":28}]}
/// ```
#[derive(Debug, Clone, Deserialize)]
pub struct TradesResponse {
    #[serde(default)]
    pub trades: Vec<Trade>,
    #[serde(default)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Trade {
    pub trade_id: i64,
    #[serde(default)]
    pub tx_hash: Option<String>,
    pub market_id: i64,
    pub size: String,
    pub price: String,
    #[serde(default)]
    pub usd_amount: Option<String>,
    #[serde(default)]
    pub ask_client_id: i64,
    #[serde(default)]
    pub bid_client_id: i64,
    pub ask_account_id: i64,
    pub bid_account_id: i64,
    pub is_maker_ask: bool,
    pub timestamp: i64,
    #[serde(default)]
    pub taker_fee: Option<i64>,
    #[serde(default)]
    pub maker_fee: Option<i64>,
}

/// `GET /api/v1/positionFunding?account_index=…&market_id=255&limit=100&side=all` (auth).
/// Timestamps in seconds; `change` is the signed USDC credit (negative = paid).
///
/// ```json
/// {"code":200,"next_cursor":null,"position_fundings":[{"timestamp":1778706000,"market_id":1,
///  "funding_id":4411,"change":"-0.078000","rate":"0.0012","position_size":"0.10000",
///  "position_side":"long","discount":"0.000000"}]}
/// ```
#[derive(Debug, Clone, Deserialize)]
pub struct PositionFundingResponse {
    #[serde(default)]
    pub position_fundings: Vec<PositionFunding>,
    #[serde(default)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PositionFunding {
    pub timestamp: i64,
    pub market_id: i64,
    pub funding_id: i64,
    pub change: String,
    pub rate: String,
    pub position_size: String,
    pub position_side: String,
}

/// `GET /api/v1/nextNonce?account_index=…&api_key_index=…`
///
/// ```json
/// {"code":200,"nonce":722}
/// ```
#[derive(Debug, Clone, Deserialize)]
pub struct NextNonceResponse {
    pub nonce: i64,
}

/// `GET /api/v1/apikeys?account_index=…&api_key_index=…` (255 = every slot)
///
/// ```json
/// {"code":200,"api_keys":[{"account_index":7,"api_key_index":3,"nonce":12,"public_key":"1f6c…"}]}
/// ```
#[derive(Debug, Clone, Deserialize)]
pub struct ApiKeysResponse {
    #[serde(default)]
    pub api_keys: Vec<RegisteredKey>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RegisteredKey {
    pub api_key_index: u8,
    pub public_key: String,
}

/// `POST /api/v1/sendTx` (form: `tx_type`, `tx_info`, `price_protection`).
///
/// ```json
/// {"code":200,"message":"{\"ratelimit\": \"didn't use volume quota\"}",
///  "tx_hash":"a0670d28…3f54","predicted_execution_time_ms":1778706000300}
/// ```
#[derive(Debug, Clone, Deserialize)]
pub struct SendTxResponse {
    #[serde(default)]
    pub tx_hash: Option<String>,
    #[serde(default)]
    pub predicted_execution_time_ms: Option<i64>,
}

/// `POST /api/v1/sendTxBatch` (form: `tx_types`, `tx_infos`, both JSON arrays as strings).
///
/// ```json
/// {"code":200,"message":"","tx_hash":["a067…","b188…"],"predicted_execution_time_ms":1778706000300}
/// ```
#[derive(Debug, Clone, Deserialize)]
pub struct SendTxBatchResponse {
    #[serde(default)]
    pub tx_hash: Vec<String>,
}

/// `GET /api/v1/tx?by=hash&value=…`. Status: 0 failed, 1 pending, 2 executed, 3 pending-final.
///
/// ```json
/// {"code":200,"hash":"a0670d28…3f54","type":14,"status":2,"account_index":123456,"nonce":5}
/// ```
#[derive(Debug, Clone, Deserialize)]
pub struct TxResponse {
    pub hash: String,
    pub status: i64,
    #[serde(rename = "type", default)]
    pub tx_type: Option<i64>,
}

//! WebSocket payloads: market frames on `/market` and `/public` (raw and combined mode, plus
//! command replies) and user-data events on `/private`.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A frame read from a market socket. Combined mode wraps the event:
///
/// ```json
/// {"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT",
///  "p":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"0.00038167","T":1562306400000}}
/// ```
/// A reply to a command: `{"result":null,"id":1}`, or `{"error":{"code":2,"msg":"Invalid request"},"id":1}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum MarketFrame {
    Combined { stream: String, data: MarketPayload },
    Reply(CommandReply),
    Raw(MarketPayload),
}

/// One event, or an array of them (`!markPrice@arr@1s`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum MarketPayload {
    Many(Vec<MarketEvent>),
    One(MarketEvent),
}

/// <https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams>
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "e")]
pub enum MarketEvent {
    #[serde(rename = "markPriceUpdate")]
    MarkPrice(MarkPriceUpdate),
    #[serde(rename = "bookTicker")]
    BookTicker(BookTickerUpdate),
    /// Streams this connector does not use (aggTrade, kline, …).
    #[serde(other)]
    Other,
}

/// `<symbol>@markPrice@1s` on `/market`. <https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/Mark-Price-Stream>
///
/// ```json
/// {"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","i":"11784.62659091",
///  "P":"11784.25641265","r":"0.00038167","T":1562306400000}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MarkPriceUpdate {
    #[serde(rename = "E")]
    pub event_time: i64,
    #[serde(rename = "s")]
    pub symbol: String,
    #[serde(rename = "p")]
    pub mark_price: Decimal,
    #[serde(rename = "i", default, deserialize_with = "super::opt_decimal")]
    pub index_price: Option<Decimal>,
    #[serde(rename = "r", default, deserialize_with = "super::opt_decimal")]
    pub funding_rate: Option<Decimal>,
    #[serde(rename = "T", default)]
    pub next_funding_time: i64,
}

/// `<symbol>@bookTicker` on `/public`. <https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/Individual-Symbol-Book-Ticker-Streams>
///
/// ```json
/// {"e":"bookTicker","u":400900217,"E":1568014460893,"T":1568014460891,"s":"BNBUSDT",
///  "b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BookTickerUpdate {
    #[serde(rename = "u")]
    pub update_id: i64,
    #[serde(rename = "E")]
    pub event_time: i64,
    #[serde(rename = "s")]
    pub symbol: String,
    #[serde(rename = "b")]
    pub bid_price: Decimal,
    #[serde(rename = "B")]
    pub bid_qty: Decimal,
    #[serde(rename = "a")]
    pub ask_price: Decimal,
    #[serde(rename = "A")]
    pub ask_qty: Decimal,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CommandReply {
    pub id: u64,
    #[serde(default)]
    pub result: Option<serde_json::Value>,
    #[serde(default)]
    pub error: Option<super::CodeMsg>,
}

/// A live subscription command. <https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/Live-Subscribing-or-Unsubscribing-to-streams>
///
/// ```json
/// {"method":"SUBSCRIBE","params":["btcusdt@markPrice@1s"],"id":1}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Command<'a> {
    pub method: &'a str,
    pub params: &'a [String],
    pub id: u64,
}

/// An event on `/private/ws?listenKey=…`. <https://developers.binance.com/docs/derivatives/usds-margined-futures/user-data-streams>
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "e")]
pub enum UserEvent {
    #[serde(rename = "ORDER_TRADE_UPDATE")]
    OrderTradeUpdate(Box<OrderTradeUpdate>),
    #[serde(rename = "ACCOUNT_UPDATE")]
    AccountUpdate(Box<AccountUpdate>),
    /// `{"e":"listenKeyExpired","E":1576653824250,"listenKey":"OfYGbUzi3PraNagEkdKuFwUHn48brFsItTdsuiIXrucEvD0rhRXZ7I6URWfE8YE8"}`
    #[serde(rename = "listenKeyExpired")]
    ListenKeyExpired {},
    /// TRADE_LITE, ACCOUNT_CONFIG_UPDATE, MARGIN_CALL, … are not used.
    #[serde(other)]
    Other,
}

/// `ORDER_TRADE_UPDATE`. <https://developers.binance.com/docs/derivatives/usds-margined-futures/user-data-streams/Event-Order-Update>
///
/// ```json
/// {"e":"ORDER_TRADE_UPDATE","E":1568879465651,"T":1568879465650,"o":{"s":"BTCUSDT","c":"TEST","S":"SELL",
///  "o":"LIMIT","f":"GTC","q":"0.001","p":"7103.04","ap":"0","sp":"0","x":"NEW","X":"NEW","i":8886774,
///  "l":"0","z":"0","L":"0","N":"USDT","n":"0","T":1568879465650,"t":0,"b":"0","a":"9.91","m":false,
///  "R":false,"wt":"CONTRACT_PRICE","ot":"LIMIT","ps":"BOTH","cp":false,"rp":"0","V":"NONE","pm":"NONE","gtd":0}}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OrderTradeUpdate {
    #[serde(rename = "E")]
    pub event_time: i64,
    #[serde(rename = "o")]
    pub order: OrderUpdate,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OrderUpdate {
    #[serde(rename = "s")]
    pub symbol: String,
    #[serde(rename = "c")]
    pub client_order_id: String,
    #[serde(rename = "S")]
    pub side: String,
    #[serde(rename = "o")]
    pub order_type: String,
    #[serde(rename = "q")]
    pub orig_qty: Decimal,
    #[serde(rename = "p")]
    pub price: Decimal,
    #[serde(rename = "ap", default, deserialize_with = "super::opt_decimal")]
    pub avg_price: Option<Decimal>,
    #[serde(rename = "x")]
    pub execution_type: String,
    #[serde(rename = "X")]
    pub status: String,
    #[serde(rename = "i")]
    pub order_id: i64,
    #[serde(rename = "l")]
    pub last_qty: Decimal,
    #[serde(rename = "z")]
    pub cum_qty: Decimal,
    #[serde(rename = "L")]
    pub last_price: Decimal,
    #[serde(rename = "N", default)]
    pub commission_asset: Option<String>,
    #[serde(rename = "n", default, deserialize_with = "super::opt_decimal")]
    pub commission: Option<Decimal>,
    #[serde(rename = "T")]
    pub trade_time: i64,
    #[serde(rename = "t", default)]
    pub trade_id: i64,
    #[serde(rename = "m", default)]
    pub is_maker: bool,
    #[serde(rename = "R", default)]
    pub reduce_only: bool,
}

/// `ACCOUNT_UPDATE`; a funding settlement has `"m":"FUNDING_FEE"`. <https://developers.binance.com/docs/derivatives/usds-margined-futures/user-data-streams/Event-Balance-and-Position-Update>
///
/// ```json
/// {"e":"ACCOUNT_UPDATE","E":1564745798939,"T":1564745798938,"a":{"m":"ORDER",
///  "B":[{"a":"USDT","wb":"122624.12345678","cw":"100.12345678","bc":"50.12345678"}],
///  "P":[{"s":"BTCUSDT","pa":"0","ep":"0.00000","bep":"0","cr":"200","up":"0","mt":"isolated","iw":"0.00000000","ps":"BOTH"}]}}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AccountUpdate {
    #[serde(rename = "E")]
    pub event_time: i64,
    #[serde(rename = "a")]
    pub data: AccountUpdateData,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AccountUpdateData {
    #[serde(rename = "m")]
    pub reason: String,
    #[serde(rename = "B", default)]
    pub balances: Vec<BalanceUpdate>,
    #[serde(rename = "P", default)]
    pub positions: Vec<PositionUpdate>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BalanceUpdate {
    #[serde(rename = "a")]
    pub asset: String,
    #[serde(rename = "wb")]
    pub wallet_balance: Decimal,
    #[serde(rename = "cw")]
    pub cross_wallet: Decimal,
    #[serde(rename = "bc", default)]
    pub balance_change: Decimal,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PositionUpdate {
    #[serde(rename = "s")]
    pub symbol: String,
    #[serde(rename = "pa")]
    pub position_amt: Decimal,
    #[serde(rename = "ep")]
    pub entry_price: Decimal,
    #[serde(rename = "up")]
    pub unrealized_pnl: Decimal,
    #[serde(rename = "mt", default)]
    pub margin_type: String,
    #[serde(rename = "iw", default)]
    pub isolated_wallet: Decimal,
    #[serde(rename = "ps", default)]
    pub position_side: String,
}

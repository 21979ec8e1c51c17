//! Market-data REST payloads (no signature): exchangeInfo, premiumIndex, fundingRate,
//! fundingInfo, bookTicker, depth.

use rust_decimal::Decimal;
use serde::Deserialize;

/// `GET /fapi/v1/exchangeInfo`. <https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Exchange-Information>
///
/// ```json
/// {"timezone":"UTC","serverTime":1565246363776,
///  "rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":2400},
///                {"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":300}],
///  "assets":[{"asset":"USDT","marginAvailable":true,"autoAssetExchange":"0"}],
///  "symbols":[{"symbol":"BTCUSDT","pair":"BTCUSDT","contractType":"PERPETUAL","status":"TRADING",
///    "baseAsset":"BTC","quoteAsset":"USDT","marginAsset":"USDT","pricePrecision":2,"quantityPrecision":3,
///    "filters":[{"filterType":"PRICE_FILTER","minPrice":"556.80","maxPrice":"4529764","tickSize":"0.10"},
///               {"filterType":"LOT_SIZE","minQty":"0.001","maxQty":"1000","stepSize":"0.001"},
///               {"filterType":"MARKET_LOT_SIZE","minQty":"0.001","maxQty":"120","stepSize":"0.001"},
///               {"filterType":"MIN_NOTIONAL","notional":"100"}],
///    "orderTypes":["LIMIT","MARKET"],"timeInForce":["GTC","IOC","FOK","GTX"]}]}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeInfo {
    #[serde(default)]
    pub server_time: Option<i64>,
    #[serde(default)]
    pub rate_limits: Vec<RateLimit>,
    pub symbols: Vec<SymbolInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    pub rate_limit_type: String,
    pub interval: String,
    pub interval_num: u32,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SymbolInfo {
    pub symbol: String,
    #[serde(default)]
    pub contract_type: String,
    pub status: String,
    pub base_asset: String,
    pub quote_asset: String,
    #[serde(default)]
    pub margin_asset: String,
    #[serde(default)]
    pub price_precision: u32,
    #[serde(default)]
    pub quantity_precision: u32,
    #[serde(default)]
    pub filters: Vec<Filter>,
}

/// One entry of `symbols[].filters`; the key is `filterType`. Note `MIN_NOTIONAL.notional`
/// (not `minNotional`, which is spot's name).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "filterType")]
pub enum Filter {
    #[serde(rename = "PRICE_FILTER", rename_all = "camelCase")]
    Price { min_price: Decimal, max_price: Decimal, tick_size: Decimal },
    #[serde(rename = "LOT_SIZE", rename_all = "camelCase")]
    LotSize { min_qty: Decimal, max_qty: Decimal, step_size: Decimal },
    #[serde(rename = "MARKET_LOT_SIZE", rename_all = "camelCase")]
    MarketLotSize { min_qty: Decimal, max_qty: Decimal, step_size: Decimal },
    #[serde(rename = "MIN_NOTIONAL")]
    MinNotional { notional: Decimal },
    #[serde(other)]
    Other,
}

/// `GET /fapi/v1/premiumIndex` (an array when `symbol` is omitted). <https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Mark-Price>
///
/// ```json
/// {"symbol":"BTCUSDT","markPrice":"11793.63104562","indexPrice":"11781.80495970",
///  "estimatedSettlePrice":"11781.16138815","lastFundingRate":"0.00038246","interestRate":"0.00010000",
///  "nextFundingTime":1597392000000,"time":1597370495002}
/// ```
/// Delivery contracts in the all-symbols array carry `"lastFundingRate":""` and `"nextFundingTime":0`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PremiumIndex {
    pub symbol: String,
    pub mark_price: Decimal,
    #[serde(default, deserialize_with = "super::opt_decimal")]
    pub index_price: Option<Decimal>,
    #[serde(default, deserialize_with = "super::opt_decimal")]
    pub last_funding_rate: Option<Decimal>,
    #[serde(default)]
    pub next_funding_time: i64,
    pub time: i64,
}

/// `GET /fapi/v1/fundingRate` row. <https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Get-Funding-Rate-History>
///
/// ```json
/// {"symbol":"BTCUSDT","fundingRate":"-0.03750000","fundingTime":1570608000000,"markPrice":"34287.54619963"}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FundingRateRow {
    pub symbol: String,
    pub funding_rate: Decimal,
    pub funding_time: i64,
    #[serde(default, deserialize_with = "super::opt_decimal")]
    pub mark_price: Option<Decimal>,
}

/// `GET /fapi/v1/fundingInfo` row; only *adjusted* symbols are listed. <https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Get-Funding-Rate-Info>
///
/// ```json
/// {"symbol":"BLZUSDT","adjustedFundingRateCap":"0.02500000","adjustedFundingRateFloor":"-0.02500000",
///  "fundingIntervalHours":8,"disclaimer":false}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FundingInfoRow {
    pub symbol: String,
    #[serde(default, deserialize_with = "super::opt_decimal")]
    pub adjusted_funding_rate_cap: Option<Decimal>,
    #[serde(default, deserialize_with = "super::opt_decimal")]
    pub adjusted_funding_rate_floor: Option<Decimal>,
    pub funding_interval_hours: u32,
}

/// `GET /fapi/v1/ticker/bookTicker`. <https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Symbol-Order-Book-Ticker>
///
/// ```json
/// {"symbol":"BTCUSDT","bidPrice":"4.00000000","bidQty":"431.00000000","askPrice":"4.00000200",
///  "askQty":"9.00000000","time":1589437530011,"lastUpdateId":1027024}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BookTicker {
    pub symbol: String,
    pub bid_price: Decimal,
    pub bid_qty: Decimal,
    pub ask_price: Decimal,
    pub ask_qty: Decimal,
    pub time: i64,
}

/// `GET /fapi/v1/depth`. <https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Order-Book>
///
/// ```json
/// {"lastUpdateId":1027024,"E":1589436922972,"T":1589436922959,
///  "bids":[["4.00000000","431.00000000"]],"asks":[["4.00000200","12.00000000"]]}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Depth {
    #[serde(rename = "lastUpdateId")]
    pub last_update_id: i64,
    #[serde(rename = "E")]
    pub event_time: i64,
    #[serde(rename = "T")]
    pub transaction_time: i64,
    pub bids: Vec<(Decimal, Decimal)>,
    pub asks: Vec<(Decimal, Decimal)>,
}

//! Signed REST payloads: account, balance, positionRisk, leverage, position mode, orders,
//! userTrades and income.

use rust_decimal::Decimal;
use serde::Deserialize;

/// `GET /fapi/v3/account` (totals; `assets`/`positions` are not used). <https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Account-Information-V3>
///
/// ```json
/// {"totalInitialMargin":"0.00000000","totalMaintMargin":"0.00000000","totalWalletBalance":"103.12345678",
///  "totalUnrealizedProfit":"0.00000000","totalMarginBalance":"103.12345678",
///  "totalPositionInitialMargin":"0.00000000","totalOpenOrderInitialMargin":"0.00000000",
///  "totalCrossWalletBalance":"103.12345678","totalCrossUnPnl":"0.00000000",
///  "availableBalance":"103.12345678","maxWithdrawAmount":"103.12345678","assets":[],"positions":[]}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub total_initial_margin: Decimal,
    pub total_maint_margin: Decimal,
    pub total_wallet_balance: Decimal,
    pub total_unrealized_profit: Decimal,
    pub total_margin_balance: Decimal,
    pub available_balance: Decimal,
    pub max_withdraw_amount: Decimal,
}

/// `GET /fapi/v3/balance` row. <https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Futures-Account-Balance-V3>
///
/// ```json
/// {"accountAlias":"SgsR","asset":"USDT","balance":"122607.35137903","crossWalletBalance":"23.72469206",
///  "crossUnPnl":"0.00000000","availableBalance":"23.72469206","maxWithdrawAmount":"23.72469206",
///  "marginAvailable":true,"updateTime":1617939110373}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetBalance {
    pub asset: String,
    pub balance: Decimal,
    pub cross_wallet_balance: Decimal,
    pub cross_un_pnl: Decimal,
    pub available_balance: Decimal,
    pub max_withdraw_amount: Decimal,
    #[serde(default)]
    pub update_time: i64,
}

/// `GET /fapi/v2/positionRisk` row (one-way mode: `positionSide` BOTH, signed `positionAmt`). <https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Position-Information-V2>
///
/// ```json
/// {"entryPrice":"0.00000","breakEvenPrice":"0.0","marginType":"isolated","isAutoAddMargin":"false",
///  "isolatedMargin":"0.00000000","leverage":"10","liquidationPrice":"0","markPrice":"6679.50671178",
///  "maxNotionalValue":"20000000","positionAmt":"0.000","notional":"0","isolatedWallet":"0",
///  "symbol":"BTCUSDT","unRealizedProfit":"0.00000000","positionSide":"BOTH","updateTime":0}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PositionRisk {
    pub symbol: String,
    pub position_amt: Decimal,
    pub entry_price: Decimal,
    pub mark_price: Decimal,
    pub un_realized_profit: Decimal,
    pub liquidation_price: Decimal,
    #[serde(deserialize_with = "super::int_or_string")]
    pub leverage: i64,
    #[serde(default)]
    pub margin_type: String,
    #[serde(default)]
    pub isolated_margin: Decimal,
    #[serde(default)]
    pub notional: Decimal,
    #[serde(default)]
    pub position_side: String,
    #[serde(default)]
    pub update_time: i64,
}

/// `POST /fapi/v1/leverage`. <https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Change-Initial-Leverage>
///
/// ```json
/// {"leverage":21,"maxNotionalValue":"1000000","symbol":"BTCUSDT"}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeverageChange {
    pub leverage: u32,
    pub max_notional_value: Decimal,
    pub symbol: String,
}

/// `GET /fapi/v1/positionSide/dual`. <https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Get-Current-Position-Mode>
///
/// ```json
/// {"dualSidePosition":true}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DualSide {
    pub dual_side_position: bool,
}

/// The order object of `POST/GET/DELETE /fapi/v1/order` and `openOrders`. <https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/New-Order>
///
/// ```json
/// {"clientOrderId":"testOrder","cumQty":"0","cumQuote":"0","executedQty":"0","orderId":22542179,
///  "avgPrice":"0.00000","origQty":"10","price":"0","reduceOnly":false,"side":"BUY","positionSide":"BOTH",
///  "status":"NEW","stopPrice":"0","closePosition":false,"symbol":"BTCUSDT","timeInForce":"GTC",
///  "type":"LIMIT","origType":"LIMIT","updateTime":1566818724722,"workingType":"CONTRACT_PRICE",
///  "priceProtect":false,"priceMatch":"NONE","selfTradePreventionMode":"NONE","goodTillDate":0}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub order_id: i64,
    pub symbol: String,
    pub status: String,
    pub client_order_id: String,
    #[serde(default)]
    pub price: Decimal,
    #[serde(default, deserialize_with = "super::opt_decimal")]
    pub avg_price: Option<Decimal>,
    pub orig_qty: Decimal,
    pub executed_qty: Decimal,
    #[serde(default, deserialize_with = "super::opt_decimal")]
    pub cum_quote: Option<Decimal>,
    #[serde(default)]
    pub time_in_force: String,
    #[serde(rename = "type")]
    pub order_type: String,
    #[serde(default)]
    pub reduce_only: bool,
    pub side: String,
    #[serde(default)]
    pub position_side: String,
    #[serde(default)]
    pub time: Option<i64>,
    pub update_time: i64,
}

/// `GET /fapi/v1/userTrades` row. <https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Account-Trade-List>
///
/// ```json
/// {"buyer":false,"commission":"0.07819010","commissionAsset":"USDT","id":698759,"maker":false,
///  "orderId":25851813,"price":"7819.01","qty":"0.002","quoteQty":"15.63802","realizedPnl":"-0.91539999",
///  "side":"SELL","positionSide":"SHORT","symbol":"BTCUSDT","time":1569514978020}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserTrade {
    pub id: i64,
    pub order_id: i64,
    pub symbol: String,
    pub side: String,
    pub price: Decimal,
    pub qty: Decimal,
    #[serde(default)]
    pub realized_pnl: Decimal,
    pub commission: Decimal,
    pub commission_asset: String,
    pub maker: bool,
    pub time: i64,
}

/// `GET /fapi/v1/income` row; `tranId` is the dedup key. <https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Get-Income-History>
///
/// ```json
/// {"symbol":"BTCUSDT","incomeType":"FUNDING_FEE","income":"-0.37500000","asset":"USDT",
///  "info":"FUNDING_FEE","time":1570608000000,"tranId":9689322392,"tradeId":""}
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Income {
    #[serde(default)]
    pub symbol: String,
    pub income_type: String,
    pub income: Decimal,
    pub asset: String,
    pub time: i64,
    pub tran_id: i64,
}

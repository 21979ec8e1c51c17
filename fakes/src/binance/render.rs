//! Binance's JSON shapes, written out independently of the connector's wire types (a shared
//! type would hide a symmetric mistake). Decimals are strings, ids and times numbers, and
//! rates are padded to eight places as Binance does.

use super::state::{Exchange, FakeOrder, IncomeRow, SymbolState, Trade};
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// `d` with exactly `dp` decimals ("0.00010000").
pub fn fixed(d: Decimal, dp: u32) -> String {
    format!("{:.*}", dp as usize, d.round_dp(dp))
}

pub fn plain(d: Decimal) -> String {
    d.normalize().to_string()
}

pub struct Limits {
    pub weight: u32,
    pub orders_10s: u32,
    pub orders_1m: u32,
}

pub fn exchange_info(ex: &Exchange, limits: &Limits, now: i64) -> Value {
    let mut symbols: Vec<Value> = ex.symbols.values().map(symbol_info).collect();
    // Contracts the connector must skip: a quarterly future and a USDC-margined perpetual.
    let mut quarterly = symbol_info(ex.symbols.values().next().map_or(&placeholder(), |s| s));
    quarterly["symbol"] = json!("BTCUSDT_260626");
    quarterly["contractType"] = json!("CURRENT_QUARTER");
    let mut usdc = quarterly.clone();
    usdc["symbol"] = json!("BTCUSDC");
    usdc["contractType"] = json!("PERPETUAL");
    usdc["quoteAsset"] = json!("USDC");
    usdc["marginAsset"] = json!("USDC");
    symbols.push(quarterly);
    symbols.push(usdc);
    json!({
        "timezone": "UTC",
        "serverTime": now,
        "futuresType": "U_MARGINED",
        "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": limits.weight},
            {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": limits.orders_1m},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": limits.orders_10s}
        ],
        "exchangeFilters": [],
        "assets": [{"asset": "USDT", "marginAvailable": true, "autoAssetExchange": "-10000"}],
        "symbols": symbols
    })
}

fn placeholder() -> SymbolState {
    SymbolState::new(super::state::SymbolSpec::defaults().remove(0), 0, 0, 20)
}

fn symbol_info(s: &SymbolState) -> Value {
    let p = &s.spec;
    json!({
        "symbol": p.symbol, "pair": p.symbol, "contractType": "PERPETUAL", "deliveryDate": 4133404800000i64,
        "onboardDate": 1569398400000i64, "status": "TRADING", "maintMarginPercent": "2.5000",
        "requiredMarginPercent": "5.0000", "baseAsset": p.base, "quoteAsset": "USDT", "marginAsset": "USDT",
        "pricePrecision": p.price_precision, "quantityPrecision": p.quantity_precision,
        "baseAssetPrecision": 8, "quotePrecision": 8, "underlyingType": "COIN", "underlyingSubType": ["PoW"],
        "triggerProtect": "0.0500", "liquidationFee": "0.012500", "marketTakeBound": "0.05",
        "filters": [
            {"filterType": "PRICE_FILTER", "minPrice": plain(p.min_price), "maxPrice": plain(p.max_price), "tickSize": plain(p.tick_size)},
            {"filterType": "LOT_SIZE", "minQty": plain(p.min_qty), "maxQty": plain(p.max_qty), "stepSize": plain(p.step_size)},
            {"filterType": "MARKET_LOT_SIZE", "minQty": plain(p.min_qty), "maxQty": plain(p.market_max_qty), "stepSize": plain(p.step_size)},
            {"filterType": "MAX_NUM_ORDERS", "limit": 200},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
            {"filterType": "MIN_NOTIONAL", "notional": plain(p.min_notional)},
            {"filterType": "PERCENT_PRICE", "multiplierUp": "1.0500", "multiplierDown": "0.9500", "multiplierDecimal": "4"}
        ],
        "orderTypes": ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"],
        "timeInForce": ["GTC", "IOC", "FOK", "GTX", "GTD"]
    })
}

pub fn premium_index(s: &SymbolState, now: i64) -> Value {
    json!({
        "symbol": s.spec.symbol, "markPrice": fixed(s.spec.mark, 8), "indexPrice": fixed(s.index, 8),
        "estimatedSettlePrice": fixed(s.index, 8), "lastFundingRate": fixed(s.spec.funding_rate, 8),
        "interestRate": "0.00010000", "nextFundingTime": s.next_funding_ms, "time": now
    })
}

/// The quarterly contract as the all-symbols premiumIndex shows it: no funding.
pub fn premium_index_quarterly(mark: Decimal, now: i64) -> Value {
    json!({
        "symbol": "BTCUSDT_260626", "markPrice": fixed(mark, 8), "indexPrice": fixed(mark, 8),
        "estimatedSettlePrice": fixed(mark, 8), "lastFundingRate": "", "interestRate": "",
        "nextFundingTime": 0, "time": now
    })
}

pub fn funding_rate_row(symbol: &str, (time, rate, mark): (i64, Decimal, Decimal)) -> Value {
    json!({"symbol": symbol, "fundingTime": time, "fundingRate": fixed(rate, 8), "markPrice": fixed(mark, 8)})
}

/// Only adjusted symbols are listed: those not on 8 h, plus ETH with an adjusted cap.
pub fn funding_info(ex: &Exchange) -> Value {
    let rows: Vec<Value> = ex
        .symbols
        .values()
        .filter(|s| s.spec.interval_hours != 8 || s.spec.base == "ETH")
        .map(|s| {
            json!({
                "symbol": s.spec.symbol, "adjustedFundingRateCap": "0.03000000",
                "adjustedFundingRateFloor": "-0.03000000", "fundingIntervalHours": s.spec.interval_hours,
                "disclaimer": false
            })
        })
        .collect();
    Value::Array(rows)
}

pub fn book_ticker(s: &SymbolState, now: i64) -> Value {
    let (b, a) = (s.bids.first().copied().unwrap_or_default(), s.asks.first().copied().unwrap_or_default());
    json!({
        "symbol": s.spec.symbol, "bidPrice": plain(b.0), "bidQty": plain(b.1), "askPrice": plain(a.0),
        "askQty": plain(a.1), "time": now, "lastUpdateId": s.book_update_id
    })
}

pub fn depth(s: &SymbolState, limit: usize, now: i64) -> Value {
    let side = |levels: &[(Decimal, Decimal)]| -> Vec<Value> {
        levels.iter().take(limit).map(|(p, q)| json!([plain(*p), plain(*q)])).collect()
    };
    json!({"lastUpdateId": s.book_update_id, "E": now, "T": now, "bids": side(&s.bids), "asks": side(&s.asks)})
}

pub fn order(o: &FakeOrder) -> Value {
    json!({
        "orderId": o.order_id, "symbol": o.symbol, "status": o.status, "clientOrderId": o.client_order_id,
        "price": plain(o.price), "avgPrice": fixed(o.avg_price(), 5), "origQty": plain(o.qty),
        "executedQty": plain(o.executed), "cumQty": plain(o.executed), "cumQuote": plain(o.cum_quote),
        "timeInForce": o.time_in_force, "type": o.order_type, "origType": o.order_type, "reduceOnly": o.reduce_only,
        "closePosition": false, "side": o.side.as_str(), "positionSide": "BOTH", "stopPrice": "0",
        "workingType": "CONTRACT_PRICE", "priceProtect": false, "priceMatch": "NONE",
        "selfTradePreventionMode": "EXPIRE_MAKER", "goodTillDate": 0, "time": o.time, "updateTime": o.update_time
    })
}

pub fn position_risk(ex: &Exchange, s: &SymbolState, v3: bool) -> Value {
    let p = ex.position(&s.spec.symbol);
    let mark = s.spec.mark;
    let notional = p.qty * mark;
    let lev = Decimal::from(s.leverage.max(1));
    let iso = if s.isolated { (p.qty.abs() * p.entry / lev).round_dp(8) } else { Decimal::ZERO };
    let mut row = json!({
        "symbol": s.spec.symbol, "positionSide": "BOTH", "positionAmt": plain(p.qty), "entryPrice": plain(p.entry),
        "breakEvenPrice": plain(p.entry), "markPrice": fixed(mark, 8),
        "unRealizedProfit": fixed(ex.unrealized(&s.spec.symbol), 8), "liquidationPrice": "0",
        "isolatedMargin": fixed(iso, 8), "notional": plain(notional), "isolatedWallet": plain(iso),
        "updateTime": 0
    });
    if !v3 {
        row["leverage"] = json!(s.leverage.to_string());
        row["maxNotionalValue"] = json!("250000");
        row["marginType"] = json!(if s.isolated { "isolated" } else { "cross" });
        row["isAutoAddMargin"] = json!("false");
    }
    row
}

pub fn account(ex: &Exchange, now: i64) -> Value {
    let (wallet, upnl, im) = (ex.wallet, ex.total_unrealized(), ex.initial_margin());
    json!({
        "totalInitialMargin": fixed(im, 8), "totalMaintMargin": fixed(im / Decimal::from(2), 8),
        "totalWalletBalance": fixed(wallet, 8), "totalUnrealizedProfit": fixed(upnl, 8),
        "totalMarginBalance": fixed(wallet + upnl, 8), "totalPositionInitialMargin": fixed(im, 8),
        "totalOpenOrderInitialMargin": "0.00000000", "totalCrossWalletBalance": fixed(wallet, 8),
        "totalCrossUnPnl": fixed(upnl, 8), "availableBalance": fixed(ex.available(), 8),
        "maxWithdrawAmount": fixed(ex.available(), 8), "updateTime": now,
        "assets": [{"asset": "USDT", "walletBalance": fixed(wallet, 8), "unrealizedProfit": fixed(upnl, 8),
                    "marginBalance": fixed(wallet + upnl, 8), "availableBalance": fixed(ex.available(), 8),
                    "updateTime": now}],
        "positions": ex.symbols.values().filter(|s| !ex.position(&s.spec.symbol).qty.is_zero())
            .map(|s| position_risk(ex, s, true)).collect::<Vec<_>>()
    })
}

pub fn balance(ex: &Exchange, now: i64) -> Value {
    json!([{
        "accountAlias": "SgsR", "asset": "USDT", "balance": fixed(ex.wallet, 8),
        "crossWalletBalance": fixed(ex.wallet, 8), "crossUnPnl": fixed(ex.total_unrealized(), 8),
        "availableBalance": fixed(ex.available(), 8), "maxWithdrawAmount": fixed(ex.available(), 8),
        "marginAvailable": true, "updateTime": now
    }])
}

pub fn trade(t: &Trade) -> Value {
    json!({
        "buyer": t.side == super::state::Side::Buy, "commission": fixed(t.commission, 8), "commissionAsset": "USDT",
        "id": t.id, "maker": t.maker, "orderId": t.order_id, "price": plain(t.price), "qty": plain(t.qty),
        "quoteQty": plain(t.price * t.qty), "realizedPnl": fixed(t.realized_pnl, 8), "side": t.side.as_str(),
        "positionSide": "BOTH", "symbol": t.symbol, "time": t.time
    })
}

pub fn income(r: &IncomeRow) -> Value {
    json!({
        "symbol": r.symbol, "incomeType": r.income_type, "income": fixed(r.income, 8), "asset": "USDT",
        "info": r.income_type, "time": r.time, "tranId": r.tran_id, "tradeId": r.trade_id
    })
}

//! The fake's JSON, written out by hand with `json!` in the shapes captured from the real
//! venue (NautilusTrader fixtures, lighter-go) — deliberately not the connector's wire
//! structs, so a field the connector misnames fails the tests instead of agreeing with itself.

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::exchange::Exchange;
use super::model::{FakeMarket, FakeOrder, FakePosition, PositionFundingRow, TradeRow};
use lighter_signer::tx::{order_type, time_in_force};

pub fn detail(m: &FakeMarket) -> Value {
    json!({
        "symbol": m.symbol, "market_id": m.market_id, "market_type": "perp", "base_asset_id": 0,
        "quote_asset_id": 3, "status": "active", "taker_fee": "0.0000", "is_taker_fee_enabled": true,
        "maker_fee": "0.0000", "is_maker_fee_enabled": true, "liquidation_fee": "1.0000",
        "min_base_amount": m.min_base.to_string(), "min_quote_amount": m.min_quote.to_string(),
        "order_quote_limit": "281474976.710655", "supported_size_decimals": m.size_decimals,
        "supported_price_decimals": m.price_decimals, "supported_quote_decimals": 6,
        "size_decimals": m.size_decimals, "price_decimals": m.price_decimals, "quote_multiplier": 1,
        "default_initial_margin_fraction": m.default_imf, "min_initial_margin_fraction": m.min_imf,
        "maintenance_margin_fraction": m.maintenance_mf, "closeout_margin_fraction": m.maintenance_mf * 2 / 3,
        "last_trade_price": m.mark.to_string().parse::<f64>().unwrap_or(0.0), "daily_trades_count": 0,
        "daily_base_token_volume": 0.0, "daily_quote_token_volume": 0.0, "open_interest": 0.0,
        "daily_chart": {}, "market_config": {"market_margin_mode": 0, "force_reduce_only": false, "hidden": false},
        "strategy_index": 0
    })
}

pub fn market_stats(m: &FakeMarket) -> Value {
    json!({
        "symbol": m.symbol, "market_id": m.market_id, "index_price": m.index.to_string(),
        "mark_price": m.mark.to_string(), "mid_price": m.mark.to_string(),
        "open_interest": "0", "open_interest_limit": "50000.0000", "funding_clamp_small": "0.0500",
        "funding_clamp_big": "4.0000", "last_trade_price": m.mark.to_string(),
        "current_funding_rate": m.current_funding, "funding_rate": m.last_funding,
        "funding_timestamp": m.funding_timestamp, "daily_base_token_volume": 0.0,
        "daily_quote_token_volume": 0.0, "daily_price_low": 0.0, "daily_price_high": 0.0,
        "daily_price_change": 0.0
    })
}

fn tif_name(tif: u8) -> &'static str {
    match tif {
        time_in_force::IMMEDIATE_OR_CANCEL => "immediate-or-cancel",
        time_in_force::POST_ONLY => "post-only",
        _ => "good-till-time",
    }
}

pub fn order(o: &FakeOrder, m: &FakeMarket) -> Value {
    json!({
        "order_index": o.order_index, "client_order_index": o.client_order_index,
        "order_id": o.order_index.to_string(), "client_order_id": o.client_order_index.to_string(),
        "market_index": o.market, "owner_account_index": o.account,
        "initial_base_amount": m.size(o.initial).to_string(), "price": m.price(o.price).to_string(),
        "nonce": o.nonce, "remaining_base_amount": m.size(o.remaining).to_string(), "is_ask": o.is_ask,
        "base_size": o.initial, "base_price": o.price,
        "filled_base_amount": m.size(o.filled).to_string(),
        "filled_quote_amount": o.filled_quote.round_dp(6).to_string(),
        "side": if o.is_ask { "sell" } else { "buy" },
        "type": if o.order_type == order_type::MARKET { "market" } else { "limit" },
        "time_in_force": tif_name(o.tif), "reduce_only": o.reduce_only, "trigger_price": "0.00",
        "order_expiry": o.expiry, "status": o.status, "trigger_status": "na", "trigger_time": 0,
        "parent_order_index": 0, "parent_order_id": "0", "block_height": o.updated_ms / 100,
        "timestamp": o.created_ms, "created_at": o.created_ms, "updated_at": o.updated_ms,
        "transaction_time": o.updated_ms * 1000
    })
}

pub fn position(m: &FakeMarket, p: &FakePosition, open_orders: usize) -> Value {
    let size = m.size(p.units);
    let value = size.abs() * m.mark;
    let upnl = size * (m.mark - p.entry);
    let imf = Decimal::from(m.default_imf) / Decimal::ONE_HUNDRED;
    json!({
        "market_id": m.market_id, "symbol": m.symbol, "initial_margin_fraction": format!("{imf:.2}"),
        "open_order_count": open_orders, "pending_order_count": 0, "position_tied_order_count": 0,
        "sign": if p.units < 0 { -1 } else { 1 }, "position": size.abs().to_string(),
        "avg_entry_price": p.entry.round_dp(m.price_decimals).to_string(),
        "position_value": value.round_dp(6).to_string(), "unrealized_pnl": upnl.round_dp(6).to_string(),
        "realized_pnl": p.realized.round_dp(6).to_string(), "liquidation_price": "0",
        "total_funding_paid_out": p.funding_paid.round_dp(6).to_string(), "margin_mode": 0,
        "allocated_margin": "0.000000"
    })
}

pub fn trade(t: &TradeRow, m: &FakeMarket) -> Value {
    let size = m.size(t.size);
    let price = m.price(t.price);
    json!({
        "trade_id": t.trade_id, "trade_id_str": t.trade_id.to_string(), "tx_hash": t.tx_hash, "type": "trade",
        "market_id": t.market, "size": size.to_string(), "price": price.to_string(),
        "usd_amount": (size * price).round_dp(6).to_string(), "ask_id": t.ask_id, "bid_id": t.bid_id,
        "ask_client_id": t.ask_client_id, "bid_client_id": t.bid_client_id,
        "ask_account_id": t.ask_account, "bid_account_id": t.bid_account, "is_maker_ask": t.is_maker_ask,
        "block_height": t.timestamp_ms / 100, "timestamp": t.timestamp_ms, "taker_fee": 0, "maker_fee": 0,
        "transaction_time": t.timestamp_ms * 1000
    })
}

pub fn position_funding(r: &PositionFundingRow) -> Value {
    json!({
        "timestamp": r.timestamp_s, "market_id": r.market, "funding_id": r.funding_id,
        "change": r.change.round_dp(6).to_string(), "rate": r.rate, "position_size": r.size.to_string(),
        "position_side": if r.long { "long" } else { "short" }, "discount": "0.000000"
    })
}

/// `levels` as `[{"price","size"}]`, sizes in the market's decimals.
pub fn levels(m: &FakeMarket, levels: &[(u32, i64)]) -> Value {
    Value::Array(
        levels.iter().map(|(p, u)| json!({"price": m.price(*p).to_string(), "size": m.size(*u).to_string()})).collect(),
    )
}

/// The `account` endpoint's DetailedAccount.
pub fn account(ex: &Exchange, index: i64) -> Option<Value> {
    let acct = ex.accounts.get(&index)?;
    let mut positions = Vec::new();
    let mut upnl = Decimal::ZERO;
    let mut markets: std::collections::BTreeSet<i16> = acct.positions.keys().copied().collect();
    markets.extend(ex.orders.values().filter(|o| o.account == index && o.is_open()).map(|o| o.market));
    for m in markets {
        let Some(mk) = ex.markets.get(&m) else { continue };
        let p = acct.positions.get(&m).cloned().unwrap_or_default();
        upnl += mk.size(p.units) * (mk.mark - p.entry);
        let open = ex.orders.values().filter(|o| o.account == index && o.market == m && o.is_open()).count();
        positions.push(position(mk, &p, open));
    }
    let free = ex.free_margin(index);
    let total = acct.collateral + upnl;
    Some(json!({
        "code": 0, "account_type": 0, "index": index, "l1_address": "0x0000000000000000000000000000000000000000",
        "cancel_all_time": 0, "total_order_count": 0, "pending_order_count": 0,
        "available_balance": free.max(Decimal::ZERO).round_dp(6).to_string(), "status": 1,
        "collateral": acct.collateral.round_dp(6).to_string(), "account_index": index,
        "positions": positions,
        "assets": [{"symbol": "USDC", "asset_id": 3, "balance": acct.collateral.round_dp(6).to_string(),
                    "locked_balance": "0.000000", "margin_mode": "disabled", "margin_balance": "0.000000"}],
        "total_asset_value": total.round_dp(6).to_string(), "cross_asset_value": total.round_dp(6).to_string(),
        "cross_initial_margin_requirement": (total - free).max(Decimal::ZERO).round_dp(6).to_string(),
        "cross_maintenance_margin_requirement": "0.000000", "shares": [], "pending_unlocks": [],
        "approved_integrators": []
    }))
}

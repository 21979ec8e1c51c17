//! Order validation (Binance's codes and messages) and matching: MARKET, IOC and GTC orders
//! take liquidity from the scripted book at the taker fee; GTC remainders rest and fill at
//! their price as maker when the book moves through them. GTX that would cross is refused.
//! The book is a script, not depleted by fills.

use super::error::ApiError;
use super::events::{account_update, order_trade_update};
use super::state::{Exchange, FakeOrder, Side, Trade};
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
pub struct OrderArgs {
    pub symbol: String,
    pub side: Side,
    pub order_type: &'static str,
    pub time_in_force: &'static str,
    pub qty: Decimal,
    pub price: Option<Decimal>,
    pub reduce_only: bool,
    pub client_order_id: String,
}

pub struct Placed {
    /// The order as it was accepted (what an ACK response shows).
    pub accepted: FakeOrder,
    /// After matching (what a RESULT response shows).
    pub result: FakeOrder,
    pub events: Vec<String>,
}

fn multiple_of(value: Decimal, step: Decimal) -> bool {
    step.is_zero() || (value % step).is_zero()
}

/// Filters and margin, in the order Binance applies them.
fn validate(ex: &Exchange, a: &OrderArgs) -> Result<(), ApiError> {
    let s = ex.symbols.get(&a.symbol).ok_or_else(ApiError::invalid_symbol)?;
    let spec = &s.spec;
    let open_dup = ex.by_client_id.get(&(a.symbol.clone(), a.client_order_id.clone())).and_then(|id| ex.orders.get(id));
    if open_dup.is_some_and(FakeOrder::is_open) {
        return Err(ApiError::new(-4116, "ClientOrderId is duplicated."));
    }
    if a.qty <= Decimal::ZERO {
        return Err(ApiError::new(-4003, "Quantity less than or equal to zero."));
    }
    let precision = |d: Decimal| d.normalize().scale();
    if precision(a.qty) > spec.quantity_precision || a.price.is_some_and(|p| precision(p) > spec.price_precision) {
        return Err(ApiError::new(-1111, "Precision is over the maximum defined for this asset."));
    }
    if let Some(p) = a.price {
        if p < spec.min_price {
            return Err(ApiError::new(-4013, "Price less than min price."));
        }
        if p > spec.max_price {
            return Err(ApiError::new(-4016, "Price greater than max price."));
        }
        if !multiple_of(p, spec.tick_size) {
            return Err(ApiError::new(-4014, "Price not increased by tick size."));
        }
    }
    let max_qty = if a.order_type == "MARKET" { spec.market_max_qty } else { spec.max_qty };
    if a.qty < spec.min_qty {
        return Err(ApiError::new(-4004, "Quantity less than min quantity."));
    }
    if a.qty > max_qty {
        return Err(ApiError::new(-4005, "Quantity greater than max quantity."));
    }
    if !multiple_of(a.qty, spec.step_size) {
        return Err(ApiError::new(-4023, "Qty not increased by step size."));
    }
    let reference = a.price.unwrap_or(spec.mark);
    if !a.reduce_only && a.qty * reference < spec.min_notional {
        let msg = format!(
            "Order's notional must be no smaller than {} (unless you choose reduce only).",
            spec.min_notional.normalize()
        );
        return Err(ApiError::new(-4164, msg));
    }
    let pos = ex.position(&a.symbol).qty;
    if a.reduce_only && (pos.is_zero() || pos.is_sign_positive() == (a.side == Side::Buy)) {
        return Err(ApiError::new(-2022, "ReduceOnly Order is rejected."));
    }
    if a.time_in_force == "GTX" {
        let crosses = match (a.side, a.price) {
            (Side::Buy, Some(p)) => s.best_ask().is_some_and(|ask| p >= ask),
            (Side::Sell, Some(p)) => s.best_bid().is_some_and(|bid| p <= bid),
            _ => false,
        };
        if crosses {
            return Err(ApiError::new(
                -5022,
                "Due to the order could not be executed as maker, the Post Only order will be rejected. The order will not be recorded in the order history",
            ));
        }
    }
    if !a.reduce_only {
        let after = pos + a.side.sign() * a.qty;
        let increase = (after.abs() - pos.abs()).max(Decimal::ZERO);
        let required = increase * reference / Decimal::from(s.leverage.max(1));
        if required > ex.available() {
            return Err(ApiError::new(-2019, "Margin is insufficient."));
        }
    }
    Ok(())
}

pub fn place(ex: &mut Exchange, a: OrderArgs, now: i64) -> Result<Placed, ApiError> {
    validate(ex, &a)?;
    let order_id = ex.next_id();
    let order = FakeOrder {
        order_id,
        client_order_id: a.client_order_id.clone(),
        symbol: a.symbol.clone(),
        side: a.side,
        order_type: a.order_type,
        time_in_force: a.time_in_force,
        qty: a.qty,
        price: a.price.unwrap_or_default(),
        executed: Decimal::ZERO,
        cum_quote: Decimal::ZERO,
        status: "NEW",
        reduce_only: a.reduce_only,
        time: now,
        update_time: now,
    };
    ex.by_client_id.insert((a.symbol.clone(), a.client_order_id.clone()), order_id);
    ex.orders.insert(order_id, order.clone());
    let mut events = vec![order_trade_update(&order, "NEW", None, now)];
    let took = take(ex, order_id, now, &mut events);
    let Some(o) = ex.orders.get_mut(&order_id) else { return Err(ApiError::new(-1000, "order vanished")) };
    if (a.order_type == "MARKET" || a.time_in_force == "IOC") && !o.remaining().is_zero() {
        o.status = "EXPIRED";
        o.update_time = now;
        events.push(order_trade_update(o, "EXPIRED", None, now));
    }
    let result = o.clone();
    if took {
        events.push(account_update(ex, "ORDER", std::slice::from_ref(&a.symbol), Decimal::ZERO, now));
    }
    Ok(Placed { accepted: order, result, events })
}

/// Take liquidity from the book up to the order's price; true if anything filled.
fn take(ex: &mut Exchange, order_id: i64, now: i64, events: &mut Vec<String>) -> bool {
    let Some(o) = ex.orders.get(&order_id).cloned() else { return false };
    let Some(s) = ex.symbols.get(&o.symbol) else { return false };
    let levels = match o.side {
        Side::Buy => s.asks.clone(),
        Side::Sell => s.bids.clone(),
    };
    let mut remaining = o.remaining();
    if o.reduce_only {
        remaining = remaining.min(ex.position(&o.symbol).qty.abs());
    }
    let limited = o.order_type == "LIMIT";
    let mut took = false;
    for (price, qty) in levels {
        let crosses = match o.side {
            Side::Buy => price <= o.price,
            Side::Sell => price >= o.price,
        };
        if remaining.is_zero() || (limited && !crosses) {
            break;
        }
        let q = remaining.min(qty);
        events.push(fill(ex, order_id, price, q, false, now));
        remaining -= q;
        took = true;
    }
    took
}

/// One trade: order, position, wallet, income rows; returns its ORDER_TRADE_UPDATE.
pub fn fill(ex: &mut Exchange, order_id: i64, price: Decimal, qty: Decimal, maker: bool, now: i64) -> String {
    let fee_rate = if maker { ex.maker_fee } else { ex.taker_fee };
    let commission = (price * qty * fee_rate).round_dp(8);
    let trade_id = ex.next_id();
    let Some(o) = ex.orders.get_mut(&order_id) else { return String::new() };
    o.executed += qty;
    o.cum_quote += price * qty;
    o.status = if o.remaining().is_zero() { "FILLED" } else { "PARTIALLY_FILLED" };
    o.update_time = now;
    let after = o.clone();
    let (symbol, side) = (after.symbol.clone(), after.side);
    let pos = ex.positions.entry(symbol.clone()).or_default();
    let signed = side.sign() * qty;
    let mut realized = Decimal::ZERO;
    if pos.qty.is_zero() || pos.qty.is_sign_positive() == signed.is_sign_positive() {
        let total = pos.qty.abs() + qty;
        pos.entry = (pos.qty.abs() * pos.entry + qty * price) / total;
        pos.qty += signed;
    } else {
        let closing = qty.min(pos.qty.abs());
        realized = closing
            * (price - pos.entry)
            * if pos.qty.is_sign_positive() { Decimal::ONE } else { Decimal::NEGATIVE_ONE };
        pos.qty += signed;
        if pos.qty.is_zero() {
            pos.entry = Decimal::ZERO;
        } else if pos.qty.is_sign_positive() == signed.is_sign_positive() {
            pos.entry = price; // flipped through zero: the remainder opened at this price
        }
    }
    ex.wallet += realized - commission;
    let trade = Trade {
        id: trade_id,
        order_id,
        symbol: symbol.clone(),
        side,
        price,
        qty,
        realized_pnl: realized,
        commission,
        maker,
        time: now,
    };
    ex.add_income(&symbol, "COMMISSION", -commission, now, trade_id.to_string());
    if !realized.is_zero() {
        ex.add_income(&symbol, "REALIZED_PNL", realized, now, trade_id.to_string());
    }
    ex.trades.push(trade.clone());
    order_trade_update(&after, "TRADE", Some(&trade), now)
}

pub fn cancel(ex: &mut Exchange, order_id: i64, now: i64) -> Result<(FakeOrder, Vec<String>), ApiError> {
    let o = ex
        .orders
        .get_mut(&order_id)
        .filter(|o| o.is_open())
        .ok_or_else(|| ApiError::new(-2011, "Unknown order sent."))?;
    o.status = "CANCELED";
    o.update_time = now;
    let o = o.clone();
    let event = order_trade_update(&o, "CANCELED", None, now);
    Ok((o, vec![event]))
}

/// Resting orders the book has moved through fill at their own price, as maker.
pub fn on_book_change(ex: &mut Exchange, symbol: &str, now: i64) -> Vec<String> {
    let Some(s) = ex.symbols.get(symbol) else { return Vec::new() };
    let (bid, ask) = (s.best_bid(), s.best_ask());
    let crossed: Vec<(i64, Decimal, Decimal)> = ex
        .orders
        .values()
        .filter(|o| o.symbol == symbol && o.is_open() && o.order_type == "LIMIT")
        .filter(|o| match o.side {
            Side::Buy => ask.is_some_and(|a| a <= o.price),
            Side::Sell => bid.is_some_and(|b| b >= o.price),
        })
        .map(|o| (o.order_id, o.price, o.remaining()))
        .collect();
    let mut events: Vec<String> =
        crossed.iter().map(|(id, price, qty)| fill(ex, *id, *price, *qty, true, now)).collect();
    if !events.is_empty() {
        events.push(account_update(ex, "ORDER", &[symbol.to_owned()], Decimal::ZERO, now));
    }
    events
}

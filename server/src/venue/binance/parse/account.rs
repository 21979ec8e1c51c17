//! Account state: balances, positions, orders, trades and funding income.

use super::super::wire::{Account, Income, Order, PositionRisk, UserTrade};
use super::{ParseError, checked_div, checked_mul, invalid, nonzero, symbol_of};
use app::order::{Balance, Fill, FundingPayment, OrderReport, Side, VenueOrderStatus, VenuePosition};
use app::{ClientOrderId, FundingRate, Price, Qty, TimestampMs, Usd, Venue};
use rust_decimal::Decimal;

pub fn side(s: &str) -> Result<Side, ParseError> {
    match s {
        "BUY" => Ok(Side::Buy),
        "SELL" => Ok(Side::Sell),
        other => Err(invalid("side", format!("unknown side {other:?}"))),
    }
}

pub fn side_str(side: Side) -> &'static str {
    match side {
        Side::Buy => "BUY",
        Side::Sell => "SELL",
    }
}

pub fn order_status(s: &str) -> Result<VenueOrderStatus, ParseError> {
    Ok(match s {
        "NEW" => VenueOrderStatus::New,
        "PARTIALLY_FILLED" => VenueOrderStatus::PartiallyFilled,
        "FILLED" => VenueOrderStatus::Filled,
        "CANCELED" => VenueOrderStatus::Canceled,
        "REJECTED" => VenueOrderStatus::Rejected,
        "EXPIRED" | "EXPIRED_IN_MATCH" => VenueOrderStatus::Expired,
        other => return Err(invalid("status", format!("unknown order status {other:?}"))),
    })
}

pub fn client_order_id(s: &str) -> Result<ClientOrderId, ParseError> {
    ClientOrderId::new(s).map_err(|e| invalid("clientOrderId", e.to_string()))
}

pub fn balance(a: &Account, time_ms: TimestampMs) -> Balance {
    Balance {
        venue: Venue::Binance,
        equity: Usd(a.total_margin_balance),
        wallet: Usd(a.total_wallet_balance),
        available: Usd(a.available_balance),
        margin_used: Usd(a.total_initial_margin),
        time_ms,
    }
}

/// A one-way-mode position row, or `None` when flat. Cross positions report no margin of their
/// own, so theirs is the initial margin `|notional| / leverage`.
pub fn position(p: &PositionRisk) -> Result<Option<VenuePosition>, ParseError> {
    if p.position_amt.is_zero() {
        return Ok(None);
    }
    let leverage =
        u32::try_from(p.leverage).ok().filter(|l| *l > 0).ok_or_else(|| invalid("leverage", p.leverage.to_string()))?;
    let margin = if p.margin_type == "isolated" {
        p.isolated_margin
    } else {
        let notional =
            if p.notional.is_zero() { checked_mul("notional", p.position_amt, p.mark_price)? } else { p.notional };
        checked_div("notional", notional.abs(), Decimal::from(leverage))?
    };
    Ok(Some(VenuePosition {
        venue: Venue::Binance,
        symbol: symbol_of(&p.symbol)?,
        qty: Qty(p.position_amt),
        entry_price: Price(p.entry_price),
        mark_price: Price(p.mark_price),
        liquidation_price: nonzero(Some(p.liquidation_price)).map(Price),
        margin: Usd(margin),
        leverage,
        unrealized_pnl: Usd(p.un_realized_profit),
    }))
}

/// The order object; `fee` is what the connector has summed from fills (the object has none).
pub fn order_report(o: &Order, fee: Usd) -> Result<OrderReport, ParseError> {
    Ok(OrderReport {
        venue: Venue::Binance,
        client_order_id: client_order_id(&o.client_order_id)?,
        venue_order_id: o.order_id.to_string(),
        symbol: symbol_of(&o.symbol)?,
        side: side(&o.side)?,
        qty: Qty(o.orig_qty),
        filled_qty: Qty(o.executed_qty),
        avg_price: nonzero(o.avg_price).map(Price),
        status: order_status(&o.status)?,
        fee,
        time_ms: o.update_time,
    })
}

/// A trade row; the row names the order by Binance's id, so the caller supplies our id.
pub fn fill(t: &UserTrade, client_order_id: ClientOrderId, fee: Usd) -> Result<Fill, ParseError> {
    Ok(Fill {
        venue: Venue::Binance,
        trade_id: t.id.to_string(),
        client_order_id,
        symbol: symbol_of(&t.symbol)?,
        side: side(&t.side)?,
        qty: Qty(t.qty),
        price: Price(t.price),
        fee,
        is_maker: t.maker,
        time_ms: t.time,
    })
}

/// A `FUNDING_FEE` income row joined with the settlement it paid for. Binance does not report
/// the position size, so it is recovered from `amount = -qty x mark x rate` (zero when the rate
/// or mark is unknown or zero).
pub fn funding_payment(i: &Income, rate: FundingRate, mark: Price) -> Result<FundingPayment, ParseError> {
    if i.income_type != "FUNDING_FEE" {
        return Err(invalid("incomeType", format!("{:?} is not FUNDING_FEE", i.income_type)));
    }
    let per_unit = checked_mul("markPrice", mark.0, rate.rate)?;
    let qty = if per_unit.is_zero() { Decimal::ZERO } else { -checked_div("income", i.income, per_unit)?.round_dp(8) };
    Ok(FundingPayment {
        venue: Venue::Binance,
        symbol: symbol_of(&i.symbol)?,
        payment_id: i.tran_id.to_string(),
        rate,
        position_qty: Qty(qty.normalize()),
        mark_price: mark,
        amount: Usd(i.income),
        time_ms: i.time,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::FundingInterval;
    use rust_decimal_macros::dec;

    #[test]
    fn funding_payment_recovers_the_position() {
        let i = Income {
            symbol: "BTCUSDT".into(),
            income_type: "FUNDING_FEE".into(),
            income: dec!(-3),
            asset: "USDT".into(),
            time: 1,
            tran_id: 77,
        };
        let p = funding_payment(&i, FundingRate::new(dec!(0.0001), FundingInterval::EIGHT_HOURS), Price(dec!(60000)))
            .unwrap();
        assert_eq!(p.position_qty, Qty(dec!(0.5)));
        assert_eq!(p.payment_id, "77");
        // The sign convention matches app's: a long pays a positive rate.
        assert_eq!(p.rate.payment(p.position_qty, p.mark_price), p.amount);
    }
}

//! Account-level conversions: orders, fills, positions, balances and funding payments.
//! Our `ClientOrderId`s are not on the wire (only the 48-bit index), so callers pass the id
//! they registered for an index, or the `lighter-<index>` fallback.

use app::order::{Balance, Fill, FundingPayment, OrderReport, Side, VenueOrderStatus, VenuePosition};
use app::{ClientOrderId, FundingRate, Price, Qty, Symbol, TimestampMs, Usd, Venue};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::{ParseError, dec};
use crate::venue::lighter::wire;

/// Lighter's order status strings. Open-ish states become New/PartiallyFilled by fill;
/// `canceled-expired` is an expiry; every other `canceled*` (IOC remainder, post-only cross,
/// margin, self-trade, reduce-only) is a cancel — `filled_qty` shows any partial fill.
pub fn order_status(status: &str, filled: Decimal) -> Result<VenueOrderStatus, ParseError> {
    let partial = if filled > Decimal::ZERO { VenueOrderStatus::PartiallyFilled } else { VenueOrderStatus::New };
    match status {
        "open" | "pending" | "in-progress" => Ok(partial),
        "filled" => Ok(VenueOrderStatus::Filled),
        "canceled-expired" => Ok(VenueOrderStatus::Expired),
        s if s == "canceled" || s.starts_with("canceled-") => Ok(VenueOrderStatus::Canceled),
        other => Err(ParseError::Unknown { field: "status", value: other.chars().take(40).collect() }),
    }
}

pub fn side(is_ask: bool) -> Side {
    if is_ask { Side::Sell } else { Side::Buy }
}

pub fn order_report(
    o: &wire::Order,
    client_order_id: ClientOrderId,
    symbol: &Symbol,
) -> Result<OrderReport, ParseError> {
    let filled = dec("filled_base_amount", &o.filled_base_amount)?;
    let quote = dec("filled_quote_amount", &o.filled_quote_amount)?;
    let avg_price =
        (filled > Decimal::ZERO).then(|| quote.checked_div(filled)).flatten().map(|p| Price(p.round_dp(12)));
    Ok(OrderReport {
        venue: Venue::Lighter,
        client_order_id,
        venue_order_id: o.order_index.to_string(),
        symbol: symbol.clone(),
        side: side(o.is_ask),
        qty: Qty(dec("initial_base_amount", &o.initial_base_amount)?),
        filled_qty: Qty(filled),
        avg_price,
        status: order_status(&o.status, filled)?,
        // Orders do not carry fees; fills do.
        fee: Usd::ZERO,
        time_ms: o.updated_at.unwrap_or(o.timestamp),
    })
}

/// Which side of a trade is ours, with its client index and maker flag.
pub struct OurSide {
    pub side: Side,
    pub client_order_index: i64,
    pub is_maker: bool,
}

pub fn our_side(t: &wire::Trade, account: i64) -> Option<OurSide> {
    if t.ask_account_id == account {
        Some(OurSide { side: Side::Sell, client_order_index: t.ask_client_id, is_maker: t.is_maker_ask })
    } else if t.bid_account_id == account {
        Some(OurSide { side: Side::Buy, client_order_index: t.bid_client_id, is_maker: !t.is_maker_ask })
    } else {
        None
    }
}

/// A trade of ours as a fill. Fees are integers in parts per million of notional [verify].
pub fn fill(
    t: &wire::Trade,
    ours: &OurSide,
    client_order_id: ClientOrderId,
    symbol: &Symbol,
) -> Result<Fill, ParseError> {
    let qty = dec("size", &t.size)?;
    let price = dec("price", &t.price)?;
    let notional = match &t.usd_amount {
        Some(u) => dec("usd_amount", u)?,
        None => qty * price,
    };
    let ppm = if ours.is_maker { t.maker_fee } else { t.taker_fee }.unwrap_or(0);
    Ok(Fill {
        venue: Venue::Lighter,
        trade_id: t.trade_id.to_string(),
        client_order_id,
        symbol: symbol.clone(),
        side: ours.side,
        qty: Qty(qty),
        price: Price(price),
        fee: Usd((notional * Decimal::from(ppm) / Decimal::from(1_000_000)).round_dp(6)),
        is_maker: ours.is_maker,
        time_ms: t.timestamp,
    })
}

/// `initial_margin_fraction` appears both as percent ("10.00") and as a fraction ("0.0500")
/// in captured payloads [verify]; values above 1 are read as percent.
fn leverage(imf: Option<&str>) -> Result<u32, ParseError> {
    let Some(text) = imf else { return Ok(1) };
    let f = dec("initial_margin_fraction", text)?;
    let fraction = if f > Decimal::ONE { f / Decimal::ONE_HUNDRED } else { f };
    if fraction <= Decimal::ZERO {
        return Ok(1);
    }
    Ok((Decimal::ONE / fraction).round().to_u32().unwrap_or(1).max(1))
}

fn opt_dec(field: &'static str, v: &Option<String>) -> Result<Decimal, ParseError> {
    v.as_deref().map_or(Ok(Decimal::ZERO), |s| dec(field, s))
}

/// `sign` (1/−1) times the absolute `position`; `mark` from `market_stats` when known.
pub fn position(p: &wire::Position, symbol: &Symbol, mark: Option<Price>) -> Result<VenuePosition, ParseError> {
    let size = dec("position", &p.position)?.abs();
    let signed = match p.sign {
        1 => size,
        -1 => -size,
        0 if size.is_zero() => size,
        other => return Err(ParseError::Range { field: "sign", value: other.to_string() }),
    };
    let value = opt_dec("position_value", &p.position_value)?;
    let entry = dec("avg_entry_price", &p.avg_entry_price)?;
    let mark = mark.unwrap_or_else(|| Price(if size.is_zero() { entry } else { (value / size).round_dp(8) }));
    let liq = opt_dec("liquidation_price", &p.liquidation_price)?;
    Ok(VenuePosition {
        venue: Venue::Lighter,
        symbol: symbol.clone(),
        qty: Qty(signed),
        entry_price: Price(entry),
        mark_price: mark,
        liquidation_price: (liq > Decimal::ZERO).then_some(Price(liq)),
        margin: Usd(opt_dec("allocated_margin", &p.allocated_margin)?),
        leverage: leverage(p.initial_margin_fraction.as_deref())?,
        unrealized_pnl: Usd(opt_dec("unrealized_pnl", &p.unrealized_pnl)?),
    })
}

pub fn balance(a: &wire::DetailedAccount, time_ms: TimestampMs) -> Result<Balance, ParseError> {
    let wallet = dec("collateral", &a.collateral)?;
    let available = dec("available_balance", &a.available_balance)?;
    let equity = match &a.total_asset_value {
        Some(v) => dec("total_asset_value", v)?,
        None => wallet,
    };
    let margin_used = match &a.cross_initial_margin_requirement {
        Some(v) => dec("cross_initial_margin_requirement", v)?,
        None => (equity - available).max(Decimal::ZERO),
    };
    Ok(Balance {
        venue: Venue::Lighter,
        equity: Usd(equity),
        wallet: Usd(wallet),
        available: Usd(available),
        margin_used: Usd(margin_used),
        time_ms,
    })
}

/// The fields a `positionFunding` row and an `account_all.funding_histories` entry share.
pub struct FundingFields<'a> {
    pub timestamp_s: i64,
    pub funding_id: i64,
    pub change: &'a str,
    pub rate: &'a str,
    pub position_size: &'a str,
    pub position_side: &'a str,
}

/// `change` is the signed credit. The rate's sign is taken from who paid, so it is right
/// whether the venue sends `rate` signed or as a magnitude [verify]: a long that paid, or a
/// short that received, means longs paid (positive rate).
pub fn funding_payment(f: &FundingFields<'_>, symbol: &Symbol) -> Result<FundingPayment, ParseError> {
    let change = dec("change", f.change)?;
    let rate = dec("rate", f.rate)?;
    let size = dec("position_size", f.position_size)?.abs();
    let long = super::longs_paid(f.position_side)?;
    let longs_paid = if change.is_zero() { rate >= Decimal::ZERO } else { long == (change < Decimal::ZERO) };
    let denom = size * rate.abs() / Decimal::ONE_HUNDRED;
    let mark = if denom.is_zero() { Decimal::ZERO } else { (change.abs() / denom).round_dp(8) };
    let time_ms = f
        .timestamp_s
        .checked_mul(1000)
        .ok_or(ParseError::Range { field: "timestamp", value: f.timestamp_s.to_string() })?;
    Ok(FundingPayment {
        venue: Venue::Lighter,
        symbol: symbol.clone(),
        payment_id: f.funding_id.to_string(),
        rate: FundingRate::from_lighter_payment(rate, longs_paid),
        position_qty: Qty(if long { size } else { -size }),
        mark_price: Price(mark),
        amount: Usd(change),
        time_ms,
    })
}

impl<'a> From<&'a wire::PositionFunding> for FundingFields<'a> {
    fn from(p: &'a wire::PositionFunding) -> Self {
        Self {
            timestamp_s: p.timestamp,
            funding_id: p.funding_id,
            change: &p.change,
            rate: &p.rate,
            position_size: &p.position_size,
            position_side: &p.position_side,
        }
    }
}

impl<'a> From<&'a wire::ws::FundingHistory> for FundingFields<'a> {
    fn from(p: &'a wire::ws::FundingHistory) -> Self {
        Self {
            timestamp_s: p.timestamp,
            funding_id: p.funding_id,
            change: &p.change,
            rate: &p.rate,
            position_size: &p.position_size,
            position_side: &p.position_side,
        }
    }
}

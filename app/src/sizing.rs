//! Sizing and the pre-flight check of a hedged open: one quantity valid on both venues, its
//! slices, fees, expected funding and margin, and every reason the pair cannot be opened.
//! The engine and the browser's preview call the same function.

use crate::funding::{FundingRate, SpreadDirection};
use crate::ids::Venue;
use crate::market::{MarketFilters, common_step, round_down_to};
use crate::money::{Price, Qty, Usd};
use crate::order::Side;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

const HOURS_PER_YEAR: i64 = 24 * 365;

/// What one venue offers for the symbol right now, and what we may use there.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegQuote {
    pub venue: Venue,
    pub filters: MarketFilters,
    pub mark: Price,
    pub bid: Price,
    pub ask: Price,
    pub taker_fee: Decimal,
    pub leverage: u32,
    pub max_leverage: u32,
    pub available_margin: Usd,
    pub rate: FundingRate,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenRequest {
    pub direction: SpreadDirection,
    pub notional: Usd,
    pub slices: u32,
    /// 0 means no per-slice cap.
    pub max_slice_notional: Usd,
    pub slippage_cap_bps: u32,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegPlan {
    pub venue: Venue,
    pub side: Side,
    /// Worst acceptable price of this leg's IOC orders.
    pub limit_price: Price,
    pub margin: Usd,
    pub entry_fee: Usd,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenPreview {
    pub qty: Qty,
    pub slice_qty: Qty,
    pub slices: u32,
    pub notional: Usd,
    pub legs: Vec<LegPlan>,
    pub entry_fees: Usd,
    pub round_trip_fees: Usd,
    /// Expected funding collected by the pair at current predicted rates.
    pub funding_per_hour: Usd,
    pub funding_per_day: Usd,
    /// Funding per year over notional, as a fraction.
    pub apr: Decimal,
    /// Empty when the pair may be opened.
    pub refusals: Vec<String>,
}

impl OpenPreview {
    pub fn is_ok(&self) -> bool {
        self.refusals.is_empty()
    }
}

/// The long and short venue of a direction.
pub fn legs_of(direction: SpreadDirection) -> (Venue, Venue) {
    match direction {
        SpreadDirection::LongLighterShortBinance => (Venue::Lighter, Venue::Binance),
        SpreadDirection::LongBinanceShortLighter => (Venue::Binance, Venue::Lighter),
    }
}

/// One slice of an execution that moves the legs by `distance`: rounded up to the step so
/// that `slices` slices cover it (the last one carries the remainder), and at least one step.
/// The executor slices with it and the preview shows it.
pub fn slice_qty(distance: Qty, slices: u32, step: Qty) -> Qty {
    let n = Decimal::from(slices.max(1));
    let down = (distance / n).round_down_to(step);
    if down * n < distance { down + step } else { down }.max(step)
}

/// The IOC limit: the touch moved by the slippage cap, rounded toward the touch.
pub fn limit_price(side: Side, quote: &LegQuote, cap_bps: u32) -> Price {
    let cap = Decimal::new(i64::from(cap_bps), 4);
    match side {
        Side::Buy => quote.filters.round_price_down(Price(quote.ask.0 * (Decimal::ONE + cap))),
        Side::Sell => quote.filters.round_price_up(Price(quote.bid.0 * (Decimal::ONE - cap))),
    }
}

/// The part of an open that costs money, before any check: one quantity valid on both venues
/// at the mid, and each leg's worst price and taker fee on the way in. `preview` builds on it.
struct Entry {
    qty: Decimal,
    notional: Decimal,
    /// Long leg first: venue, side, limit price, entry fee.
    legs: [(Venue, Side, Price, Decimal); 2],
}

/// `step` is `common_step` of the quotes' step sizes (a caller ranking every symbol on every
/// market event keeps it per symbol).
fn entry(req: &OpenRequest, binance: &LegQuote, lighter: &LegQuote, step: Decimal) -> Entry {
    let quote = |v: Venue| if v == Venue::Binance { binance } else { lighter };
    let (long_v, short_v) = legs_of(req.direction);
    let (qty, mid) = entry_qty(req.notional, binance.mark, lighter.mark, step);
    let leg = |venue: Venue, side: Side| {
        let q = quote(venue);
        let limit = limit_price(side, q, req.slippage_cap_bps);
        (venue, side, limit, qty * limit.0 * q.taker_fee)
    };
    Entry { qty, notional: qty * mid, legs: [leg(long_v, Side::Buy), leg(short_v, Side::Sell)] }
}

/// The quantity an open of `notional` takes on both venues — at the mid of the marks, rounded
/// down to `step` (`common_step` of their step sizes) — and that mid. Zero: not quotable.
pub fn entry_qty(notional: Usd, mark_binance: Price, mark_lighter: Price, step: Decimal) -> (Decimal, Decimal) {
    let mid = (mark_binance.0 + mark_lighter.0) / Decimal::TWO;
    let qty = if mid > Decimal::ZERO { round_down_to(notional.0 / mid, step) } else { Decimal::ZERO };
    (qty, mid)
}

/// Whether [`entry_qty`] is zero, without its division where the notional covers a step at
/// twice the mid (`notional ≥ step·(mark_b + mark_l)`): the quotient is then about two steps,
/// far from the boundary whatever its rounding.
pub fn entry_qty_is_zero(notional: Usd, mark_binance: Price, mark_lighter: Price, step: Decimal) -> bool {
    let sum = mark_binance.0 + mark_lighter.0;
    if crate::money::is_positive(sum) && step.checked_mul(sum).is_some_and(|covered| notional.0 >= covered) {
        return false;
    }
    entry_qty(notional, mark_binance, mark_lighter, step).0.is_zero()
}

/// What the strategy ranks an opportunity by: the notional an open of `req` would reach (as
/// `preview`'s), and what entering and leaving it costs per hour of a `horizon_hours` hold, as
/// a fraction of it — both legs' taker fees in and out at their limit prices, and half of each
/// book's spread crossed both ways. `None`: not quotable (no mark, or below one step).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryCosts {
    pub notional: Usd,
    pub per_hour: Decimal,
}

/// [`EntryCosts`] on these quotes; `step` is `common_step` of their step sizes (a caller
/// ranking every symbol on every market event keeps it per symbol).
///
/// The quantity cancels out of the fees' share — `2·qty·Σ(limit·fee) / (qty·mid)` is
/// `4·Σ(limit·fee) / (mark_b + mark_l)` — and the half-spreads `(ask − bid) / 2 / mark`,
/// crossed twice, are `(ask − bid) / mark`; over one denominator that is one division where
/// the preview's figures take nine.
pub fn entry_costs(
    req: &OpenRequest,
    binance: &LegQuote,
    lighter: &LegQuote,
    step: Decimal,
    horizon_hours: u32,
) -> Option<EntryCosts> {
    let (mb, ml) = (binance.mark.0, lighter.mark.0);
    if mb <= Decimal::ZERO || ml <= Decimal::ZERO {
        return None;
    }
    let e = entry(req, binance, lighter, step);
    if e.qty.is_zero() {
        return None;
    }
    let sum = mb + ml;
    let quote = |v: Venue| if v == Venue::Binance { binance } else { lighter };
    let fees: Decimal = e.legs.iter().map(|&(venue, _, limit, _)| limit.0 * quote(venue).taker_fee).sum();
    let (spread_b, spread_l) = (binance.ask.0 - binance.bid.0, lighter.ask.0 - lighter.bid.0);
    let hours = Decimal::from(horizon_hours.max(1));
    // One division over the product of the marks; where that product would not fit a decimal
    // (a garbage mark), a division per term, and nothing rather than a panic.
    let one = || {
        let costs = Decimal::from(4)
            .checked_mul(fees)?
            .checked_mul(mb)?
            .checked_mul(ml)?
            .checked_add(sum.checked_mul(spread_b.checked_mul(ml)?.checked_add(spread_l.checked_mul(mb)?)?)?)?;
        costs.checked_div(sum.checked_mul(mb)?.checked_mul(ml)?.checked_mul(hours)?)
    };
    let each = || {
        let fraction = Decimal::from(4)
            .checked_mul(fees)?
            .checked_div(sum)?
            .checked_add(spread_b.checked_div(mb)?)?
            .checked_add(spread_l.checked_div(ml)?)?;
        fraction.checked_div(hours)
    };
    let per_hour = one().or_else(each)?;
    Some(EntryCosts { notional: Usd(e.notional), per_hour })
}

/// Whether [`entry_costs`] on quotes like these is never negative: taker fees not below zero,
/// each book `0 ≤ bid ≤ ask`, and a slippage cap of at most 100 % (a sell's limit stays ≥ 0).
/// Then a spread that cannot clear a threshold gross cannot clear it net either, and the
/// strategy need not price it. `touches` are each leg's `(bid, ask)`.
pub fn costs_not_negative(taker_fees: [Decimal; 2], touches: [(Price, Price); 2], slippage_cap_bps: u32) -> bool {
    slippage_cap_bps <= 10_000
        && taker_fees.iter().all(|f| !f.is_sign_negative())
        && touches.iter().all(|(bid, ask)| !bid.0.is_sign_negative() && bid.0 <= ask.0)
}

pub fn preview(req: &OpenRequest, binance: &LegQuote, lighter: &LegQuote) -> OpenPreview {
    let mut refusals = Vec::new();
    let quote = |v: Venue| if v == Venue::Binance { binance } else { lighter };
    let (long_v, short_v) = legs_of(req.direction);
    let step = common_step(binance.filters.step_size.0, lighter.filters.step_size.0);
    let Entry { qty, notional, legs: priced } = entry(req, binance, lighter, step);

    let mut slices = req.slices.max(1);
    if req.max_slice_notional.0 > Decimal::ZERO {
        let needed = (notional / req.max_slice_notional.0).ceil();
        slices = slices.max(u32::try_from(needed.mantissa().max(1)).unwrap_or(u32::MAX).min(1000));
    }
    let slice_qty = if qty.is_zero() { Decimal::ZERO } else { slice_qty(Qty(qty), slices, Qty(step)).value() };
    // The last slice carries the remainder: the one the venues' minimums bind on.
    let smallest = match qty.checked_rem(slice_qty) {
        Some(rem) if !rem.is_zero() => rem,
        _ => slice_qty,
    };

    if qty.is_zero() {
        refusals.push(format!("notional {} is below one step ({step}) of the symbol", req.notional));
    }
    let mut legs = Vec::new();
    for (venue, side, limit, entry_fee) in priced {
        let q = quote(venue);
        let f = &q.filters;
        let margin = qty * q.mark.0 / Decimal::from(q.leverage.max(1));
        if !qty.is_zero() && (smallest < f.min_qty.0 || smallest * q.mark.0 < f.min_notional.0) {
            refusals.push(format!(
                "{venue}: a slice of {smallest} is below the minimum ({} or {} USD); use fewer slices or more notional",
                f.min_qty, f.min_notional
            ));
        }
        if q.leverage > q.max_leverage {
            refusals.push(format!("{venue}: leverage {}x exceeds the maximum {}x", q.leverage, q.max_leverage));
        }
        if margin > q.available_margin.0 {
            refusals.push(format!(
                "{venue}: margin {} USD exceeds the available {} USD",
                margin.round_dp(2),
                q.available_margin.0.round_dp(2)
            ));
        }
        if q.bid.0 <= Decimal::ZERO || q.ask.0 <= q.bid.0 {
            refusals.push(format!("{venue}: no usable book"));
        }
        legs.push(LegPlan { venue, side, limit_price: limit, margin: Usd(margin), entry_fee: Usd(entry_fee) });
    }
    let entry_fees: Decimal = legs.iter().map(|l| l.entry_fee.0).sum();
    // The short leg receives its rate, the long leg pays its own.
    let per_hour_rate = quote(short_v).rate.per_hour() - quote(long_v).rate.per_hour();
    let funding_per_hour = notional * per_hour_rate;
    OpenPreview {
        qty: Qty(qty),
        slice_qty: Qty(slice_qty),
        slices,
        notional: Usd(notional),
        legs,
        entry_fees: Usd(entry_fees),
        round_trip_fees: Usd(entry_fees * Decimal::TWO),
        funding_per_hour: Usd(funding_per_hour),
        funding_per_day: Usd(funding_per_hour * Decimal::from(24)),
        apr: per_hour_rate * Decimal::from(HOURS_PER_YEAR),
        refusals,
    }
}

#[cfg(test)]
mod tests;

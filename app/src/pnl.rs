//! P&L calculators: one leg's ledger of fills, fees and settled funding; the funding estimate
//! accrued since a leg's last settlement; and the breakdown of a hedged position.
//!
//! The estimate accrues every leg continuously, so a pair of an hourly and an 8-hourly leg does
//! not flip sign between settlements: settled payments replace the estimate as they arrive.

use crate::TimestampMs;
use crate::funding::FundingRate;
use crate::money::{Price, Qty, Usd};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One leg's running account. Quantities are signed: positive long. Every field is plain
/// data that any value can take (a flat leg has entry 0; P&L and funding take either sign),
/// so the fields are public.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegLedger {
    pub qty: Qty,
    /// Average entry price of the open quantity.
    pub entry: Price,
    /// Price P&L realised by reducing fills.
    pub realized: Usd,
    /// Fees paid (positive).
    pub fees: Usd,
    /// Settled funding received (negative when paid).
    pub funding: Usd,
}

impl LegLedger {
    /// Apply a fill of `signed_qty` at `price`: average in when growing, realise when reducing,
    /// re-enter at the fill price when the position flips.
    pub fn apply_fill(&mut self, signed_qty: Qty, price: Price, fee: Usd) {
        self.fees += fee;
        let new_qty = self.qty + signed_qty;
        if self.qty.is_zero() || self.qty.is_sign_positive() == signed_qty.is_sign_positive() {
            self.entry = (self.entry * self.qty.abs() + price * signed_qty.abs()) / new_qty.abs();
        } else {
            let closed = signed_qty.abs().min(self.qty.abs());
            let direction = if self.qty.is_sign_positive() { Decimal::ONE } else { Decimal::NEGATIVE_ONE };
            self.realized += closed * (price - self.entry) * direction;
            if !new_qty.is_zero() && new_qty.is_sign_positive() == signed_qty.is_sign_positive() {
                self.entry = price;
            }
        }
        self.qty = new_qty;
        if self.qty.is_zero() {
            self.entry = Price::ZERO;
        }
    }

    pub fn apply_funding(&mut self, amount: Usd) {
        self.funding += amount;
    }

    pub fn unrealized(&self, mark: Price) -> Usd {
        self.qty * (mark - self.entry)
    }

    /// Open quantity at `price`, unsigned: what the leg is worth (its notional).
    pub fn notional(&self, price: Price) -> Usd {
        self.qty.abs() * price
    }
}

/// Funding this leg has earned since its last settlement, at the current predicted rate,
/// pro rata. Positive when the leg will receive.
pub fn funding_estimate(
    qty: Qty,
    mark: Price,
    predicted: FundingRate,
    last_settlement_ms: TimestampMs,
    now_ms: TimestampMs,
) -> Usd {
    let elapsed_h = Decimal::from((now_ms - last_settlement_ms).max(0)) / Decimal::from(crate::MS_PER_HOUR);
    let elapsed_h = elapsed_h.min(Decimal::from(predicted.interval.hours()));
    -(qty * mark * predicted.per_hour() * elapsed_h)
}

/// The split every position, symbol, strategy and day is reported in.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PnlBreakdown {
    pub price_realized: Usd,
    pub price_unrealized: Usd,
    pub funding_settled: Usd,
    /// Accrued since each leg's last settlement; not yet money, shown apart from `net`.
    pub funding_estimate: Usd,
    pub fees: Usd,
    /// Realised + unrealised price P&L + settled funding - fees.
    pub net: Usd,
}

impl PnlBreakdown {
    /// Each leg with its mark and its funding estimate.
    pub fn from_legs<'a>(legs: impl IntoIterator<Item = (&'a LegLedger, Price, Usd)>) -> Self {
        let mut b = PnlBreakdown::default();
        for (leg, mark, estimate) in legs {
            b.price_realized += leg.realized;
            b.price_unrealized += if leg.qty.is_zero() { Usd::ZERO } else { leg.unrealized(mark) };
            b.funding_settled += leg.funding;
            b.funding_estimate += estimate;
            b.fees += leg.fees;
        }
        b.net = b.price_realized + b.price_unrealized + b.funding_settled - b.fees;
        b
    }

    pub fn add(&mut self, other: &PnlBreakdown) {
        self.price_realized += other.price_realized;
        self.price_unrealized += other.price_unrealized;
        self.funding_settled += other.funding_settled;
        self.funding_estimate += other.funding_estimate;
        self.fees += other.fees;
        self.net += other.net;
    }

    pub fn realized(&self) -> Usd {
        self.price_realized + self.funding_settled - self.fees
    }
}

#[cfg(test)]
mod tests;

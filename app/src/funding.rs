//! Funding rates that carry their interval, and the cross-venue spread.
//!
//! Every venue's rate is normalised at the boundary into [`FundingRate`]: a signed fraction per
//! settlement interval (positive: longs pay shorts) together with that interval. Comparing rates
//! of different intervals without this is the classic 8x bug of funding bots.

use crate::money::{Price, Qty, Usd};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

const HOURS_PER_DAY: i64 = 24;
const HOURS_PER_YEAR: i64 = 24 * 365;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FundingError {
    #[error("funding interval must be 1 to 24 hours, got {0}")]
    Interval(u32),
}

/// How often a venue settles funding for a symbol: Lighter hourly; Binance 8 h, 4 h or 1 h.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct FundingInterval(u32);

impl FundingInterval {
    pub const HOURLY: Self = Self(1);
    pub const FOUR_HOURS: Self = Self(4);
    pub const EIGHT_HOURS: Self = Self(8);

    pub fn from_hours(hours: u32) -> Result<Self, FundingError> {
        if (1..=24).contains(&hours) { Ok(Self(hours)) } else { Err(FundingError::Interval(hours)) }
    }

    pub fn hours(self) -> u32 {
        self.0
    }

    pub fn millis(self) -> i64 {
        i64::from(self.0) * crate::MS_PER_HOUR
    }

    /// The first settlement strictly after `now_ms`. Venues settle on multiples of the
    /// interval counted from midnight UTC (00/08/16 for 8 h).
    pub fn next_settlement_after(self, now_ms: i64) -> i64 {
        let step = self.millis();
        (now_ms.div_euclid(step) + 1) * step
    }
}

impl TryFrom<u32> for FundingInterval {
    type Error = FundingError;
    fn try_from(hours: u32) -> Result<Self, FundingError> {
        Self::from_hours(hours)
    }
}

impl From<FundingInterval> for u32 {
    fn from(i: FundingInterval) -> u32 {
        i.0
    }
}

/// A funding rate as a signed fraction per interval. Positive: longs pay shorts.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundingRate {
    pub rate: Decimal,
    pub interval: FundingInterval,
}

impl FundingRate {
    pub fn new(rate: Decimal, interval: FundingInterval) -> Self {
        Self { rate, interval }
    }

    /// Lighter publishes `market_stats` rates as signed percent per hour ("-0.0028").
    pub fn from_percent_per_hour(percent: Decimal) -> Self {
        Self::new(percent / Decimal::ONE_HUNDRED, FundingInterval::HOURLY)
    }

    /// Lighter's `fundings` rows give a magnitude in percent per hour and the side that paid.
    pub fn from_lighter_payment(magnitude_percent: Decimal, longs_paid: bool) -> Self {
        let sign = if longs_paid { Decimal::ONE } else { Decimal::NEGATIVE_ONE };
        Self::from_percent_per_hour(sign * magnitude_percent.abs())
    }

    #[inline]
    pub fn per_hour(self) -> Decimal {
        match self.interval.hours() {
            // What the division by one gives (it keeps the scale of all but zero), without it:
            // hourly rates are most of what the strategy reads.
            1 if !self.rate.is_zero() => self.rate,
            hours => halved(self.rate, hours).unwrap_or_else(|| self.rate / Decimal::from(hours)),
        }
    }

    pub fn per_day(self) -> Decimal {
        self.per_hour() * Decimal::from(HOURS_PER_DAY)
    }

    /// Simple (non-compounded) annual rate as a fraction: per-hour x 8760.
    pub fn apr(self) -> Decimal {
        self.per_hour() * Decimal::from(HOURS_PER_YEAR)
    }

    /// What a position of `signed_qty` (positive long) receives at one settlement at `mark`.
    /// Negative means it pays: with a positive rate longs pay shorts.
    pub fn payment(self, signed_qty: Qty, mark: Price) -> Usd {
        Usd(-(signed_qty.0 * mark.0 * self.rate))
    }
}

/// Which way to hold the pair to collect the spread.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpreadDirection {
    /// Long on Lighter, short on Binance: pays off when Binance's rate is the higher.
    LongLighterShortBinance,
    /// Long on Binance, short on Lighter.
    LongBinanceShortLighter,
}

impl SpreadDirection {
    pub fn label(self) -> &'static str {
        match self {
            SpreadDirection::LongLighterShortBinance => "Long Lighter / Short Binance",
            SpreadDirection::LongBinanceShortLighter => "Long Binance / Short Lighter",
        }
    }
}

/// The funding a hedged pair collects per hour, held in the better direction.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spread {
    /// Fraction of notional collected per hour (never negative: the direction absorbs the sign).
    pub per_hour: Decimal,
    pub apr: Decimal,
    pub direction: SpreadDirection,
}

impl Spread {
    /// The short leg receives its venue's rate and the long leg pays its own, so the pair earns
    /// `short_rate - long_rate` per hour; the better direction makes that non-negative.
    #[inline]
    pub fn between(binance: FundingRate, lighter: FundingRate) -> Self {
        Self::between_per_hour(binance.per_hour(), lighter.per_hour())
    }

    /// [`Spread::between`] rates already per hour (`FundingRate::per_hour`).
    #[inline]
    pub fn between_per_hour(binance: Decimal, lighter: Decimal) -> Self {
        let diff = binance - lighter;
        let direction = if diff >= Decimal::ZERO {
            SpreadDirection::LongLighterShortBinance
        } else {
            SpreadDirection::LongBinanceShortLighter
        };
        let per_hour = diff.abs();
        Self { per_hour, apr: per_hour * Decimal::from(HOURS_PER_YEAR), direction }
    }
}

/// `rate / hours` for 2, 4 and 8 hours exactly as `Decimal`'s division makes it — the same
/// figure and scale — in a few integer steps (8-hour rates are divided on every update).
///
/// The division (`rust_decimal`'s `div_impl`) takes the integer quotient of the mantissa; with
/// no remainder that is the answer, at the rate's scale. Otherwise it scales the quotient by
/// the largest power of ten that fits, 10^9 below the bounds kept here, and carries the
/// remainder into it — exactly, as 2, 4 and 8 divide 10^9 — then strips trailing zeros as its
/// `unscale` does: eight at a time while the low 32 bits are zero, then at most four, two and
/// one. `None` (the division decides): another interval, zero, a scale above 19 or a quotient
/// of 10^19 or more. A test holds this to the division over every scale and size of mantissa.
fn halved(rate: Decimal, hours: u32) -> Option<Decimal> {
    if !matches!(hours, 2 | 4 | 8) || rate.is_zero() || rate.scale() > 19 {
        return None;
    }
    let k = hours.trailing_zeros();
    let m = rate.mantissa().unsigned_abs();
    let (q, r) = (m >> k, m & ((1 << k) - 1));
    let (q, scale) = if r == 0 {
        (q, rate.scale())
    } else {
        const E9: u128 = 1_000_000_000;
        if q >= 10u128.pow(19) {
            return None;
        }
        let q = q * E9 + r * (E9 >> k);
        // Real rates fit 64 bits, where dividing by a constant is a multiplication.
        match u64::try_from(q) {
            Ok(q) => {
                let (q, scale) = unscale(q, rate.scale() + 9);
                (u128::from(q), scale)
            }
            Err(_) => unscale(q, rate.scale() + 9),
        }
    };
    let q = i128::try_from(q).ok()?;
    Decimal::try_from_i128_with_scale(if rate.is_sign_negative() { -q } else { q }, scale).ok()
}

/// Trailing zeros stripped as `rust_decimal`'s division strips them (see [`halved`]).
fn unscale<T>(mut q: T, mut scale: u32) -> (T, u32)
where
    T: Copy
        + PartialEq
        + From<u32>
        + std::ops::Rem<Output = T>
        + std::ops::Div<Output = T>
        + std::ops::BitAnd<Output = T>,
{
    let zero = T::from(0);
    while q & T::from(u32::MAX) == zero && scale >= 8 && q % T::from(100_000_000) == zero {
        q = q / T::from(100_000_000);
        scale -= 8;
    }
    for (low_bits, k, pow) in [(0xF, 4, 10_000), (0x3, 2, 100), (0x1, 1, 10)] {
        if q & T::from(low_bits) == zero && scale >= k && q % T::from(pow) == zero {
            q = q / T::from(pow);
            scale -= k;
        }
    }
    (q, scale)
}

#[cfg(test)]
mod tests;

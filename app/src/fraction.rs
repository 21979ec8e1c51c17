//! `Fraction`: a non-negative share of a whole, where 1 means 100 %. Parameters that are
//! shares (stop-loss of margin, drawdown of peak equity, liquidation buffer of the mark) carry
//! this type, so nothing named `*_pct` ever holds 0.2 for 20 %.
//!
//! The inner value is private: a negative share is refused by [`Fraction::new`] and when
//! deserialising. Upper bounds differ per use (a take-profit may be 1000 %, a stop-loss at most
//! 100 %), so they are checked by the owner (`StrategyParams::validate`), which names the field.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "Decimal", into = "Decimal")]
pub struct Fraction(Decimal);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must not be negative (a fraction: 0.2 = 20 %), got {0}")]
pub struct NegativeFraction(pub Decimal);

impl Fraction {
    pub const ZERO: Self = Self(Decimal::ZERO);
    pub const ONE: Self = Self(Decimal::ONE);

    pub fn new(value: Decimal) -> Result<Self, NegativeFraction> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(NegativeFraction(value));
        }
        Ok(Self(value))
    }

    /// `percent` % as a fraction: `from_percent(20)` is 0.20. Infallible, as a `u32` is never
    /// negative; for defaults and tests.
    pub fn from_percent(percent: u32) -> Self {
        Self(Decimal::new(i64::from(percent), 2))
    }

    pub fn value(self) -> Decimal {
        self.0
    }

    /// The same share in percent (0.05 → 5.00), for messages.
    pub fn percent(self) -> Decimal {
        self.0 * Decimal::ONE_HUNDRED
    }
}

impl TryFrom<Decimal> for Fraction {
    type Error = NegativeFraction;
    fn try_from(value: Decimal) -> Result<Self, NegativeFraction> {
        Self::new(value)
    }
}

impl From<Fraction> for Decimal {
    fn from(f: Fraction) -> Decimal {
        f.0
    }
}

/// Shown as the fraction it is ("0.05"); use [`Fraction::percent`] for "5 %".
impl fmt::Display for Fraction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.normalize(), f)
    }
}

// A measured ratio (a drawdown, a P&L over margin) is a plain `Decimal` that may be negative;
// comparing it with a limit reads `drawdown >= params.max_drawdown`.
impl PartialEq<Fraction> for Decimal {
    fn eq(&self, other: &Fraction) -> bool {
        *self == other.0
    }
}

impl PartialOrd<Fraction> for Decimal {
    fn partial_cmp(&self, other: &Fraction) -> Option<Ordering> {
        self.partial_cmp(&other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn negative_is_refused_and_zero_is_not() {
        let cases = [(dec!(0), true), (dec!(-0), true), (dec!(0.2), true), (dec!(10), true), (dec!(-0.01), false)];
        for (value, ok) in cases {
            assert_eq!(Fraction::new(value).is_ok(), ok, "{value}");
        }
    }

    #[test]
    fn serialises_as_the_decimal_string_and_checks_on_the_way_in() {
        let f = Fraction::from_percent(20);
        assert_eq!(serde_json::to_string(&f).unwrap(), "\"0.20\"");
        assert_eq!(serde_json::from_str::<Fraction>("\"0.20\"").unwrap(), f);
        assert_eq!(serde_json::from_str::<Fraction>("0.2").unwrap(), f);
        let e = serde_json::from_str::<Fraction>("\"-0.1\"").unwrap_err().to_string();
        assert!(e.contains("must not be negative"), "{e}");
    }

    #[test]
    fn compares_with_measured_ratios() {
        let limit = Fraction::from_percent(10);
        assert!(dec!(0.1) >= limit && dec!(0.11) > limit && dec!(-0.5) < limit);
        assert_eq!(limit.percent(), dec!(10.00));
    }
}

//! Money newtypes over `Decimal`: prices, quantities and USD amounts never travel as floats.
//!
//! Each serializes as a JSON string ("123.45") so no client can lose precision by parsing a
//! number into a double.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Div, Mul, Neg, Sub, SubAssign};

// Any decimal is a valid price, quantity or amount somewhere (a signed position, a price
// difference, a loss), so the constructors are public and unchecked; positivity is checked
// where it is required (an order's quantity in the risk gate, a venue's filters).
macro_rules! decimal_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Decimal);

        impl $name {
            pub const ZERO: Self = Self(Decimal::ZERO);
            pub fn new(value: Decimal) -> Self {
                Self(value)
            }
            pub fn value(self) -> Decimal {
                self.0
            }
            pub fn is_zero(self) -> bool {
                self.0.is_zero()
            }
            pub fn abs(self) -> Self {
                Self(self.0.abs())
            }
            /// True for zero too (as for `Decimal`): a sign test, not a "greater than zero".
            pub fn is_sign_positive(self) -> bool {
                self.0.is_sign_positive()
            }
            pub fn round_dp(self, dp: u32) -> Self {
                Self(self.0.round_dp(dp))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.normalize(), f)
            }
        }

        impl From<Decimal> for $name {
            fn from(value: Decimal) -> Self {
                Self(value)
            }
        }

        impl Add for $name {
            type Output = Self;
            fn add(self, rhs: Self) -> Self {
                Self(self.0 + rhs.0)
            }
        }

        impl Sub for $name {
            type Output = Self;
            fn sub(self, rhs: Self) -> Self {
                Self(self.0 - rhs.0)
            }
        }

        impl AddAssign for $name {
            fn add_assign(&mut self, rhs: Self) {
                self.0 += rhs.0;
            }
        }

        impl SubAssign for $name {
            fn sub_assign(&mut self, rhs: Self) {
                self.0 -= rhs.0;
            }
        }

        impl Neg for $name {
            type Output = Self;
            fn neg(self) -> Self {
                Self(-self.0)
            }
        }

        impl Sum for $name {
            fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
                Self(iter.map(|x| x.0).sum())
            }
        }

        /// Scaling by a plain number (a fraction, a sign, a count) keeps the unit.
        impl Mul<Decimal> for $name {
            type Output = Self;
            fn mul(self, rhs: Decimal) -> Self {
                Self(self.0 * rhs)
            }
        }

        impl Mul<$name> for Decimal {
            type Output = $name;
            fn mul(self, rhs: $name) -> $name {
                $name(self * rhs.0)
            }
        }

        impl Div<Decimal> for $name {
            type Output = Self;
            fn div(self, rhs: Decimal) -> Self {
                Self(self.0 / rhs)
            }
        }

        /// Two amounts of one unit give a plain ratio.
        impl Div for $name {
            type Output = Decimal;
            fn div(self, rhs: Self) -> Decimal {
                self.0 / rhs.0
            }
        }
    };
}

decimal_newtype!(
    /// A price in the quote currency (USDT on Binance, USDC on Lighter; both treated as USD).
    /// Also a difference of two prices (mark - entry), which may be negative.
    Price
);
decimal_newtype!(
    /// A base-asset quantity. Signed where it is a position (positive = long).
    Qty
);
decimal_newtype!(
    /// An amount of money in USD (quote currency): notionals, fees, funding and P&L.
    Usd
);

impl Qty {
    /// Truncated toward zero to a multiple of `step` (a zero step leaves it unchanged).
    pub fn round_down_to(self, step: Qty) -> Qty {
        Qty(round_down_to(self.0, step.0))
    }
}

impl Mul<Price> for Qty {
    type Output = Usd;
    fn mul(self, rhs: Price) -> Usd {
        Usd(self.0 * rhs.0)
    }
}

impl Mul<Qty> for Price {
    type Output = Usd;
    fn mul(self, rhs: Qty) -> Usd {
        Usd(self.0 * rhs.0)
    }
}

/// A notional over the quantity it bought: the average price.
impl Div<Qty> for Usd {
    type Output = Price;
    fn div(self, rhs: Qty) -> Price {
        Price(self.0 / rhs.0)
    }
}

/// A notional at a price: the quantity it buys.
impl Div<Price> for Usd {
    type Output = Qty;
    fn div(self, rhs: Price) -> Qty {
        Qty(self.0 / rhs.0)
    }
}

/// Truncate `value` toward zero to a multiple of `step` (a zero step leaves it unchanged).
pub fn round_down_to(value: Decimal, step: Decimal) -> Decimal {
    if step.is_zero() {
        return value;
    }
    (value / step).trunc() * step
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn money_serializes_as_exact_strings() {
        let p = Price(dec!(0.000012345678901234567));
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, "\"0.000012345678901234567\"");
        let back: Price = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn qty_times_price_is_usd() {
        assert_eq!(Qty(dec!(0.5)) * Price(dec!(60000.10)), Usd(dec!(30000.050)));
        assert_eq!(Price(dec!(60000.10)) * Qty(dec!(0.5)), Usd(dec!(30000.050)));
    }

    #[test]
    fn units_divide_back() {
        assert_eq!(Usd(dec!(300)) / Qty(dec!(4)), Price(dec!(75)));
        assert_eq!(Usd(dec!(300)) / Price(dec!(75)), Qty(dec!(4)));
        assert_eq!(Usd(dec!(3)) / Usd(dec!(12)), dec!(0.25));
        assert_eq!(Qty(dec!(-2)) * dec!(0.5), Qty(dec!(-1)));
        assert_eq!(dec!(-1) * Qty(dec!(2)), Qty(dec!(-2)));
        let total: Qty = [Qty(dec!(1)), Qty(dec!(-3))].into_iter().sum();
        assert_eq!(total.abs(), Qty(dec!(2)));
    }
}

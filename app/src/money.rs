//! Money newtypes over `Decimal`: prices, quantities and USD amounts never travel as floats.
//!
//! Each serializes as a JSON string ("123.45") so no client can lose precision by parsing a
//! number into a double.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, Mul, Neg, Sub};

macro_rules! decimal_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
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

        impl Neg for $name {
            type Output = Self;
            fn neg(self) -> Self {
                Self(-self.0)
            }
        }
    };
}

decimal_newtype!(
    /// A price in the quote currency (USDT on Binance, USDC on Lighter; both treated as USD).
    Price
);
decimal_newtype!(
    /// A base-asset quantity. Signed where it is a position (positive = long).
    Qty
);
decimal_newtype!(
    /// An amount of money in USD (quote currency).
    Usd
);

impl Mul<Price> for Qty {
    type Output = Usd;
    fn mul(self, rhs: Price) -> Usd {
        Usd(self.0 * rhs.0)
    }
}

impl std::iter::Sum for Usd {
    fn sum<I: Iterator<Item = Usd>>(iter: I) -> Usd {
        Usd(iter.map(|u| u.0).sum())
    }
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
    }
}

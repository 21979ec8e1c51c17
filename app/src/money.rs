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

/// `d > 0`, from the sign and the mantissa alone: no comparison (which the strategy's hot
/// path would otherwise make for every mark).
#[inline]
pub fn is_positive(d: Decimal) -> bool {
    d.is_sign_positive() && !d.is_zero()
}

/// `value.round_dp(dp)` (half to even) in 128-bit integers: the same figure and scale, at a
/// fraction of the cost. Funding rates and edges are rounded on every market event.
pub fn round_dp(value: Decimal, dp: u32) -> Decimal {
    let scale = value.scale();
    if scale <= dp {
        return value;
    }
    let Some(p) = 10i128.checked_pow(scale - dp) else { return value.round_dp(dp) };
    let m = value.mantissa().abs();
    let (mut q, r) = (m / p, m % p);
    if 2 * r > p || (2 * r == p && q % 2 == 1) {
        q += 1;
    }
    let mut out = Decimal::from_i128_with_scale(q, dp);
    out.set_sign_negative(value.is_sign_negative() && q != 0);
    out
}

/// Truncate `value` toward zero to a multiple of `step` (a zero step leaves it unchanged).
pub fn round_down_to(value: Decimal, step: Decimal) -> Decimal {
    if step.is_zero() {
        return value;
    }
    in_integers(value, step).unwrap_or_else(|| (value / step).trunc() * step)
}

/// `round_down_to` without the 96-bit long division, where the integers fit: with
/// `value = m·10^-e` and `step = k·10^-s`, `value / step` truncates to `q = m·10^(s-e) / k`,
/// and `q × step` is `q·k` at scale `s` — the figure and the scale the decimal division,
/// `trunc` and product give. Prices and quantities are rounded on every market event.
fn in_integers(value: Decimal, step: Decimal) -> Option<Decimal> {
    if value.is_sign_negative() || step.is_sign_negative() {
        return None;
    }
    let (m, e, k, s) = (value.mantissa(), value.scale(), step.mantissa(), step.scale());
    let q = if s >= e {
        m.checked_mul(10i128.checked_pow(s - e)?)? / k
    } else {
        m / k.checked_mul(10i128.checked_pow(e - s)?)?
    };
    let units = q.checked_mul(k)?;
    // A product with zero is plain zero; a decimal's mantissa holds 96 bits, beyond that the
    // product would be rescaled.
    match units {
        0 => Some(Decimal::ZERO),
        u if u < 1i128 << 96 => Some(Decimal::from_i128_with_scale(u, s)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn is_positive_is_greater_than_zero() {
        let neg_zero = -Decimal::new(0, 3);
        for d in [
            dec!(0),
            dec!(0.000),
            neg_zero,
            dec!(-0.0000001),
            dec!(0.0000001),
            dec!(113836.8),
            dec!(-5),
            Decimal::MAX,
            Decimal::MIN,
        ] {
            assert_eq!(is_positive(d), d > Decimal::ZERO, "{d:?}");
        }
    }

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
    fn rounding_in_integers_matches_the_library() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut values = vec![
            dec!(0.000000005),
            dec!(0.000000015),
            dec!(-0.000000025),
            dec!(-0.000000001),
            dec!(0),
            dec!(1.5),
            dec!(2.5),
        ];
        for _ in 0..20_000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let mantissa = i64::try_from(x >> 2).unwrap() - (1 << 61);
            values.push(Decimal::new(mantissa, (x % 29) as u32));
            values.push(Decimal::new(mantissa, (x % 29) as u32) / dec!(7));
        }
        for v in values {
            for dp in [0, 2, 6, 8, 10, 12, 28] {
                assert_eq!(round_dp(v, dp).to_string(), v.round_dp(dp).to_string(), "{v} to {dp}");
                assert_eq!(round_dp(v, dp).is_sign_negative(), v.round_dp(dp).is_sign_negative(), "{v} to {dp}");
            }
        }
    }

    #[test]
    fn rounding_down_in_integers_matches_the_decimal_division() {
        let steps =
            [dec!(1), dec!(0.01), dec!(0.001), dec!(10), dec!(100), dec!(0.5), dec!(0.003), dec!(25), dec!(0.00001000)];
        let values = [
            dec!(0),
            dec!(0.000),
            dec!(1),
            dec!(2999.995),
            dec!(0.33333333333333333333333333),
            dec!(113836.8),
            dec!(0.0000001),
            dec!(12345678901234567890.123),
            dec!(7.5),
            dec!(1000) / dec!(2345.67),
            dec!(79228162514264337593543950335),
            dec!(-3.7),
            dec!(-0.001),
        ];
        for step in steps {
            for value in values {
                let Some(slow) = value.checked_div(step).and_then(|q| q.trunc().checked_mul(step)) else { continue };
                let fast = round_down_to(value, step);
                assert_eq!(fast.to_string(), slow.to_string(), "{value} to {step}");
            }
        }
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

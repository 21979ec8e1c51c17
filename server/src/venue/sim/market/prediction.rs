//! The simulated predicted rate in integers. The prediction is
//! `last + (next − last)·elapsed/span + A·left·u/span`, with `A = |next − last|·0.15 +
//! |next|·0.05`, `left = span − elapsed` and `u` the noise in millionths, rounded to 10 places
//! half to even. The decimal form of it (`SimMarket::funding`'s) takes three 28-digit products
//! an update; here it is one exact fraction, `numerator / (span·10^(R−2))` in units of 1e-10,
//! with the rates in units of 1e-R.
//!
//! Both give the same figure and scale wherever this one answers. The decimal form rounds each
//! step to 28 digits, so it is within about 3e-29 of the exact fraction for rates below 1 (1e-30
//! for real ones, near 1e-4). The exact fraction is either on a rounding midpoint — an exact
//! tie, which this leaves to the decimal form — or at least `1e-10 / (2·den)` from it, which the
//! denominator's cap of 1e17 keeps at 5e-28 or more: the two round alike. A zero noise or
//! amplitude (where the decimal form's scale can fall below 10) and anything that might
//! overflow are left to the decimal form too.

use rust_decimal::Decimal;

/// One settlement interval's prediction in integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exact {
    /// `last·span·10^8`, in units of 1e-(R+8).
    base: i128,
    /// `next − last`, in units of 1e-R.
    diff: i128,
    /// `A`, in units of 1e-(R+2).
    amplitude: i128,
    /// `span·10^(R−2)`: the numerator over it is the rate in units of 1e-10.
    den: i128,
}

/// The largest scale taken (beyond it, the decimal form).
const MAX_SCALE: u32 = 18;
/// The largest denominator taken: a finer fraction could fall within the decimal form's
/// rounding of a midpoint.
const MAX_DEN: i128 = 100_000_000_000_000_000;

impl Exact {
    /// `None` where the decimal form is kept: a span under a second, a rate with more than 18
    /// places or at or above 1 (no funding rate is), no amplitude, or a denominator above 1e17
    /// (many places over a long span).
    pub fn new(last: Decimal, next: Decimal, span_ms: i64) -> Option<Self> {
        let r = last.scale().max(next.scale()).max(2);
        if span_ms < 1_000 || r > MAX_SCALE || last.abs() >= Decimal::ONE || next.abs() >= Decimal::ONE {
            return None;
        }
        let units = |d: Decimal| d.mantissa().checked_mul(10i128.checked_pow(r - d.scale())?);
        let (l, n) = (units(last)?, units(next)?);
        let span = i128::from(span_ms);
        let amplitude = (n - l).abs() * 15 + n.abs() * 5;
        if amplitude == 0 {
            return None;
        }
        let den = span.checked_mul(10i128.checked_pow(r - 2)?)?;
        if den > MAX_DEN {
            return None;
        }
        Some(Self { base: l.checked_mul(span)?.checked_mul(100_000_000)?, diff: n - l, amplitude, den })
    }

    /// The prediction `elapsed` ms into the interval with `left` ms to go and noise `u`
    /// (millionths), at scale 10; `None` for the decimal form (a zero noise or time left, an
    /// exact tie, an overflow).
    pub fn at(&self, elapsed: i64, left: i64, u_micros: i64) -> Option<Decimal> {
        if u_micros == 0 || left <= 0 {
            return None;
        }
        let drift = self.diff.checked_mul(i128::from(elapsed))?.checked_mul(100_000_000)?;
        let noise = self.amplitude.checked_mul(i128::from(left))?.checked_mul(i128::from(u_micros))?;
        let num = self.base.checked_add(drift)?.checked_add(noise)?;
        let (q, r) = (num.abs() / self.den, num.abs() % self.den);
        let q = match (2 * r).cmp(&self.den) {
            std::cmp::Ordering::Less => q,
            std::cmp::Ordering::Greater => q + 1,
            std::cmp::Ordering::Equal => return None,
        };
        let q = if num < 0 { -q } else { q };
        Decimal::try_from_i128_with_scale(q, 10).ok()
    }
}

//! A simulated market's prices and quantities as whole ticks and steps. Its tick and step are
//! powers of ten, so rounding is integer arithmetic: no decimal division on the hot path.

use app::market::MarketFilters;
use rust_decimal::Decimal;

/// Exact powers of ten as `f64` (all of these are representable).
const POW10_F64: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    /// The tick is 10^tick_exp, the step 10^step_exp.
    tick_exp: i32,
    step_exp: i32,
}

/// The exponent of a power of ten (10^k, k of either sign).
fn exponent(d: Decimal) -> i32 {
    let n = d.normalize();
    let (mut mantissa, mut exp) = (n.mantissa(), -(n.scale() as i32));
    while mantissa != 0 && mantissa % 10 == 0 {
        mantissa /= 10;
        exp += 1;
    }
    debug_assert_eq!(mantissa, 1, "simulated filters are powers of ten");
    exp
}

fn pow10_i128(k: u32) -> i128 {
    10i128.pow(k)
}

/// `units × 10^exp` written as the filters write it: scale `-exp` below one, none above.
fn scaled(units: i128, exp: i32) -> Decimal {
    if exp >= 0 {
        Decimal::from_i128_with_scale(units * pow10_i128(exp.unsigned_abs()), 0)
    } else {
        Decimal::from_i128_with_scale(units, exp.unsigned_abs())
    }
}

impl Grid {
    pub fn of(filters: &MarketFilters) -> Self {
        Self { tick_exp: exponent(filters.tick_size.0), step_exp: exponent(filters.step_size.0) }
    }

    pub fn price(&self, ticks: i64) -> Decimal {
        scaled(i128::from(ticks), self.tick_exp)
    }

    /// `price` in whole ticks, if it is on the grid.
    pub fn ticks(&self, price: Decimal) -> Option<i64> {
        let units = if self.tick_exp >= 0 {
            price / scaled(1, self.tick_exp)
        } else {
            let mut p = price;
            p.rescale(self.tick_exp.unsigned_abs());
            Decimal::from_i128_with_scale(p.mantissa(), 0)
        };
        i64::try_from(units.trunc().mantissa()).ok()
    }

    /// Truncated to the tick, as `MarketFilters::round_price_down` does.
    pub fn price_down(&self, price: Decimal) -> Decimal {
        app::market::round_down_to(price, scaled(1, self.tick_exp))
    }

    /// A price on the bridge (never exactly a recorded one), truncated to the tick.
    pub fn price_down_f64(&self, x: f64) -> Decimal {
        self.price(self.ticks_down_f64(x))
    }

    /// `x` in whole ticks, rounded down (`price_down_f64` is `price` of it).
    pub fn ticks_down_f64(&self, x: f64) -> i64 {
        let ticks = if self.tick_exp <= 0 {
            x * POW10_F64[self.tick_exp.unsigned_abs().min(22) as usize]
        } else {
            x / POW10_F64[self.tick_exp.unsigned_abs().min(22) as usize]
        };
        ticks.floor() as i64
    }

    /// How much `usd` buys at a price of `price_ticks`, truncated to the step, at least one.
    pub fn qty_for(&self, usd: i128, price_ticks: i64) -> Decimal {
        let e = self.tick_exp + self.step_exp;
        // In 64 bits where the figures fit (every simulated market: a tenth of the cost).
        let narrow = || {
            let (usd, ticks, p) = (i64::try_from(usd).ok()?, price_ticks.max(1), 10i64.checked_pow(e.unsigned_abs())?);
            if e <= 0 { Some(usd.checked_mul(p)? / ticks) } else { Some(usd / ticks.checked_mul(p)?) }
        };
        if let Some(steps) = narrow() {
            return scaled(i128::from(steps.max(1)), self.step_exp);
        }
        let price_ticks = i128::from(price_ticks.max(1));
        let steps = if e <= 0 {
            usd * pow10_i128(e.unsigned_abs()) / price_ticks
        } else {
            usd / (price_ticks * pow10_i128(e.unsigned_abs()))
        };
        scaled(steps.max(1), self.step_exp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::{Price, Qty, Usd};
    use rust_decimal_macros::dec;

    fn grid(tick: Decimal, step: Decimal) -> (Grid, MarketFilters) {
        let f =
            MarketFilters { tick_size: Price(tick), step_size: Qty(step), min_qty: Qty(step), min_notional: Usd::ZERO };
        (Grid::of(&f), f)
    }

    #[test]
    fn integer_rounding_agrees_with_the_filters() {
        let cases =
            [(dec!(1), dec!(0.0001)), (dec!(0.000001), dec!(100)), (dec!(10), dec!(0.001)), (dec!(0.01), dec!(1))];
        for (tick, step) in cases {
            let (g, f) = grid(tick, step);
            for price in [dec!(113836.8), dec!(0.2345678), dec!(2.3), dec!(55)] {
                let down = f.round_price_down(Price(price)).0;
                assert_eq!(g.price_down(price), down);
                assert_eq!(g.price_down(price).to_string(), down.to_string(), "same scale");
                let ticks = g.ticks(down).unwrap();
                assert_eq!(g.price(ticks), down);
                if down > Decimal::ZERO {
                    let usd = 12_500 * 3;
                    let want = f.round_qty_down(Qty(Decimal::from(usd) / down)).0.max(step);
                    assert_eq!(g.qty_for(usd, ticks), want, "{usd} at {down}");
                }
            }
        }
    }

    #[test]
    fn quantities_in_64_bits_are_those_in_128() {
        let wide = |g: &Grid, usd: i128, ticks: i64| {
            let e = g.tick_exp + g.step_exp;
            let t = i128::from(ticks.max(1));
            let steps =
                if e <= 0 { usd * pow10_i128(e.unsigned_abs()) / t } else { usd / (t * pow10_i128(e.unsigned_abs())) };
            scaled(steps.max(1), g.step_exp)
        };
        let mut checked = 0;
        // Up to 10^12 USD at exponents down to -16: both sides of where 64 bits overflow.
        for tick_exp in -10..=3 {
            for step_exp in -6..=4 {
                let g = Grid { tick_exp, step_exp };
                for usd in [1_i128, 12_500, 25_000, 137_500, 275_000, 1 << 40, 10_i128.pow(12)] {
                    for ticks in [-5_i64, 0, 1, 7, 99_999, 123_456_789, 10_i64.pow(15), i64::MAX] {
                        assert_eq!(
                            g.qty_for(usd, ticks).to_string(),
                            wide(&g, usd, ticks).to_string(),
                            "{g:?} {usd} {ticks}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 14 * 11 * 7 * 8);
    }

    #[test]
    fn bridge_prices_land_on_the_grid() {
        let (g, _) = grid(dec!(0.001), dec!(1));
        assert_eq!(g.price_down_f64(2.34567), dec!(2.345));
        let (g, _) = grid(dec!(10), dec!(0.001));
        assert_eq!(g.price_down_f64(12_345.6), dec!(12340));
    }
}

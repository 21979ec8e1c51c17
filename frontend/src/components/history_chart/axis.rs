//! Chart geometry, free of the DOM: "nice" rate ticks computed in `Decimal`, time ticks on
//! UTC boundaries, and the mapping to pixels. Only pixel coordinates are `f64` (and named so).

use crate::format;
use app::TimestampMs;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

const HOUR_MS: i64 = app::MS_PER_HOUR;
const DAY_MS: i64 = 24 * HOUR_MS;

/// The plot area in pixels and the data ranges it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub left_px: f64,
    pub right_px: f64,
    pub top_px: f64,
    pub bottom_px: f64,
    pub from_ms: TimestampMs,
    pub to_ms: TimestampMs,
    /// Value range, in percent per hour, already widened to whole ticks.
    pub lo: Decimal,
    pub hi: Decimal,
}

/// Room around every chart's plot area for the axis labels, in pixels.
pub const MARGIN_LEFT_PX: f64 = 72.0;
pub const MARGIN_RIGHT_PX: f64 = 14.0;
pub const MARGIN_TOP_PX: f64 = 14.0;
pub const MARGIN_BOTTOM_PX: f64 = 28.0;

impl Frame {
    /// The plot area of a `width_px` × `height_px` chart inside the standard margins.
    pub fn new(
        width_px: f64,
        height_px: f64,
        from_ms: TimestampMs,
        to_ms: TimestampMs,
        lo: Decimal,
        hi: Decimal,
    ) -> Self {
        Self {
            left_px: MARGIN_LEFT_PX,
            right_px: (width_px - MARGIN_RIGHT_PX).max(MARGIN_LEFT_PX + 10.0),
            top_px: MARGIN_TOP_PX,
            bottom_px: height_px - MARGIN_BOTTOM_PX,
            from_ms,
            to_ms,
            lo,
            hi,
        }
    }

    pub fn x_px(&self, t: TimestampMs) -> f64 {
        let span = (self.to_ms - self.from_ms).max(1) as f64;
        self.left_px + (t - self.from_ms) as f64 / span * (self.right_px - self.left_px)
    }

    pub fn y_px(&self, value: Decimal) -> f64 {
        let span = self.hi - self.lo;
        let share = if span.is_zero() { Decimal::ZERO } else { (value - self.lo) / span };
        self.bottom_px - share.to_f64().unwrap_or(0.0) * (self.bottom_px - self.top_px)
    }
}

/// The step of about `target` ticks over `range`: 1, 2 or 5 times a power of ten.
pub fn nice_step(range: Decimal, target: u32) -> Decimal {
    let raw = range / Decimal::from(target.max(1));
    if raw <= Decimal::ZERO {
        return Decimal::ONE;
    }
    let mut power = Decimal::ONE;
    while power > raw {
        power /= Decimal::TEN;
    }
    while power * Decimal::TEN <= raw {
        power *= Decimal::TEN;
    }
    [1, 2, 5].into_iter().map(|m| power * Decimal::from(m)).find(|step| *step >= raw).unwrap_or(power * Decimal::TEN)
}

/// The value axis for data between `min` and `max` (percent per hour): always includes zero
/// so that the sign of the rates is visible at a glance. Returns (lo, hi, ticks).
pub fn value_axis(min: Decimal, max: Decimal, target: u32) -> (Decimal, Decimal, Vec<Decimal>) {
    let mut lo = min.min(Decimal::ZERO);
    let mut hi = max.max(Decimal::ZERO);
    if lo == hi {
        // Flat zero line: a small symmetric band, 0.001 %/h either side.
        lo = Decimal::new(-1, 3);
        hi = Decimal::new(1, 3);
    }
    let step = nice_step(hi - lo, target);
    let lo = (lo / step).floor() * step;
    let hi = (hi / step).ceil() * step;
    let mut ticks = Vec::new();
    let mut t = lo;
    while t <= hi {
        ticks.push(t.normalize());
        t += step;
    }
    (lo, hi, ticks)
}

/// Label of a value tick, with as many places as its step needs: "+0.002%".
pub fn value_label(tick: Decimal, step_dp: u32) -> String {
    format!("{}%", format::signed(tick, step_dp))
}

/// Time ticks on UTC hour or day boundaries, at most `max_ticks` of them, with labels.
pub fn time_ticks(from_ms: TimestampMs, to_ms: TimestampMs, max_ticks: i64) -> Vec<(TimestampMs, String)> {
    let span = (to_ms - from_ms).max(1);
    let steps = [1, 2, 3, 6, 12, 24, 48, 96, 168].map(|h| h * HOUR_MS);
    let step = steps.into_iter().find(|s| span / s <= max_ticks.max(1)).unwrap_or(7 * DAY_MS);
    let first = from_ms.div_euclid(step) * step + if from_ms.rem_euclid(step) == 0 { 0 } else { step };
    (0..)
        .map(|i| first + i * step)
        .take_while(|t| *t <= to_ms)
        .map(|t| {
            let label = if step >= DAY_MS || t.rem_euclid(DAY_MS) == 0 {
                format::utc_month_day(t)
            } else {
                format::utc_hour_minute(t)
            };
            (t, label)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(d("0.0035"), 5), d("0.001"));
        assert_eq!(nice_step(d("0.009"), 5), d("0.002"));
        assert_eq!(nice_step(d("0.02"), 5), d("0.005"));
        assert_eq!(nice_step(d("7"), 5), d("2"));
        assert_eq!(nice_step(d("100"), 5), d("20"));
    }

    #[test]
    fn value_axis_spans_zero_on_whole_ticks() {
        let (lo, hi, ticks) = value_axis(d("0.0011"), d("0.0049"), 5);
        assert_eq!((lo, hi), (d("0"), d("0.005")));
        assert_eq!(ticks.first(), Some(&d("0")));
        assert_eq!(ticks.len(), 6);
        let (lo, hi, _) = value_axis(d("-0.0031"), d("0.0012"), 5);
        assert_eq!((lo, hi), (d("-0.004"), d("0.002")));
        let (lo, hi, _) = value_axis(Decimal::ZERO, Decimal::ZERO, 5);
        assert!(lo < Decimal::ZERO && hi > Decimal::ZERO);
        assert_eq!(value_label(d("0.002"), 3), "+0.002%");
        assert_eq!(value_label(d("0"), 3), "0.000%");
    }

    #[test]
    fn frame_maps_values_to_pixels() {
        let f = Frame {
            left_px: 50.0,
            right_px: 150.0,
            top_px: 10.0,
            bottom_px: 110.0,
            from_ms: 0,
            to_ms: 1_000,
            lo: d("-0.001"),
            hi: d("0.003"),
        };
        assert_eq!(f.x_px(500), 100.0);
        assert_eq!(f.y_px(d("-0.001")), 110.0);
        assert_eq!(f.y_px(d("0.003")), 10.0);
        assert_eq!(f.y_px(Decimal::ZERO), 85.0);
    }

    #[test]
    fn week_gets_day_ticks_and_a_day_gets_hours() {
        let day0 = 1_763_769_600_000; // 2025-11-22T00:00Z
        let week = time_ticks(day0 - 7 * DAY_MS + 5 * HOUR_MS, day0 + 5 * HOUR_MS, 8);
        assert_eq!(week.len(), 7);
        assert_eq!(week.last().map(|(_, l)| l.as_str()), Some("Nov 22"));
        let day = time_ticks(day0 + HOUR_MS, day0 + DAY_MS + HOUR_MS, 6);
        assert_eq!(day.first().map(|(_, l)| l.as_str()), Some("06:00"));
        assert!(day.iter().any(|(_, l)| l == "Nov 23"));
    }
}

//! The server's clock as seen from the browser, for countdowns to funding settlements.
//!
//! Simulated venues may run faster than real time (`sim.speed`), so neither `Date.now()` nor
//! a fixed offset from it is the server's time. [`ClockModel`] keeps the last few
//! (local, server) observations, taken from status polls and board snapshots, and extrapolates
//! from the newest one at the observed rate. At speed 1 that is exactly an offset.

use leptos::prelude::*;
use std::collections::VecDeque;
use std::time::Duration;

/// Observations kept for the rate estimate: a few status polls, so a server restarted at a
/// different speed is followed within seconds.
const WINDOW: usize = 4;
/// Below this local span the rate estimate is too noisy; assume real time meanwhile.
const MIN_SPAN_MS: f64 = 1_500.0;

/// Pure extrapolation of server time from local time. Times are plain milliseconds (f64 for
/// the browser's `Date.now()`); nothing here is money.
#[derive(Debug, Clone, Default)]
pub struct ClockModel {
    samples: VecDeque<(f64, i64)>,
}

impl ClockModel {
    pub fn observe(&mut self, local_ms: f64, server_ms: i64) {
        // The server went back in time (restart, replay): earlier samples no longer apply.
        if self.samples.back().is_some_and(|&(_, s)| server_ms < s) {
            self.samples.clear();
        }
        if self.samples.len() == WINDOW {
            self.samples.pop_front();
        }
        self.samples.push_back((local_ms, server_ms));
    }

    /// Server milliseconds per local millisecond.
    pub fn rate(&self) -> f64 {
        match (self.samples.front(), self.samples.back()) {
            (Some(&(l0, s0)), Some(&(l1, s1))) if l1 - l0 >= MIN_SPAN_MS => (s1 - s0) as f64 / (l1 - l0),
            _ => 1.0,
        }
    }

    /// The server's time now, or `None` before any observation.
    pub fn server_now(&self, local_ms: f64) -> Option<i64> {
        let &(l, s) = self.samples.back()?;
        Some(s + (self.rate() * (local_ms - l)).round() as i64)
    }
}

/// How often the clock is sampled. The signal itself changes once per server second, on the
/// second: a 1 s timer drifts against second boundaries and countdowns would skip or stall.
const SAMPLE: Duration = Duration::from_millis(200);

/// The app-wide server clock: a `now_ms` signal, whole server seconds, updated as each passes.
#[derive(Clone, Copy)]
pub struct ServerClock {
    model: StoredValue<ClockModel>,
    now_ms: RwSignal<Option<i64>>,
}

impl ServerClock {
    /// Create the clock and start its ticker; call once, from the root component.
    pub fn start() -> Self {
        let clock = Self { model: StoredValue::new(ClockModel::default()), now_ms: RwSignal::new(None) };
        match set_interval_with_handle(move || clock.tick(), SAMPLE) {
            Ok(handle) => on_cleanup(move || handle.clear()),
            Err(e) => leptos::logging::error!("server clock ticker not started: {e:?}"),
        }
        clock
    }

    pub fn observe(&self, server_ms: i64) {
        self.model.update_value(|m| m.observe(js_sys::Date::now(), server_ms));
        self.tick();
    }

    /// The server's time to the whole second; `None` until the first observation.
    pub fn now_ms(&self) -> Option<i64> {
        self.now_ms.get()
    }

    fn tick(&self) {
        let now = self.model.with_value(|m| m.server_now(js_sys::Date::now()));
        let whole_second = now.map(|ms| ms.div_euclid(1000) * 1000);
        if self.now_ms.get_untracked() != whole_second {
            self.now_ms.set(whole_second);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_time_is_an_offset() {
        let mut m = ClockModel::default();
        assert_eq!(m.server_now(0.0), None);
        m.observe(1_000.0, 50_000);
        assert_eq!(m.server_now(3_000.0), Some(52_000));
        m.observe(4_000.0, 53_010);
        assert_eq!(m.server_now(4_000.0), Some(53_010));
    }

    #[test]
    fn a_compressed_clock_is_followed() {
        let mut m = ClockModel::default();
        // 60 market seconds per real second.
        for i in 0..3 {
            m.observe(f64::from(i) * 2_000.0, 1_000_000 + i64::from(i) * 120_000);
        }
        assert!((m.rate() - 60.0).abs() < 1e-9);
        assert_eq!(m.server_now(5_000.0), Some(1_000_000 + 300_000));
    }

    #[test]
    fn a_server_going_back_in_time_resets_the_estimate() {
        let mut m = ClockModel::default();
        m.observe(0.0, 1_000_000);
        m.observe(2_000.0, 1_240_000);
        m.observe(4_000.0, 10_000);
        assert_eq!(m.rate(), 1.0);
        assert_eq!(m.server_now(5_000.0), Some(11_000));
    }
}

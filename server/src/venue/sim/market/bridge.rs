//! A symbol's index between two recorded marks: a Brownian bridge with about 3 % daily
//! volatility, pinned to the recorded mark at both settlements.
//!
//! The walk is drawn in two levels, each from its own seeded stream: one step a minute for the
//! whole interval (480 draws for 8 hours), then, only for a minute in which a second is asked
//! for, the 60 one-second steps of that minute as a bridge between its two minute points. The
//! result has the distribution of a walk drawn second by second, but a backtest at minute
//! resolution never draws the seconds, and any instant costs at most one minute's draws.

use super::super::history::Settlement;
use super::super::noise;
use app::{Symbol, TimestampMs};
use rand_distr::{Distribution, StandardNormal};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// Per-second volatility of the bridge noise: about 3 % a day.
const VOL_PER_SEC: f64 = 1.0e-4;
/// Seconds between two points of the coarse walk.
const KNOT_SECS: i64 = 60;

/// The index at an instant: exactly the recorded mark at a settlement, else on the bridge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum IndexAt {
    Recorded(Decimal),
    Bridge(f64),
}

impl IndexAt {
    pub fn as_f64(self) -> f64 {
        match self {
            IndexAt::Recorded(d) => d.to_f64().unwrap_or(0.0),
            IndexAt::Bridge(x) => x,
        }
    }
}

pub struct Bridge {
    start_ms: TimestampMs,
    end_ms: TimestampMs,
    a: Decimal,
    z: Decimal,
    a_f: f64,
    z_f: f64,
    /// Seconds from start to end.
    n: i64,
    /// The walk at every `KNOT_SECS` seconds from the start, and at `n`.
    knots: Vec<f64>,
    /// The walk at every second of one minute (the last one asked for).
    fine: Option<(usize, Vec<f64>)>,
    key: u64,
    /// The symbol's noise key (`noise::hash_str` of its name), for the basis beside it.
    symbol_key: u64,
}

impl Bridge {
    /// `None` when either settlement has no recorded mark.
    pub fn new(seed: u64, symbol: &Symbol, start: &Settlement, end: &Settlement) -> Option<Self> {
        let (a, z) = (start.mark?, end.mark?);
        let n = ((end.time_ms - start.time_ms) / 1000).max(1);
        let symbol_key = noise::hash_str(symbol.as_str());
        let key = noise::key(&[seed, 0xB41D6E, symbol_key, start.time_ms as u64]);
        let mut rng = noise::rng(&[key]);
        let count = (n + KNOT_SECS - 1) / KNOT_SECS;
        let mut knots = Vec::with_capacity(count as usize + 1);
        let mut w = 0.0_f64;
        knots.push(w);
        for j in 0..count {
            let secs = KNOT_SECS.min(n - j * KNOT_SECS) as f64;
            let step: f64 = StandardNormal.sample(&mut rng);
            w += step * VOL_PER_SEC * secs.sqrt();
            knots.push(w);
        }
        Some(Self {
            start_ms: start.time_ms,
            end_ms: end.time_ms,
            a,
            z,
            a_f: a.to_f64()?,
            z_f: z.to_f64()?,
            n,
            knots,
            fine: None,
            key,
            symbol_key,
        })
    }

    /// The symbol's noise key (`noise::hash_str` of its name).
    pub fn symbol_key(&self) -> u64 {
        self.symbol_key
    }

    /// Whether `t` falls between this bridge's two settlements.
    pub fn covers(&self, t: TimestampMs) -> bool {
        self.start_ms <= t && t < self.end_ms
    }

    pub fn at(&mut self, t: TimestampMs) -> IndexAt {
        let k = ((t - self.start_ms) / 1000).clamp(0, self.n);
        if k == 0 {
            return IndexAt::Recorded(self.a);
        }
        if k == self.n {
            return IndexAt::Recorded(self.z);
        }
        let shock = self.walk(k) - self.knots[self.knots.len() - 1] * (k as f64 / self.n as f64);
        let w = k as f64 / self.n as f64;
        IndexAt::Bridge(self.a_f + (self.z_f - self.a_f) * w + self.a_f * shock)
    }

    /// The walk `k` seconds from the start (0 < k < n).
    fn walk(&mut self, k: i64) -> f64 {
        let (j, r) = ((k / KNOT_SECS) as usize, (k % KNOT_SECS) as usize);
        if r == 0 {
            return self.knots[j];
        }
        if self.fine.as_ref().is_none_or(|(at, _)| *at != j) {
            self.fine = Some((j, self.minute(j)));
        }
        self.fine.as_ref().map_or(self.knots[j], |(_, w)| w[r])
    }

    /// Minute `j` second by second: a bridge of one-second steps between its two knots.
    fn minute(&self, j: usize) -> Vec<f64> {
        let len = KNOT_SECS.min(self.n - j as i64 * KNOT_SECS) as usize;
        let mut rng = noise::rng(&[self.key, 0xF1E, j as u64]);
        let mut b = Vec::with_capacity(len + 1);
        let mut w = 0.0_f64;
        b.push(w);
        for _ in 0..len {
            let step: f64 = StandardNormal.sample(&mut rng);
            w += step * VOL_PER_SEC;
            b.push(w);
        }
        let (from, to, end) = (self.knots[j], self.knots[j + 1], b[len]);
        b.iter()
            .enumerate()
            .map(|(r, x)| {
                let f = r as f64 / len as f64;
                from + x - f * end + f * (to - from)
            })
            .collect()
    }
}

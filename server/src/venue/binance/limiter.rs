//! Weight-aware request gate (§1.4): tracks the IP weight used in the current minute (from
//! `X-MBX-USED-WEIGHT-1M`) and the order counts (`X-MBX-ORDER-COUNT-10S/1M`) against the limits
//! from `exchangeInfo.rateLimits`, and turns 429/418 `Retry-After` into a local ban.
//!
//! **Nothing is sent while banned**: [`Limiter::acquire`] refuses instead of waiting, so a
//! caller learns at once that the venue is unavailable and the ban cannot escalate.

use super::error::BinanceError;
use app::TimestampMs;
use std::sync::Mutex;

const MINUTE_MS: i64 = 60_000;
const TEN_SECONDS_MS: i64 = 10_000;
/// When Binance sends no `Retry-After`, wait this long (429) or this long (418, a ban).
const DEFAULT_RETRY_AFTER_429_S: i64 = 60;
const DEFAULT_RETRY_AFTER_418_S: i64 = 120;

/// Limits from `exchangeInfo.rateLimits`; the defaults are Binance's published ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub weight_per_minute: u32,
    pub orders_per_10s: u32,
    pub orders_per_minute: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self { weight_per_minute: 2400, orders_per_10s: 300, orders_per_minute: 1200 }
    }
}

/// A fixed window counter aligned to multiples of `len_ms`, as Binance's counters are.
#[derive(Debug, Clone, Copy)]
struct Window {
    len_ms: i64,
    start_ms: i64,
    used: u32,
}

impl Window {
    fn new(len_ms: i64) -> Self {
        Self { len_ms, start_ms: 0, used: 0 }
    }

    fn roll(&mut self, now_ms: TimestampMs) {
        let start = now_ms.div_euclid(self.len_ms).saturating_mul(self.len_ms);
        if start != self.start_ms {
            self.start_ms = start;
            self.used = 0;
        }
    }

    fn next_start(&self) -> TimestampMs {
        self.start_ms.saturating_add(self.len_ms)
    }
}

#[derive(Debug)]
struct State {
    limits: RateLimits,
    weight: Window,
    orders_10s: Window,
    orders_1m: Window,
    banned_until_ms: TimestampMs,
    ban_reason: String,
}

/// What a response said about limits: the status and the relevant headers.
#[derive(Debug, Clone, Default)]
pub struct Observation {
    pub status: u16,
    pub used_weight_1m: Option<u32>,
    pub order_count_10s: Option<u32>,
    pub order_count_1m: Option<u32>,
    pub retry_after_s: Option<i64>,
}

#[derive(Debug)]
pub struct Limiter {
    state: Mutex<State>,
}

impl Default for Limiter {
    fn default() -> Self {
        Self::new(RateLimits::default())
    }
}

impl Limiter {
    pub fn new(limits: RateLimits) -> Self {
        let state = State {
            limits,
            weight: Window::new(MINUTE_MS),
            orders_10s: Window::new(TEN_SECONDS_MS),
            orders_1m: Window::new(MINUTE_MS),
            banned_until_ms: i64::MIN,
            ban_reason: String::new(),
        };
        Self { state: Mutex::new(state) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is a few counters; a panic elsewhere cannot leave it inconsistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_limits(&self, limits: RateLimits) {
        self.lock().limits = limits;
    }

    pub fn limits(&self) -> RateLimits {
        self.lock().limits
    }

    /// The end of the current ban, if one is in force at `now_ms`.
    pub fn banned_until(&self, now_ms: TimestampMs) -> Option<TimestampMs> {
        let s = self.lock();
        (s.banned_until_ms > now_ms).then_some(s.banned_until_ms)
    }

    /// Reserve `weight` (and one order slot if `order`) or refuse without sending anything.
    pub fn acquire(&self, weight: u32, order: bool, now_ms: TimestampMs) -> Result<(), BinanceError> {
        let mut s = self.lock();
        if s.banned_until_ms > now_ms {
            return Err(BinanceError::Throttled { until_ms: s.banned_until_ms, reason: s.ban_reason.clone() });
        }
        s.weight.roll(now_ms);
        s.orders_10s.roll(now_ms);
        s.orders_1m.roll(now_ms);
        let limits = s.limits;
        if s.weight.used.saturating_add(weight) > limits.weight_per_minute {
            let until_ms = s.weight.next_start();
            let reason = format!("request weight budget {} per minute used up", limits.weight_per_minute);
            return Err(BinanceError::Throttled { until_ms, reason });
        }
        if order {
            for (w, limit, label) in
                [(s.orders_10s, limits.orders_per_10s, "10s"), (s.orders_1m, limits.orders_per_minute, "1m")]
            {
                if w.used.saturating_add(1) > limit {
                    let reason = format!("order budget {limit} per {label} used up");
                    return Err(BinanceError::Throttled { until_ms: w.next_start(), reason });
                }
            }
            s.orders_10s.used += 1;
            s.orders_1m.used += 1;
        }
        s.weight.used = s.weight.used.saturating_add(weight);
        Ok(())
    }

    /// Learn from a response. Header counts only ever raise the local estimate within a window:
    /// a late answer to an earlier request must not hide weight reserved since.
    pub fn observe(&self, obs: &Observation, now_ms: TimestampMs) {
        let mut s = self.lock();
        s.weight.roll(now_ms);
        s.orders_10s.roll(now_ms);
        s.orders_1m.roll(now_ms);
        if let Some(w) = obs.used_weight_1m {
            s.weight.used = s.weight.used.max(w);
        }
        if let Some(c) = obs.order_count_10s {
            s.orders_10s.used = s.orders_10s.used.max(c);
        }
        if let Some(c) = obs.order_count_1m {
            s.orders_1m.used = s.orders_1m.used.max(c);
        }
        let default_s = match obs.status {
            429 => DEFAULT_RETRY_AFTER_429_S,
            418 => DEFAULT_RETRY_AFTER_418_S,
            _ => return,
        };
        let secs = obs.retry_after_s.unwrap_or(default_s).max(1);
        let until = now_ms.saturating_add(secs.saturating_mul(1000));
        if until > s.banned_until_ms {
            s.banned_until_ms = until;
            s.ban_reason = if obs.status == 418 {
                format!("IP banned by Binance (HTTP 418) for {secs}s")
            } else {
                format!("rate limited by Binance (HTTP 429), backing off {secs}s")
            };
            tracing::warn!(status = obs.status, secs, "binance rate limit: backing off");
        }
    }

    /// A `-1003` body that says "banned until <ms>" extends the ban to that instant.
    pub fn ban_until(&self, until_ms: TimestampMs, reason: &str) {
        let mut s = self.lock();
        if until_ms > s.banned_until_ms {
            s.banned_until_ms = until_ms;
            s.ban_reason = reason.to_owned();
        }
    }
}

/// The instant in a `-1003` message such as "Way too many requests; IP banned until 1663653924577."
pub fn parse_banned_until(msg: &str) -> Option<TimestampMs> {
    let rest = &msg[msg.find("banned until ")? + "banned until ".len()..];
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_budget_refuses_then_recovers_next_minute() {
        let l = Limiter::new(RateLimits { weight_per_minute: 10, ..RateLimits::default() });
        assert!(l.acquire(6, false, 60_000).is_ok());
        assert!(matches!(l.acquire(6, false, 61_000), Err(BinanceError::Throttled { until_ms: 120_000, .. })));
        assert!(l.acquire(6, false, 120_000).is_ok());
    }

    #[test]
    fn headers_raise_the_estimate() {
        let l = Limiter::new(RateLimits { weight_per_minute: 10, ..RateLimits::default() });
        l.observe(&Observation { status: 200, used_weight_1m: Some(9), ..Default::default() }, 1_000);
        assert!(l.acquire(2, false, 1_500).is_err());
        assert!(l.acquire(1, false, 1_500).is_ok());
    }

    #[test]
    fn retry_after_bans_and_expires() {
        let l = Limiter::default();
        l.observe(&Observation { status: 418, retry_after_s: Some(120), ..Default::default() }, 0);
        assert_eq!(l.banned_until(1), Some(120_000));
        assert!(l.acquire(1, false, 119_999).is_err());
        assert!(l.acquire(1, false, 120_000).is_ok());
    }

    #[test]
    fn order_budget() {
        let l = Limiter::new(RateLimits { orders_per_10s: 2, ..RateLimits::default() });
        assert!(l.acquire(0, true, 0).is_ok());
        assert!(l.acquire(0, true, 1).is_ok());
        assert!(l.acquire(0, true, 2).is_err());
        assert!(l.acquire(0, true, 10_000).is_ok());
    }

    #[test]
    fn banned_until_message() {
        assert_eq!(parse_banned_until("Way too many requests; IP banned until 1663653924577."), Some(1663653924577));
        assert_eq!(parse_banned_until("Too many requests"), None);
    }
}

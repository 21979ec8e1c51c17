//! Each channel's own rate limits, as sliding windows counted per scope (a Telegram chat, a
//! group, the whole bot). Pure: the caller passes the time, so the rules are tested without
//! waiting.

use std::collections::{BTreeMap, VecDeque};

/// At most `count` messages per `per_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: usize,
    pub per_ms: i64,
}

pub const fn per_second(count: usize) -> Rate {
    Rate { count, per_ms: 1000 }
}

pub const fn per_minute(count: usize) -> Rate {
    Rate { count, per_ms: 60_000 }
}

/// Send times per scope, kept as long as the longest window needs them.
#[derive(Debug, Default)]
pub struct Limiter {
    sent: BTreeMap<String, VecDeque<i64>>,
}

impl Limiter {
    /// The earliest time at or after `now` when one more message may go to every scope in
    /// `scopes` (each with its rates).
    pub fn ready_at(&self, scopes: &[(String, &[Rate])], now: i64) -> i64 {
        let mut at = now;
        for (scope, rates) in scopes {
            let Some(times) = self.sent.get(scope) else { continue };
            for rate in *rates {
                let recent: Vec<i64> = times.iter().copied().filter(|t| *t > now - rate.per_ms).collect();
                if recent.len() >= rate.count {
                    // The oldest send that must leave the window before another may go.
                    at = at.max(recent[recent.len() - rate.count] + rate.per_ms);
                }
            }
        }
        at
    }

    /// Count one message sent at `now` in each scope.
    pub fn record(&mut self, scopes: &[(String, &[Rate])], now: i64) {
        for (scope, rates) in scopes {
            let keep = rates.iter().map(|r| r.per_ms).max().unwrap_or(0);
            let times = self.sent.entry(scope.clone()).or_default();
            times.push_back(now);
            while times.front().is_some_and(|t| *t <= now - keep) {
                times.pop_front();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_per_second_and_twenty_per_minute() {
        let rates = [per_second(1), per_minute(20)];
        let scopes = [("chat".to_owned(), &rates[..])];
        let mut l = Limiter::default();
        let mut now = 0;
        let mut times = Vec::new();
        for _ in 0..21 {
            now = l.ready_at(&scopes, now);
            l.record(&scopes, now);
            times.push(now);
        }
        assert_eq!(&times[..3], [0, 1000, 2000], "one a second");
        assert_eq!(times[19], 19_000);
        assert_eq!(times[20], 60_000, "the 21st waits for the first to leave the minute");
    }

    #[test]
    fn scopes_are_separate_but_a_shared_one_binds_all() {
        let per_chat = [per_second(1)];
        let overall = [per_second(2)];
        let scopes = |chat: &str| vec![(chat.to_owned(), &per_chat[..]), ("bot".to_owned(), &overall[..])];
        let mut l = Limiter::default();
        l.record(&scopes("a"), 0);
        assert_eq!(l.ready_at(&scopes("a"), 0), 1000);
        assert_eq!(l.ready_at(&scopes("b"), 0), 0, "another chat may go now");
        l.record(&scopes("b"), 0);
        assert_eq!(l.ready_at(&scopes("c"), 10), 1000, "the bot's own limit");
    }
}

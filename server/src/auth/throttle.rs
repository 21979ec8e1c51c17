//! Login throttling: failed attempts counted per username and per client address over a
//! sliding window. Past the limit, attempts are refused (429 with `Retry-After`) without
//! checking the password, until the oldest failure leaves the window. A success clears the
//! username's count. In memory: a restart forgives, which an attacker cannot cause.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Throttle {
    max_per_user: usize,
    max_per_ip: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Throttle {
    pub fn new(max_per_user: u32, window: Duration) -> Self {
        let max = max_per_user.max(1) as usize;
        Self { max_per_user: max, max_per_ip: max * 4, window, failures: Mutex::new(HashMap::new()) }
    }

    fn keys(username: &str, ip: Option<&str>) -> [(String, bool); 2] {
        [(format!("user:{username}"), true), (format!("ip:{}", ip.unwrap_or("-")), ip.is_some())]
    }

    /// `Err(wait)` while either key is over its limit.
    pub fn check(&self, username: &str, ip: Option<&str>, now: Instant) -> Result<(), Duration> {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let mut wait = Duration::ZERO;
        for (key, used) in Self::keys(username, ip) {
            let limit = if key.starts_with("user:") { self.max_per_user } else { self.max_per_ip };
            if !used {
                continue;
            }
            if let Some(times) = map.get_mut(&key) {
                while times.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
                    times.pop_front();
                }
                if times.len() >= limit
                    && let Some(oldest) = times.front()
                {
                    wait = wait.max(self.window.saturating_sub(now.duration_since(*oldest)));
                }
            }
        }
        if wait.is_zero() { Ok(()) } else { Err(wait.max(Duration::from_secs(1))) }
    }

    pub fn failed(&self, username: &str, ip: Option<&str>, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for (key, used) in Self::keys(username, ip) {
            if used {
                map.entry(key).or_default().push_back(now);
            }
        }
        // Bound the memory an attacker spraying usernames can take.
        if map.len() > 100_000 {
            map.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < self.window));
        }
    }

    pub fn succeeded(&self, username: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&format!("user:{username}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_a_username_after_the_limit_until_the_window_passes() {
        let t = Throttle::new(3, Duration::from_secs(60));
        let start = Instant::now();
        for i in 0..3 {
            assert!(t.check("alice", Some("1.2.3.4"), start).is_ok(), "attempt {i}");
            t.failed("alice", Some("1.2.3.4"), start + Duration::from_secs(i));
        }
        let wait = t.check("alice", Some("5.6.7.8"), start + Duration::from_secs(10)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(50), "until the first failure is 60 s old");
        assert!(t.check("bob", Some("1.2.3.4"), start + Duration::from_secs(10)).is_ok(), "others unaffected");
        assert!(t.check("alice", None, start + Duration::from_secs(61)).is_ok(), "window passed");
    }

    #[test]
    fn an_address_spraying_usernames_is_locked_and_success_clears_the_user() {
        let t = Throttle::new(2, Duration::from_secs(60));
        let now = Instant::now();
        for i in 0..8 {
            t.failed(&format!("user{i}"), Some("9.9.9.9"), now);
        }
        assert!(t.check("fresh", Some("9.9.9.9"), now).is_err());
        assert!(t.check("fresh", Some("1.1.1.1"), now).is_ok());
        t.failed("carol", None, now);
        t.failed("carol", None, now);
        assert!(t.check("carol", None, now).is_err());
        t.succeeded("carol");
        assert!(t.check("carol", None, now).is_ok());
    }
}

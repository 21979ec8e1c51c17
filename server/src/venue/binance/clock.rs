//! Time: the local wall clock (injectable so tests can drive it) and the offset to Binance's
//! server clock learnt from `GET /fapi/v1/time`.
//!
//! Signed requests carry `timestamp` in *server* time; a drifting local clock is the usual
//! cause of `-1021`, so the offset is refreshed periodically and after every `-1021`.

use app::TimestampMs;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of local wall-clock milliseconds. Production uses the system clock; tests share the
/// fake venue's controllable clock so that bans and windows expire without sleeping.
#[derive(Clone)]
pub struct LocalTime(Arc<dyn Fn() -> TimestampMs + Send + Sync>);

impl LocalTime {
    pub fn system() -> Self {
        Self(Arc::new(system_now_ms))
    }

    pub fn from_fn(f: impl Fn() -> TimestampMs + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    pub fn now_ms(&self) -> TimestampMs {
        (self.0)()
    }
}

impl Default for LocalTime {
    fn default() -> Self {
        Self::system()
    }
}

impl fmt::Debug for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LocalTime")
    }
}

pub fn system_now_ms() -> TimestampMs {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as TimestampMs).unwrap_or(0)
}

/// Local time plus the learnt offset to the server.
#[derive(Debug)]
pub struct ServerClock {
    local: LocalTime,
    offset_ms: AtomicI64,
    /// Local time of the last sync; `i64::MIN` until the first one.
    synced_at: AtomicI64,
}

impl ServerClock {
    pub fn new(local: LocalTime) -> Self {
        Self { local, offset_ms: AtomicI64::new(0), synced_at: AtomicI64::new(i64::MIN) }
    }

    pub fn local_ms(&self) -> TimestampMs {
        self.local.now_ms()
    }

    /// Best estimate of the server's clock now.
    pub fn now_ms(&self) -> TimestampMs {
        self.local_ms().saturating_add(self.offset_ms.load(Ordering::Relaxed))
    }

    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }

    /// Whether the offset was never learnt or is older than `max_age_ms`.
    pub fn needs_sync(&self, max_age_ms: i64) -> bool {
        let at = self.synced_at.load(Ordering::Relaxed);
        at == i64::MIN || self.local_ms().saturating_sub(at) > max_age_ms
    }

    /// Record a `/fapi/v1/time` answer: the server time is taken to be the midpoint of the
    /// round trip, which halves the error a slow response would otherwise add.
    pub fn record(&self, sent_local_ms: TimestampMs, received_local_ms: TimestampMs, server_ms: TimestampMs) {
        let mid = sent_local_ms / 2 + received_local_ms / 2;
        self.offset_ms.store(server_ms.saturating_sub(mid), Ordering::Relaxed);
        self.synced_at.store(received_local_ms, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_uses_round_trip_midpoint() {
        let clock = ServerClock::new(LocalTime::from_fn(|| 1_000));
        assert!(clock.needs_sync(60_000));
        clock.record(1_000, 1_100, 11_050);
        assert_eq!(clock.offset_ms(), 10_000);
        assert_eq!(clock.now_ms(), 11_000);
        assert!(!clock.needs_sync(60_000));
    }
}

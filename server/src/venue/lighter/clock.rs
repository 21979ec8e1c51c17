//! The connector's clock: the wall clock in production, a manual clock in tests so that
//! token lifetimes, `ExpiredAt` and hourly funding can be exercised without waiting. A test
//! shares one manual time with the Lighter fake by building `Clock::Manual` over the fake
//! clock's cell (`fakes::lighter::FakeClock::manual_time`).

use app::TimestampMs;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Clone, Debug, Default)]
pub enum Clock {
    #[default]
    Wall,
    Manual(Arc<AtomicI64>),
}

impl Clock {
    pub fn manual(start_ms: TimestampMs) -> Self {
        Clock::Manual(Arc::new(AtomicI64::new(start_ms)))
    }

    pub fn now_ms(&self) -> TimestampMs {
        match self {
            Clock::Wall => SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0),
            Clock::Manual(t) => t.load(Ordering::SeqCst),
        }
    }

    /// Unix seconds, the unit of auth-token deadlines.
    pub fn now_s(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// Moves a manual clock forward; the wall clock ignores it.
    pub fn advance(&self, by_ms: i64) {
        if let Clock::Manual(t) = self {
            t.fetch_add(by_ms, Ordering::SeqCst);
        }
    }
}

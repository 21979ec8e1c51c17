//! The Lighter fake's clock: the wall clock for manual trials, a manual one in tests so that
//! token lifetimes, `ExpiredAt` and hourly funding can be exercised without waiting. A test
//! that drives the connector against the fake builds the connector's clock over the same
//! `Arc<AtomicI64>` ([`FakeClock::manual_time`]), so both sides read one manual time.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Clone, Debug, Default)]
pub enum FakeClock {
    #[default]
    Wall,
    /// Unix milliseconds, moved only by [`FakeClock::advance`] or by whoever shares the cell.
    Manual(Arc<AtomicI64>),
}

impl FakeClock {
    pub fn manual(start_ms: i64) -> Self {
        FakeClock::Manual(Arc::new(AtomicI64::new(start_ms)))
    }

    /// The cell a manual clock reads, for another clock to share; `None` for the wall clock.
    pub fn manual_time(&self) -> Option<Arc<AtomicI64>> {
        match self {
            FakeClock::Wall => None,
            FakeClock::Manual(t) => Some(Arc::clone(t)),
        }
    }

    pub fn now_ms(&self) -> i64 {
        match self {
            FakeClock::Wall => SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0),
            FakeClock::Manual(t) => t.load(Ordering::SeqCst),
        }
    }

    /// Unix seconds, the unit of auth-token deadlines.
    pub fn now_s(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// Moves a manual clock forward; the wall clock ignores it.
    pub fn advance(&self, by_ms: i64) {
        if let FakeClock::Manual(t) = self {
            t.fetch_add(by_ms, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_over_the_shared_cell_sees_every_advance() {
        let fake = FakeClock::manual(1_800_000_000_000);
        let other = FakeClock::Manual(fake.manual_time().expect("manual"));
        fake.advance(1_500);
        assert_eq!(other.now_ms(), 1_800_000_001_500);
        assert_eq!(other.now_s(), 1_800_000_001);
        other.advance(500);
        assert_eq!(fake.now_ms(), 1_800_000_002_000);
    }

    #[test]
    fn the_wall_clock_has_no_cell_and_ignores_advance() {
        let wall = FakeClock::Wall;
        assert!(wall.manual_time().is_none());
        let before = wall.now_ms();
        wall.advance(3_600_000);
        assert!(wall.now_ms() - before < 60_000);
    }
}

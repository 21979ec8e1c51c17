//! The one clock, made once at start-up and passed down. It tells two times:
//! - **wall time**: real time (or a manual time in tests), for sessions, audit entries, probes
//!   and data freshness;
//! - **venue time**: the markets' time. A simulator may run it compressed (one market hour
//!   per real second) or by hand; with real venues it is the wall clock.
//!
//! Nothing else reads the system time for the product's logic.

use app::TimestampMs;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The operating system's time in milliseconds since the epoch.
fn system_ms() -> TimestampMs {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Where one of the two times comes from.
#[derive(Clone, Debug)]
pub enum TimeSource {
    System,
    /// Starts at `origin_ms` when created and runs `speed` times faster than real time.
    Scaled {
        origin_ms: TimestampMs,
        origin: Instant,
        speed: u32,
    },
    /// Moved by hand (tests, the backtester).
    Manual(Arc<AtomicI64>),
}

impl TimeSource {
    /// Real time `speed` times faster, starting now at the current wall-clock time.
    pub fn scaled(speed: u32) -> Self {
        Self::scaled_from(system_ms(), speed)
    }

    /// Real time `speed` times faster, starting now at `origin_ms` (a restart resuming a
    /// compressed market day).
    pub fn scaled_from(origin_ms: TimestampMs, speed: u32) -> Self {
        TimeSource::Scaled { origin_ms, origin: Instant::now(), speed: speed.max(1) }
    }

    pub fn manual(start_ms: TimestampMs) -> Self {
        TimeSource::Manual(Arc::new(AtomicI64::new(start_ms)))
    }

    pub fn now_ms(&self) -> TimestampMs {
        match self {
            TimeSource::System => system_ms(),
            TimeSource::Scaled { origin_ms, origin, speed } => {
                origin_ms + (origin.elapsed().as_millis() as i64) * i64::from(*speed)
            }
            TimeSource::Manual(t) => t.load(Ordering::SeqCst),
        }
    }

    /// Market milliseconds per real millisecond (1 for the system clock and a manual one).
    pub fn speed(&self) -> u32 {
        match self {
            TimeSource::Scaled { speed, .. } => *speed,
            TimeSource::System | TimeSource::Manual(_) => 1,
        }
    }

    /// Moves a manual time; the others ignore it.
    pub fn advance(&self, by_ms: i64) {
        if let TimeSource::Manual(t) = self {
            t.fetch_add(by_ms, Ordering::SeqCst);
        }
    }

    /// Sets a manual time; the others ignore it.
    pub fn set(&self, to_ms: TimestampMs) {
        if let TimeSource::Manual(t) = self {
            t.store(to_ms, Ordering::SeqCst);
        }
    }
}

/// Wall time and venue time. Cheap to clone: clones share the same sources.
#[derive(Clone, Debug)]
pub struct Clock {
    wall: TimeSource,
    venue: TimeSource,
}

impl Clock {
    /// Both times from the operating system (real venues, command-line tools).
    pub fn system() -> Self {
        Self { wall: TimeSource::System, venue: TimeSource::System }
    }

    /// Real wall time with the markets on `venue` (the simulators' clock).
    pub fn with_venue(venue: TimeSource) -> Self {
        Self { wall: TimeSource::System, venue }
    }

    /// Both times given (tests move either by hand).
    pub fn new(wall: TimeSource, venue: TimeSource) -> Self {
        Self { wall, venue }
    }

    pub fn wall_ms(&self) -> TimestampMs {
        self.wall.now_ms()
    }

    pub fn venue_ms(&self) -> TimestampMs {
        self.venue.now_ms()
    }

    /// The venue time's source, shared with the simulated venues.
    pub fn venue_source(&self) -> &TimeSource {
        &self.venue
    }

    pub fn wall_source(&self) -> &TimeSource {
        &self.wall
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_sources_move_by_hand_and_clones_share_them() {
        let clock = Clock::new(TimeSource::manual(1_000), TimeSource::manual(50_000));
        let copy = clock.clone();
        clock.wall_source().advance(500);
        clock.venue_source().set(90_000);
        assert_eq!((copy.wall_ms(), copy.venue_ms()), (1_500, 90_000));
    }

    #[test]
    fn a_scaled_source_runs_faster_than_the_wall() {
        let scaled = TimeSource::scaled_from(0, 3_600);
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(scaled.now_ms() >= 20 * 3_600, "{}", scaled.now_ms());
        assert_eq!(scaled.speed(), 3_600);
        assert_eq!(TimeSource::System.speed(), 1);
    }
}

//! The simulators' clock: real time, real time compressed by a speed factor (one market hour
//! per second for demos), or a manual clock that tests move by hand.

use app::TimestampMs;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

pub fn wall_clock_ms() -> TimestampMs {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

#[derive(Clone, Debug)]
pub enum SimClock {
    /// Starts at the wall-clock time of creation and runs `speed` times faster.
    Scaled {
        origin_ms: TimestampMs,
        origin: Instant,
        speed: u32,
    },
    Manual(Arc<AtomicI64>),
}

impl SimClock {
    pub fn scaled(speed: u32) -> Self {
        SimClock::Scaled { origin_ms: wall_clock_ms(), origin: Instant::now(), speed: speed.max(1) }
    }

    /// A scaled clock that starts at `origin_ms` (a restart resuming a compressed market day).
    pub fn scaled_from(origin_ms: TimestampMs, speed: u32) -> Self {
        SimClock::Scaled { origin_ms, origin: Instant::now(), speed: speed.max(1) }
    }

    pub fn manual(start_ms: TimestampMs) -> Self {
        SimClock::Manual(Arc::new(AtomicI64::new(start_ms)))
    }

    pub fn now_ms(&self) -> TimestampMs {
        match self {
            SimClock::Scaled { origin_ms, origin, speed } => {
                origin_ms + (origin.elapsed().as_millis() as i64) * i64::from(*speed)
            }
            SimClock::Manual(t) => t.load(Ordering::SeqCst),
        }
    }

    /// Moves a manual clock; a scaled clock ignores it.
    pub fn advance(&self, by_ms: i64) {
        if let SimClock::Manual(t) = self {
            t.fetch_add(by_ms, Ordering::SeqCst);
        }
    }
}

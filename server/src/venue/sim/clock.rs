//! The simulators' clock is the venue half of the platform's one [`Clock`](crate::clock::Clock):
//! real time, real time compressed by a speed factor (one market hour per second for demos), or
//! a manual time that tests and the backtester move by hand.

pub use crate::clock::TimeSource as SimClock;

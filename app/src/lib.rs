//! The shared crate: domain types, the REST/WebSocket contract and pure calculators.
//!
//! It compiles for the server (x86_64) and for the browser (wasm32) so that both show the
//! same numbers computed by the same code. Nothing here does I/O or reads a clock.

pub mod api;
pub mod audit;
pub mod auth;
pub mod backtest;
pub mod equity;
pub mod fraction;
pub mod funding;
pub mod history;
pub mod ids;
pub mod jobs;
pub mod market;
pub mod money;
pub mod notification;
pub mod order;
pub mod outbox;
pub mod params;
pub mod pnl;
pub mod reconcile;
pub mod signal;
pub mod sizing;
pub mod strategy;
pub mod symbols;
pub mod text;
pub mod trading;
pub mod ws;

pub use fraction::Fraction;
pub use funding::{FundingInterval, FundingRate, Spread, SpreadDirection};
pub use ids::{ClientOrderId, IdError, PositionId, Symbol, Venue, VenueMode};
pub use money::{Price, Qty, Usd};
pub use strategy::StrategyId;

/// Milliseconds since the Unix epoch, UTC. Timestamps cross the wire as plain numbers.
pub type TimestampMs = i64;

pub const MS_PER_HOUR: i64 = 3_600_000;

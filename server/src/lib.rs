//! The server crate: settings, venues (simulated and real), the market-data collector,
//! persistence and the axum REST + WebSocket API.

pub mod actions;
pub mod api;
pub mod audit;
pub mod auth;
pub mod backtest;
pub mod backup;
pub mod chat;
pub mod cli;
pub mod clock;
pub mod collector;
pub mod db;
pub mod doctor;
pub mod engine;
pub mod equity;
pub mod error;
pub mod fast_map;
pub mod health;
pub mod jobs;
pub mod lock;
pub mod logging;
pub mod metrics;
pub mod notify;
pub mod pnl;
pub mod refetch;
pub mod settings;
pub mod startup;
pub mod state;
pub mod venue;

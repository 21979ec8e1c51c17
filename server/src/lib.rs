//! The server crate: settings, venues (simulated and real), the market-data collector,
//! persistence and the axum REST + WebSocket API.

pub mod api;
pub mod audit;
pub mod auth;
pub mod backtest;
pub mod clock;
pub mod collector;
pub mod db;
pub mod doctor;
pub mod engine;
pub mod equity;
pub mod error;
pub mod health;
pub mod notify;
pub mod settings;
pub mod startup;
pub mod state;
pub mod venue;

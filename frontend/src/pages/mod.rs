//! One module per page; the router in `main.rs` maps URLs to them.

pub mod backtest;
pub mod board;
pub mod config;
pub mod dashboard;
pub mod history;
pub mod login;
pub mod not_found;
pub mod signals;
pub mod strategies;
pub mod system;
pub mod trading;

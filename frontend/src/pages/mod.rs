//! One module per page; the router in `main.rs` maps URLs to them.

pub mod board;
pub mod config;
pub mod history;
pub mod not_found;
pub mod system;

//! Integration tests: the real server on port 0 with a real SQLite file, driven through
//! `oneshot` and through real HTTP and WebSocket clients.

mod backtests;
mod config;
mod credentials;
mod equity;
mod freshness;
mod helpers;
mod history;
mod persistence;
mod quotes;
mod rest;
mod roles;
mod symbols;
mod trading;
mod venues;
mod websocket;

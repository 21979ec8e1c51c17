//! Integration tests: the real server on port 0 with a real SQLite file, driven through
//! `oneshot` and through real HTTP and WebSocket clients.

mod backtests;
mod backup;
mod config;
mod credentials;
mod equity;
mod examples;
mod freshness;
mod helpers;
mod history;
mod jobs;
mod metrics;
mod openapi;
mod persistence;
mod quotes;
mod refetch;
mod rest;
mod roles;
mod signals;
mod symbols;
mod trading;
mod venues;
mod websocket;

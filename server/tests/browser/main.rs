//! Browser end-to-end tests: headless Chromium (through chromedriver) drives the real SPA
//! served by the real server on the simulated venues.
//!
//! They need the built SPA (`cargo xtask dist`) and Debian's chromium + chromium-driver;
//! `cargo xtask test` provides both and sets `ARB_E2E=1`, which makes them mandatory. A plain
//! `cargo test` without that variable skips them with a message.

mod alerts;
mod backtest;
mod board;
mod config;
mod fakes;
mod harness;
mod headers;
mod history;
mod login;
mod session;
mod signals;
mod system;
mod trading;
mod viewer;

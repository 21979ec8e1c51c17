//! Local fakes of the real venues, speaking their wire formats on loopback: test
//! infrastructure, never part of the product. The server's tests and benches use them as a
//! dev-dependency; the `fakes` binary serves one by hand for manual trials.
//!
//! `binance`: HMAC, timestamps, weights, bans. `lighter`: verifies every signed transaction
//! (with the same `lighter-signer` crate the connector signs with), nonces, expiry. Both:
//! scripted books, funding settlement, faults on command through a handle or `/_fake/*`.
//!
//! For the alert channels: `telegram` (the Bot API, with 429 storms and long-polled updates),
//! `smtp` (a real SMTP sink) and `webhook` (Slack, Discord, Feishu with its signature, WeCom,
//! JSON receivers that check each body's shape).

pub mod binance;
pub mod lighter;
pub mod smtp;
pub mod telegram;
pub mod webhook;

//! Alerts and chat control against local fakes on loopback: the Telegram Bot API (with 429
//! storms and long-polled updates), a real SMTP sink, and webhook receivers that check each
//! service's body shape and Feishu's signature; all on the real server with simulated venues.

#[path = "../api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

mod channels;
mod chat;
mod end_to_end;
mod fixture;
mod outbox;
mod secrets;

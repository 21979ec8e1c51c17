//! The Binance connector against the local fake, plus parser properties: one integration-test
//! binary (zero2prod style) with shared helpers.

mod account;
mod fake_ws;
mod helpers;
mod limits;
mod market;
mod orders;
mod parse_props;
mod read_only;
mod signing;
mod streams;

//! Integration tests of the Lighter connector against the local fake of Lighter: one binary
//! (`cargo test --test lighter`), shared helpers in `helpers.rs`.

mod helpers;

mod endpoints;
mod faults;
mod feed;
mod funding;
mod nonces;
mod parsers;
mod read_only;
mod signing;

//! Local fakes of the real venues, speaking their wire formats on loopback for tests.

pub mod binance;
pub mod lighter;

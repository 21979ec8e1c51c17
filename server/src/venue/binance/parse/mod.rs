//! Parse layer: wire types into `app` domain types. Pure and total: malformed or nonsensical
//! input (unknown enum strings, overflowing decimals, symbols we cannot map) is an
//! [`ParseError`] value, never a panic — the property tests feed it garbage.

mod account;
mod market;
mod stream;

pub use account::*;
pub use market::*;
pub use stream::*;

use app::Symbol;
use rust_decimal::Decimal;

/// Binance's margin asset for the contracts we trade; canonical `Symbol` is the base asset.
pub const QUOTE: &str = "USDT";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error(transparent)]
    Decode(#[from] super::wire::DecodeError),
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
}

/// A response we could not read is the venue's garbage, not our refusal: decode error.
impl From<ParseError> for super::error::BinanceError {
    fn from(e: ParseError) -> Self {
        super::error::BinanceError::Decode(e.to_string())
    }
}

pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> ParseError {
    ParseError::Invalid { field, message: message.into() }
}

/// "BTCUSDT" → "BTC". Anything not USDT-quoted is not ours.
pub fn symbol_of(venue_symbol: &str) -> Result<Symbol, ParseError> {
    let base = venue_symbol
        .strip_suffix(QUOTE)
        .filter(|b| !b.is_empty())
        .ok_or_else(|| invalid("symbol", format!("{venue_symbol:?} is not a USDT contract")))?;
    Symbol::new(base).map_err(|e| invalid("symbol", e.to_string()))
}

/// "BTC" → "BTCUSDT".
pub fn venue_symbol(symbol: &Symbol) -> String {
    format!("{}{QUOTE}", symbol.as_str())
}

/// Stream names use the lower-case venue symbol.
pub fn stream_symbol(symbol: &Symbol) -> String {
    venue_symbol(symbol).to_ascii_lowercase()
}

pub(crate) fn checked_mul(field: &'static str, a: Decimal, b: Decimal) -> Result<Decimal, ParseError> {
    a.checked_mul(b).ok_or_else(|| invalid(field, format!("{a} x {b} overflows")))
}

pub(crate) fn checked_div(field: &'static str, a: Decimal, b: Decimal) -> Result<Decimal, ParseError> {
    a.checked_div(b).ok_or_else(|| invalid(field, format!("{a} / {b} is undefined")))
}

/// Binance writes "no value" prices as zero ("avgPrice":"0.00000", "liquidationPrice":"0").
pub(crate) fn nonzero(d: Option<Decimal>) -> Option<Decimal> {
    d.filter(|d| !d.is_zero())
}

/// A commission in `asset` expressed in USD. Stablecoin margin assets count one for one; others
/// (BNB with the fee discount) need a price, and `None` means we could not price it.
pub fn fee_in_usd(amount: Decimal, asset: &str, price_of: impl Fn(&str) -> Option<Decimal>) -> Option<Decimal> {
    match asset {
        "USDT" | "USDC" | "FDUSD" | "BUSD" | "" => Some(amount),
        other => price_of(other).and_then(|p| amount.checked_mul(p)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_map_both_ways() {
        assert_eq!(symbol_of("BTCUSDT").unwrap().as_str(), "BTC");
        assert_eq!(symbol_of("1000PEPEUSDT").unwrap().as_str(), "1000PEPE");
        for bad in ["USDT", "BTCUSDC", "btcusdt", "BTCUSDT_260626", ""] {
            assert!(symbol_of(bad).is_err(), "{bad}");
        }
        let btc = Symbol::new("BTC").unwrap();
        assert_eq!(venue_symbol(&btc), "BTCUSDT");
        assert_eq!(stream_symbol(&btc), "btcusdt");
    }
}

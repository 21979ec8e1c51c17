//! Validated identifiers: venues, symbols and client order ids, built only through checked
//! constructors so that a malformed id is rejected at the boundary, not deep in a connector.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("symbol must be 1-20 upper-case letters or digits, got {0:?}")]
    Symbol(String),
    #[error("unknown venue {0:?} (expected \"binance\" or \"lighter\")")]
    Venue(String),
    #[error("unknown venue mode {0:?} (expected \"sim\", \"testnet\" or \"mainnet\")")]
    Mode(String),
    #[error("client order id must match ^[.A-Za-z0-9:/_-]{{1,36}}$, got {0:?}")]
    ClientOrderId(String),
}

/// The two venues the platform arbitrages between. Simulated and real connectors of the same
/// venue share the id; [`VenueMode`] says which one runs.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Venue {
    Binance,
    Lighter,
}

impl Venue {
    pub const ALL: [Venue; 2] = [Venue::Binance, Venue::Lighter];

    pub fn as_str(self) -> &'static str {
        match self {
            Venue::Binance => "binance",
            Venue::Lighter => "lighter",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Venue::Binance => "Binance",
            Venue::Lighter => "Lighter",
        }
    }

    pub fn other(self) -> Venue {
        match self {
            Venue::Binance => Venue::Lighter,
            Venue::Lighter => Venue::Binance,
        }
    }

    /// Its place in [`Venue::ALL`]: where per-venue arrays keep it.
    #[inline]
    pub fn index(self) -> usize {
        match self {
            Venue::Binance => 0,
            Venue::Lighter => 1,
        }
    }
}

impl fmt::Display for Venue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Venue {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        match s.to_ascii_lowercase().as_str() {
            "binance" => Ok(Venue::Binance),
            "lighter" => Ok(Venue::Lighter),
            _ => Err(IdError::Venue(s.to_owned())),
        }
    }
}

/// Where a venue's orders go: the built-in simulator, the venue's testnet, or real money.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum VenueMode {
    #[default]
    Sim,
    Testnet,
    Mainnet,
}

impl VenueMode {
    pub fn as_str(self) -> &'static str {
        match self {
            VenueMode::Sim => "sim",
            VenueMode::Testnet => "testnet",
            VenueMode::Mainnet => "mainnet",
        }
    }
}

impl fmt::Display for VenueMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for VenueMode {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        match s {
            "sim" => Ok(VenueMode::Sim),
            "testnet" => Ok(VenueMode::Testnet),
            "mainnet" => Ok(VenueMode::Mainnet),
            _ => Err(IdError::Mode(s.to_owned())),
        }
    }
}

/// A canonical market symbol: the base asset ("BTC"). Each connector maps it to its own
/// venue symbol ("BTCUSDT" on Binance, market id 1 on Lighter).
///
/// Held inline (at most [`Symbol::MAX_LEN`] ASCII bytes, the rest zero): every market event
/// carries one and every hot map is keyed by one, so a clone is a copy, not an allocation.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Symbol {
    len: u8,
    /// Three words: room for `MAX_LEN` and zeros after.
    bytes: [u8; 24],
}

impl Symbol {
    pub const MAX_LEN: usize = 20;

    pub fn new(s: &str) -> Result<Self, IdError> {
        let ok = !s.is_empty()
            && s.len() <= Self::MAX_LEN
            && s.bytes().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if !ok {
            return Err(IdError::Symbol(s.to_owned()));
        }
        let mut bytes = [0; 24];
        bytes[..s.len()].copy_from_slice(s.as_bytes());
        Ok(Self { len: s.len() as u8, bytes })
    }

    #[inline]
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored (`new`).
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }

    /// The bytes as three big-endian words: compared in order, they order as the text does (the
    /// padding is zero and no symbol has a zero byte, so a prefix sorts first).
    #[inline]
    fn words(&self) -> [u64; 3] {
        let word = |i: usize| {
            let mut w = [0; 8];
            w.copy_from_slice(&self.bytes[i * 8..i * 8 + 8]);
            u64::from_be_bytes(w)
        };
        [word(0), word(1), word(2)]
    }
}

/// In the order of the text, as the `String` it once was: maps keyed by symbol list
/// alphabetically.
impl Ord for Symbol {
    #[inline]
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.words().cmp(&other.words())
    }
}

impl PartialOrd for Symbol {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// One word instead of 25 bytes: the bytes alone decide equality (no symbol has a zero byte,
/// so the padding tells the length), and their three words folded into one feed the hasher
/// once (most symbols fit the first word; the rotations keep longer ones apart).
impl std::hash::Hash for Symbol {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let [a, b, c] = self.words();
        state.write_u64(a ^ b.rotate_left(21) ^ c.rotate_left(42));
    }
}

impl fmt::Debug for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Symbol").field(&self.as_str()).finish()
    }
}

/// A string in the API document, as it is on the wire.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Symbol {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "A canonical market symbol: the base asset (\"BTC\"). Each connector maps it to its own\nvenue symbol (\"BTCUSDT\" on Binance, market id 1 on Lighter).",
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Symbol {}

impl TryFrom<String> for Symbol {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Symbol::new(&s)
    }
}

impl From<Symbol> for String {
    fn from(s: Symbol) -> String {
        s.as_str().to_owned()
    }
}

impl FromStr for Symbol {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        Symbol::new(s)
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Our id for an order, sent to the venue so that a retry is idempotent and an order whose
/// outcome is unknown can be looked up. The charset is Binance's `newClientOrderId` rule, the
/// stricter of the two venues.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientOrderId(String);

impl ClientOrderId {
    pub fn new(s: &str) -> Result<Self, IdError> {
        let ok = !s.is_empty()
            && s.len() <= 36
            && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '/' | '_' | '-'));
        if ok { Ok(Self(s.to_owned())) } else { Err(IdError::ClientOrderId(s.to_owned())) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ClientOrderId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        ClientOrderId::new(&s)
    }
}

impl From<ClientOrderId> for String {
    fn from(s: ClientOrderId) -> String {
        s.0
    }
}

impl fmt::Display for ClientOrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Our number for a position, handed out by the engine in order (1, 2, …). On the wire and in
/// the database it is a plain integer, as before it had a type of its own. Any integer is a
/// well-formed id: whether the position exists is the lookup's answer (a 404), so the
/// constructor is not checked.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PositionId(i64);

impl PositionId {
    pub const fn new(id: i64) -> Self {
        Self(id)
    }

    pub const fn get(self) -> i64 {
        self.0
    }

    /// The id the engine hands out after this one.
    pub const fn next(self) -> Self {
        Self(self.0 + 1)
    }
}

impl From<i64> for PositionId {
    fn from(id: i64) -> Self {
        Self(id)
    }
}

impl From<PositionId> for i64 {
    fn from(id: PositionId) -> i64 {
        id.0
    }
}

impl fmt::Display for PositionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// From a path segment (`/positions/{id}`) or a form's value.
impl FromStr for PositionId {
    type Err = std::num::ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_are_checked() {
        assert!(Symbol::new("BTC").is_ok());
        assert!(Symbol::new("1000PEPE").is_ok());
        for bad in ["", "btc", "BTC-USD", "ABCDEFGHIJKLMNOPQRSTU"] {
            assert!(Symbol::new(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(serde_json::from_str::<Symbol>("\"eth\"").is_err());
        let max = "A".repeat(Symbol::MAX_LEN);
        assert_eq!(Symbol::new(&max).unwrap().as_str(), max);
    }

    #[test]
    fn symbols_order_compare_and_travel_as_their_text() {
        let mut v: Vec<Symbol> =
            ["SOL", "BTC", "1000PEPE", "B", "BTCB", "ETH"].iter().map(|s| Symbol::new(s).unwrap()).collect();
        v.sort();
        let texts: Vec<&str> = v.iter().map(Symbol::as_str).collect();
        assert_eq!(texts, ["1000PEPE", "B", "BTC", "BTCB", "ETH", "SOL"]);
        // Across the words the comparison is made of: what sorting the text gives.
        let long = [
            "AAAAAAAA",
            "AAAAAAAAB",
            "AAAAAAAA1",
            "AAAAAAAAAAAAAAAAZ",
            "AAAAAAAAAAAAAAAA",
            "Z",
            "A9",
            "AAAAAAAAAAAAAAAAAAAA",
        ];
        let mut by_symbol: Vec<Symbol> = long.iter().map(|s| Symbol::new(s).unwrap()).collect();
        by_symbol.sort();
        let mut by_text = long.to_vec();
        by_text.sort();
        assert_eq!(by_symbol.iter().map(Symbol::as_str).collect::<Vec<_>>(), by_text);
        let eth = Symbol::new("ETH").unwrap();
        assert_eq!(serde_json::to_string(&eth).unwrap(), "\"ETH\"");
        assert_eq!(serde_json::from_str::<Symbol>("\"ETH\"").unwrap(), eth);
        assert_eq!(format!("{eth} {eth:?}"), "ETH Symbol(\"ETH\")");
        assert_eq!(String::from(eth.clone()), "ETH");
        assert_ne!(eth, Symbol::new("ETHW").unwrap());
    }

    #[test]
    fn client_order_ids_follow_binance_rule() {
        assert!(ClientOrderId::new("arb-12.o:1/a_b").is_ok());
        assert!(ClientOrderId::new(&"x".repeat(36)).is_ok());
        assert!(ClientOrderId::new(&"x".repeat(37)).is_err());
        assert!(ClientOrderId::new("has space").is_err());
    }

    #[test]
    fn venues_parse_case_insensitively() {
        assert_eq!("Binance".parse::<Venue>().unwrap(), Venue::Binance);
        assert!("bybit".parse::<Venue>().is_err());
        assert_eq!(Venue::Lighter.other(), Venue::Binance);
    }
}

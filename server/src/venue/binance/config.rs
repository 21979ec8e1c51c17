//! Connector configuration: mode, base URLs (per-mode defaults from §1.1, overridable so the
//! connector can point at the local fake), optional keys, and timing knobs with production
//! defaults that tests shrink.

use super::clock::LocalTime;
use super::parse::MarketDefaults;
use app::{Symbol, VenueMode};
use secrecy::SecretString;
use std::time::Duration;

pub const MAINNET_REST: &str = "https://fapi.binance.com";
pub const MAINNET_WS: &str = "wss://fstream.binance.com";
/// "Demo trading", the current futures testnet.
pub const TESTNET_REST: &str = "https://demo-fapi.binance.com";
/// [verify] Clients disagree on the testnet socket host (§1.1); this one serves the 2026 routes.
pub const TESTNET_WS: &str = "wss://fstream.binancefuture.com";

/// Which market streams to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamSelection {
    /// `!markPrice@arr@1s` and `!bookTicker`: every symbol, two streams (a funding board).
    All,
    /// `<sym>@markPrice@1s` and `<sym>@bookTicker` for these symbols only.
    Symbols(Vec<Symbol>),
    /// No market sockets (REST only).
    None,
}

#[derive(Debug, Clone)]
pub struct Tuning {
    pub recv_window_ms: u64,
    pub request_timeout: Duration,
    /// Re-learn the server clock offset after this long even without a -1021.
    pub clock_max_age: Duration,
    /// Refresh exchangeInfo and fundingInfo after this long.
    pub metadata_ttl: Duration,
    pub listen_key_keepalive: Duration,
    pub max_connection_age: Duration,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// After an order's outcome is unknown: how many lookups by client id, and the pause
    /// before each (settlement of the venue's own state can lag the error).
    pub outcome_lookups: u32,
    pub outcome_lookup_delay: Duration,
    /// After a reconnect, fills and funding are re-read from this long before the disconnect.
    pub resync_lookback: Duration,
    pub streams: StreamSelection,
    pub market_defaults: MarketDefaults,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            recv_window_ms: 5_000,
            request_timeout: Duration::from_secs(10),
            clock_max_age: Duration::from_secs(600),
            metadata_ttl: Duration::from_secs(3_600),
            listen_key_keepalive: Duration::from_secs(30 * 60),
            max_connection_age: Duration::from_secs(24 * 3_600),
            backoff_min: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            outcome_lookups: 3,
            outcome_lookup_delay: Duration::from_millis(500),
            resync_lookback: Duration::from_secs(300),
            streams: StreamSelection::All,
            market_defaults: MarketDefaults::default(),
        }
    }
}

/// Mirrors the project's `VenueSettings` (mode, rest_url, ws_url, api_key, api_secret).
#[derive(Debug, Clone)]
pub struct BinanceConfig {
    pub mode: VenueMode,
    pub rest_url: Option<String>,
    pub ws_url: Option<String>,
    pub api_key: Option<SecretString>,
    pub api_secret: Option<SecretString>,
    pub tuning: Tuning,
    pub local_time: LocalTime,
}

impl BinanceConfig {
    pub fn new(mode: VenueMode) -> Self {
        Self {
            mode,
            rest_url: None,
            ws_url: None,
            api_key: None,
            api_secret: None,
            tuning: Tuning::default(),
            local_time: LocalTime::system(),
        }
    }

    /// The REST and WebSocket base URLs in force. `sim` has no real venue behind it, so it
    /// needs both URLs given (pointing at the local fake).
    pub fn urls(&self) -> Result<(String, String), String> {
        let defaults = match self.mode {
            VenueMode::Mainnet => Some((MAINNET_REST, MAINNET_WS)),
            VenueMode::Testnet => Some((TESTNET_REST, TESTNET_WS)),
            VenueMode::Sim => None,
        };
        let rest = self.rest_url.clone().or_else(|| defaults.map(|d| d.0.to_owned()));
        let ws = self.ws_url.clone().or_else(|| defaults.map(|d| d.1.to_owned()));
        match (rest, ws) {
            (Some(r), Some(w)) => Ok((r, w)),
            _ => Err("mode \"sim\" has no Binance host: set rest_url and ws_url (e.g. to the local fake)".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_default_per_mode_and_can_be_overridden() {
        let mut c = BinanceConfig::new(VenueMode::Mainnet);
        assert_eq!(c.urls().unwrap(), (MAINNET_REST.to_owned(), MAINNET_WS.to_owned()));
        c.mode = VenueMode::Testnet;
        c.rest_url = Some("http://127.0.0.1:9".into());
        assert_eq!(c.urls().unwrap(), ("http://127.0.0.1:9".to_owned(), TESTNET_WS.to_owned()));
        c.mode = VenueMode::Sim;
        assert!(c.urls().is_err());
        c.ws_url = Some("ws://127.0.0.1:9".into());
        assert!(c.urls().is_ok());
    }
}

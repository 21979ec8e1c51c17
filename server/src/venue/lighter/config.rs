//! Connector configuration: hosts, chain id, account and API keys, and the timing knobs that
//! production leaves at their defaults and tests shrink.
//!
//! Built by the server from `VenueSettings` (mode, URLs, `api_secret`) plus the Lighter-only
//! fields `account_index` and `api_key_indexes`.

use std::time::Duration;

use app::VenueMode;
use secrecy::SecretString;

use super::clock::Clock;
use lighter_signer::{MAINNET_CHAIN_ID, TESTNET_CHAIN_ID};

pub const MAINNET_REST: &str = "https://mainnet.zklighter.elliot.ai";
pub const MAINNET_WS: &str = "wss://mainnet.zklighter.elliot.ai/stream";
pub const TESTNET_REST: &str = "https://testnet.zklighter.elliot.ai";
pub const TESTNET_WS: &str = "wss://testnet.zklighter.elliot.ai/stream";

/// One registered API key slot and its private key (hex, as the SDKs print it).
#[derive(Clone)]
pub struct ApiKey {
    pub index: u8,
    pub private_key: SecretString,
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey").field("index", &self.index).field("private_key", &"<redacted>").finish()
    }
}

/// Back-off after 429 / 23000 and between reconnects: `base · 2^attempt`, capped.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
    /// Retries of one request before it fails with a Connectivity error.
    pub retries: u32,
}

impl Backoff {
    pub fn delay(&self, attempt: u32) -> Duration {
        self.base.saturating_mul(1u32 << attempt.min(16)).min(self.max)
    }
}

#[derive(Clone, Debug)]
pub struct LighterConfig {
    pub mode: VenueMode,
    pub rest_url: String,
    pub ws_url: String,
    pub chain_id: u32,
    /// Needed for positions and balance (public) and for trading.
    pub account_index: Option<i64>,
    /// Empty: read-only. Several keys give parallel nonce streams.
    pub api_keys: Vec<ApiKey>,
    pub clock: Clock,
    /// Client-side cap on REST requests per rolling minute (standard accounts: 60).
    pub requests_per_minute: Option<u32>,
    pub rate_limit_backoff: Backoff,
    pub reconnect_backoff: Backoff,
    pub http_timeout: Duration,
    /// How long `place_order`/`cancel_order` wait for the venue's order update after sendTx.
    pub confirm_timeout: Duration,
    /// Unknown-outcome resolution: polls of the order lists, this far apart.
    pub resolve_polls: u32,
    pub resolve_interval: Duration,
    /// `funding`/`mark_price` wait this long for the first `market_stats` frame.
    pub stats_wait: Duration,
    /// Slippage cap of market orders when the caller gives no price, as a fraction.
    pub market_slippage: rust_decimal::Decimal,
    /// A socket that has been silent this long is considered dead.
    pub ws_stale_after: Duration,
    pub ws_keepalive: Duration,
    /// Transaction expiry (`ExpiredAt` = now + this); the SDK uses 10 min − 1 s.
    pub tx_ttl: Duration,
}

impl LighterConfig {
    /// Production defaults for a mode; `Sim` has no Lighter hosts and gets the testnet ones.
    pub fn new(mode: VenueMode) -> Self {
        let (rest, ws, chain) = match mode {
            VenueMode::Mainnet => (MAINNET_REST, MAINNET_WS, MAINNET_CHAIN_ID),
            VenueMode::Testnet | VenueMode::Sim => (TESTNET_REST, TESTNET_WS, TESTNET_CHAIN_ID),
        };
        Self {
            mode,
            rest_url: rest.to_owned(),
            ws_url: ws.to_owned(),
            chain_id: chain,
            account_index: None,
            api_keys: Vec::new(),
            clock: Clock::Wall,
            requests_per_minute: Some(60),
            rate_limit_backoff: Backoff { base: Duration::from_millis(500), max: Duration::from_secs(30), retries: 4 },
            reconnect_backoff: Backoff { base: Duration::from_millis(250), max: Duration::from_secs(30), retries: 0 },
            http_timeout: Duration::from_secs(10),
            confirm_timeout: Duration::from_millis(1500),
            resolve_polls: 6,
            resolve_interval: Duration::from_millis(500),
            stats_wait: Duration::from_secs(3),
            market_slippage: rust_decimal::Decimal::new(1, 2),
            ws_stale_after: Duration::from_secs(90),
            ws_keepalive: Duration::from_secs(30),
            tx_ttl: Duration::from_millis(599_000),
        }
    }

    pub fn read_only(&self) -> bool {
        self.api_keys.is_empty()
    }
}

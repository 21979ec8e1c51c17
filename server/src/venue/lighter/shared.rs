//! The state every part of the connector shares — REST client, signers and nonces, the
//! market directory, live state and the event fan-out — and the one place where wire
//! errors become `VenueError`s that say how the caller must react.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, RwLock};

use app::{Symbol, Venue};
use secrecy::ExposeSecret;
use tokio::sync::{broadcast, watch};

use super::clock::Clock;
use super::config::LighterConfig;
use super::parse::{self, LighterMarket, ParseError};
use super::rest::{RestClient, RestError, codes};
use super::state::{Directory, Live};
use crate::venue::{VenueError, VenueEvent};
use lighter_signer::LighterSigner;
use lighter_signer::auth::AuthTokenCache;
use lighter_signer::nonce::NonceManager;

pub const READ_ONLY: &str = "no API key configured: Lighter runs read-only";

pub fn connectivity(message: impl Into<String>) -> VenueError {
    VenueError::Connectivity { venue: Venue::Lighter, message: message.into() }
}

pub fn rejected(code: impl Into<String>, message: impl Into<String>) -> VenueError {
    VenueError::Rejected { venue: Venue::Lighter, code: code.into(), message: message.into() }
}

pub fn fatal(message: impl Into<String>) -> VenueError {
    VenueError::Fatal { venue: Venue::Lighter, message: message.into() }
}

pub fn unknown(message: impl Into<String>) -> VenueError {
    VenueError::OutcomeUnknown { venue: Venue::Lighter, message: message.into() }
}

/// A failed read: retry later unless the venue says our credentials are wrong.
pub fn read_error(e: RestError) -> VenueError {
    match e {
        RestError::Api { code, status, message } if is_credential_error(code, status) => {
            fatal(format!("Lighter refused our credentials ({code}): {message}"))
        }
        RestError::Api { code, message, .. } => rejected(code.to_string(), message),
        other => connectivity(other.to_string()),
    }
}

pub fn is_credential_error(code: i64, status: u16) -> bool {
    matches!(code, codes::INVALID_SIGNATURE | codes::API_KEY_NOT_FOUND | codes::INVALID_AUTH)
        || matches!(status, 401 | 403)
}

pub fn parse_error(e: ParseError) -> VenueError {
    connectivity(format!("unexpected Lighter payload: {e}"))
}

/// Signers (one per API key slot), their nonce streams and the auth token.
pub struct Trading {
    pub account: i64,
    pub signers: BTreeMap<u8, LighterSigner>,
    pub nonces: NonceManager<RestClient>,
    auth: Mutex<AuthTokenCache>,
}

impl Trading {
    pub fn new(config: &LighterConfig, rest: &RestClient) -> Result<Option<Self>, VenueError> {
        if config.api_keys.is_empty() {
            return Ok(None);
        }
        let account = config.account_index.ok_or_else(|| fatal("Lighter API keys need an account_index"))?;
        let mut signers = BTreeMap::new();
        for key in &config.api_keys {
            let signer = LighterSigner::new(key.private_key.expose_secret(), account, key.index, config.chain_id)
                .map_err(|e| fatal(format!("Lighter API key {}: {e}", key.index)))?;
            signers.insert(key.index, signer);
        }
        let indexes: Vec<u8> = signers.keys().copied().collect();
        let nonces = NonceManager::new(account, &indexes, rest.clone());
        Ok(Some(Self { account, signers, nonces, auth: Mutex::new(AuthTokenCache::default()) }))
    }

    pub fn signer(&self, api_key: u8) -> Result<&LighterSigner, VenueError> {
        self.signers.get(&api_key).ok_or_else(|| fatal(format!("no signer for API key {api_key}")))
    }

    /// The auth token (from the lowest key), minted anew ~15 min before it expires.
    pub fn token(&self, now_s: i64) -> Result<String, VenueError> {
        let (_, signer) = self.signers.iter().next().ok_or_else(|| fatal(READ_ONLY))?;
        let mut cache = self.auth.lock().unwrap_or_else(|e| e.into_inner());
        cache.token(signer, now_s).map(str::to_owned).map_err(|e| fatal(format!("minting a Lighter auth token: {e}")))
    }

    pub fn invalidate_token(&self) {
        self.auth.lock().unwrap_or_else(|e| e.into_inner()).invalidate();
    }
}

pub struct Shared {
    pub config: LighterConfig,
    pub rest: RestClient,
    pub trading: Option<Trading>,
    directory: RwLock<Directory>,
    live: Mutex<Live>,
    pub events: broadcast::Sender<VenueEvent>,
    /// Bumped on every live-state change, so waiters (order confirmations) wake up.
    version: watch::Sender<u64>,
}

impl Shared {
    pub fn new(config: LighterConfig) -> Result<Self, VenueError> {
        let rest = RestClient::new(&config).map_err(|e| fatal(e.to_string()))?;
        let trading = Trading::new(&config, &rest)?;
        let (events, _) = broadcast::channel(4096);
        let (version, _) = watch::channel(0);
        Ok(Self { config, rest, trading, directory: RwLock::default(), live: Mutex::default(), events, version })
    }

    pub fn clock(&self) -> &Clock {
        &self.config.clock
    }

    pub fn live(&self) -> MutexGuard<'_, Live> {
        // Live state stays consistent per field even if a holder panicked.
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn publish(&self, event: VenueEvent) {
        // No receivers is fine.
        let _ = self.events.send(event);
    }

    pub fn changed(&self) {
        self.version.send_modify(|v| *v += 1);
    }

    pub fn watch(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }

    pub fn trading(&self) -> Result<&Trading, VenueError> {
        self.trading.as_ref().ok_or_else(|| fatal(READ_ONLY))
    }

    pub fn account(&self) -> Result<i64, VenueError> {
        self.config.account_index.ok_or_else(|| fatal("no Lighter account_index configured"))
    }

    pub fn token(&self) -> Result<String, VenueError> {
        self.trading()?.token(self.clock().now_s())
    }

    pub fn directory(&self) -> Directory {
        self.directory.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn symbol_of(&self, market_id: i16) -> Option<Symbol> {
        self.directory.read().unwrap_or_else(|e| e.into_inner()).symbol(market_id).cloned()
    }

    pub async fn refresh_markets(&self) -> Result<Vec<LighterMarket>, VenueError> {
        let resp = self.rest.order_book_details().await.map_err(read_error)?;
        let mut markets = Vec::new();
        for d in &resp.order_book_details {
            match parse::market(d) {
                Ok(Some(m)) => markets.push(m),
                Ok(None) => {}
                // One odd market must not hide the others.
                Err(e) => tracing::warn!(symbol = %d.symbol, error = %e, "skipping unparseable Lighter market"),
            }
        }
        markets.sort_by(|a, b| a.symbol.cmp(&b.symbol));
        *self.directory.write().unwrap_or_else(|e| e.into_inner()) = Directory::new(markets.clone());
        Ok(markets)
    }

    /// Installs a market list without asking the venue (tests, or a cached directory).
    pub fn install_markets(&self, markets: Vec<LighterMarket>) {
        *self.directory.write().unwrap_or_else(|e| e.into_inner()) = Directory::new(markets);
    }

    /// The market for a symbol, loading the directory on first use or for a new listing.
    pub async fn market(&self, symbol: &Symbol) -> Result<LighterMarket, VenueError> {
        if let Some(m) = self.directory.read().unwrap_or_else(|e| e.into_inner()).market(symbol) {
            return Ok(m.clone());
        }
        self.refresh_markets().await?;
        let dir = self.directory.read().unwrap_or_else(|e| e.into_inner());
        dir.market(symbol)
            .cloned()
            .ok_or_else(|| rejected("unknown_symbol", format!("Lighter has no perp market {symbol}")))
    }

    /// Runs an auth read; a refused token is re-minted once before giving up as Fatal.
    pub async fn with_auth<T, F, Fut>(&self, call: F) -> Result<T, VenueError>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = Result<T, RestError>>,
    {
        let trading = self.trading()?;
        match call(self.token()?).await {
            Err(RestError::Api { code, status, .. }) if is_credential_error(code, status) => {
                trading.invalidate_token();
                call(self.token()?).await.map_err(read_error)
            }
            other => other.map_err(read_error),
        }
    }
}

//! Binance USDⓈ-M futures connector: [`BinanceVenue`] implements [`VenueClient`] over REST
//! (`fapi`) and the 2026 WebSocket routes (`/market`, `/public`, `/private`).
//!
//! Layers (STYLE.md §8): [`wire`] payloads → [`parse`] into `app` types → stateless I/O
//! ([`rest`]/[`endpoints`], [`ws`], [`user_stream`]). This module wires them together, owns
//! the caches and publishes [`VenueEvent`]s. Without API keys the connector is read-only.

mod account;
mod client;
pub mod clock;
pub mod config;
pub mod endpoints;
pub mod error;
mod feed;
pub mod limiter;
mod meta;
pub mod parse;
pub mod rest;
pub mod sign;
mod state;
pub mod user_stream;
pub mod wire;
pub mod ws;

pub use config::{BinanceConfig, StreamSelection, Tuning};
pub use error::BinanceError;

use crate::venue::{VenueError, VenueEvent};
use app::{Symbol, TimestampMs, Venue, VenueMode};
use clock::ServerClock;
use rest::{RestClient, RestSettings};
use secrecy::ExposeSecret;
use sign::Credentials;
use state::Cache;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{broadcast, mpsc, watch};
use tokio_util::sync::CancellationToken;

const EVENT_CAPACITY: usize = 8192;

/// The state every task of the connector shares.
pub(crate) struct Shared {
    mode: VenueMode,
    tuning: Tuning,
    ws_url: String,
    rest: Arc<RestClient>,
    events: broadcast::Sender<VenueEvent>,
    cache: Mutex<Cache>,
    /// One metadata refresh at a time.
    meta_lock: tokio::sync::Mutex<()>,
}

impl Shared {
    fn cache(&self) -> MutexGuard<'_, Cache> {
        // Caches only: a panic elsewhere leaves them usable.
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn publish(&self, event: VenueEvent) {
        // No receivers is fine: nobody is listening yet.
        let _ = self.events.send(event);
    }

    fn now_ms(&self) -> TimestampMs {
        self.rest.clock().now_ms()
    }

    fn require_keys(&self) -> Result<(), VenueError> {
        if self.rest.has_credentials() { Ok(()) } else { Err(BinanceError::ReadOnly.into_venue(false)) }
    }
}

pub struct BinanceVenue {
    shared: Arc<Shared>,
    market_streams: watch::Sender<BTreeSet<String>>,
    public_streams: watch::Sender<BTreeSet<String>>,
}

impl BinanceVenue {
    pub fn new(config: BinanceConfig) -> Result<Arc<Self>, VenueError> {
        let fatal = |message: String| VenueError::Fatal { venue: Venue::Binance, message };
        let (rest_url, ws_url) = config.urls().map_err(fatal)?;
        // An empty secret (an unset environment variable) counts as absent.
        let present = |s: &Option<secrecy::SecretString>| s.clone().filter(|v| !v.expose_secret().is_empty());
        let credentials = match (present(&config.api_key), present(&config.api_secret)) {
            (Some(k), Some(s)) => Some(Credentials::new(k, s)),
            (None, None) => None,
            _ => return Err(fatal("api_key and api_secret must be given together".into())),
        };
        let t = &config.tuning;
        let settings = RestSettings {
            base_url: rest_url,
            recv_window_ms: t.recv_window_ms.min(60_000),
            timeout: t.request_timeout,
            clock_max_age: t.clock_max_age,
        };
        let clock = Arc::new(ServerClock::new(config.local_time.clone()));
        let rest = RestClient::new(settings, credentials, clock).map_err(|e| e.into_venue(false))?;
        let (events, _) = broadcast::channel(EVENT_CAPACITY);
        let shared = Shared {
            mode: config.mode,
            tuning: config.tuning.clone(),
            ws_url,
            rest: Arc::new(rest),
            events,
            cache: Mutex::new(Cache::default()),
            meta_lock: tokio::sync::Mutex::new(()),
        };
        let (market, public) = initial_streams(&config.tuning.streams);
        Ok(Arc::new(Self {
            shared: Arc::new(shared),
            market_streams: watch::Sender::new(market),
            public_streams: watch::Sender::new(public),
        }))
    }

    /// Whether trading and account calls are possible (keys configured).
    pub fn can_trade(&self) -> bool {
        self.shared.rest.has_credentials()
    }

    /// The REST client, for venue calls the trait does not cover.
    pub fn rest(&self) -> &RestClient {
        &self.shared.rest
    }

    /// Open the sockets: market routes (unless `StreamSelection::None`), and the user stream
    /// when keys are configured. Each runs until `cancel`. Call once.
    pub fn start(self: &Arc<Self>, cancel: CancellationToken) {
        let reconnect = ws::Reconnect {
            backoff_min: self.shared.tuning.backoff_min,
            backoff_max: self.shared.tuning.backoff_max,
            max_age: self.shared.tuning.max_connection_age,
        };
        if self.shared.tuning.streams != StreamSelection::None {
            let (tx, rx) = mpsc::channel(4096);
            for (route, streams) in
                [(ws::Route::Market, &self.market_streams), (ws::Route::Public, &self.public_streams)]
            {
                let url = self.shared.ws_url.clone();
                tokio::spawn(ws::run_route(
                    url,
                    route,
                    streams.subscribe(),
                    reconnect.clone(),
                    tx.clone(),
                    cancel.clone(),
                ));
            }
            tokio::spawn(feed::consume_market(self.shared.clone(), rx, cancel.clone()));
        }
        if self.can_trade() {
            let settings = user_stream::UserStreamSettings {
                base_url: self.shared.ws_url.clone(),
                keepalive_every: self.shared.tuning.listen_key_keepalive,
                reconnect,
            };
            let (tx, rx) = mpsc::channel(4096);
            tokio::spawn(user_stream::run(self.shared.rest.clone(), settings, tx, cancel.clone()));
            tokio::spawn(feed::consume_user(self.shared.clone(), rx, cancel));
        }
    }

    /// Add per-symbol mark and book streams (applied live with SUBSCRIBE).
    pub fn watch(&self, symbols: &[Symbol]) {
        let add = |tx: &watch::Sender<BTreeSet<String>>, suffix: &str| {
            tx.send_modify(|set| set.extend(symbols.iter().map(|s| format!("{}{suffix}", parse::stream_symbol(s)))));
        };
        add(&self.market_streams, "@markPrice@1s");
        add(&self.public_streams, "@bookTicker");
    }

    /// Re-read positions, open orders, fills and funding and publish what the sockets missed.
    pub async fn resync_account(&self) -> Result<(), VenueError> {
        self.shared.require_keys()?;
        self.shared.resync_account().await.map_err(|e| e.into_venue(false))
    }
}

fn initial_streams(selection: &StreamSelection) -> (BTreeSet<String>, BTreeSet<String>) {
    match selection {
        StreamSelection::All => (["!markPrice@arr@1s".to_owned()].into(), ["!bookTicker".to_owned()].into()),
        StreamSelection::Symbols(list) => (
            list.iter().map(|s| format!("{}@markPrice@1s", parse::stream_symbol(s))).collect(),
            list.iter().map(|s| format!("{}@bookTicker", parse::stream_symbol(s))).collect(),
        ),
        StreamSelection::None => (BTreeSet::new(), BTreeSet::new()),
    }
}

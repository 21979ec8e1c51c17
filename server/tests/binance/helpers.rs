//! Shared set-up: a fake with fast timers, a connector pointed at it, order builders and an
//! event waiter with a deadline (no fixed sleeps).

use app::order::{OrderRequest, OrderType, Side, TimeInForce};
use app::{ClientOrderId, Price, Qty, Symbol, VenueMode};
use fakes::binance::{FakeConfig, FakeHandle, spawn};
use rust_decimal::Decimal;
use server::venue::VenueEvent;
use server::venue::binance::clock::LocalTime;
use server::venue::binance::{BinanceConfig, BinanceVenue, StreamSelection, Tuning};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

pub fn fake_config() -> FakeConfig {
    FakeConfig { market_push_every: Duration::from_millis(50), ..FakeConfig::default() }
}

/// Production behaviour with test-sized timers; no sockets unless a test asks.
pub fn tuning() -> Tuning {
    Tuning {
        request_timeout: Duration::from_secs(2),
        backoff_min: Duration::from_millis(20),
        backoff_max: Duration::from_millis(200),
        outcome_lookup_delay: Duration::from_millis(20),
        streams: StreamSelection::None,
        ..Tuning::default()
    }
}

pub fn config(fake: &FakeHandle, keys: bool, tuning: Tuning) -> BinanceConfig {
    let mut c = BinanceConfig::new(VenueMode::Testnet);
    c.rest_url = Some(fake.rest_url());
    c.ws_url = Some(fake.ws_url());
    if keys {
        c.api_key = Some(fake.api_key().into());
        c.api_secret = Some(fake.api_secret().into());
    }
    c.tuning = tuning;
    c
}

pub struct Env {
    pub fake: FakeHandle,
    pub venue: Arc<BinanceVenue>,
    pub cancel: CancellationToken,
}

impl Drop for Env {
    fn drop(&mut self) {
        self.cancel.cancel();
        self.fake.shutdown();
    }
}

pub fn env_with(fake_cfg: FakeConfig, keys: bool, tuning: Tuning, share_clock: bool) -> Env {
    init_tracing();
    let (fake, _) = spawn(fake_cfg).expect("fake binds");
    let mut cfg = config(&fake, keys, tuning);
    if share_clock {
        let clock = fake.clock();
        cfg.local_time = LocalTime::from_fn(move || clock.now_ms());
    }
    let venue = BinanceVenue::new(cfg).expect("valid config");
    Env { fake, venue, cancel: CancellationToken::new() }
}

/// A trading connector (keys) against a default fake, REST only.
pub fn env() -> Env {
    env_with(fake_config(), true, tuning(), false)
}

impl Env {
    pub fn start(&self) {
        self.venue.start(self.cancel.clone());
    }
}

pub fn sym(s: &str) -> Symbol {
    Symbol::new(s).expect("symbol")
}

pub fn cid(s: &str) -> ClientOrderId {
    ClientOrderId::new(s).expect("client order id")
}

pub fn d(s: &str) -> Decimal {
    s.parse().expect("decimal")
}

pub fn market(id: &str, symbol: &str, side: Side, qty: &str) -> OrderRequest {
    OrderRequest {
        client_order_id: cid(id),
        symbol: sym(symbol),
        side,
        qty: Qty(d(qty)),
        order_type: OrderType::Market,
        price: None,
        time_in_force: TimeInForce::Ioc,
        reduce_only: false,
    }
}

pub fn limit(id: &str, symbol: &str, side: Side, qty: &str, price: &str, tif: TimeInForce) -> OrderRequest {
    OrderRequest {
        order_type: OrderType::Limit,
        price: Some(Price(d(price))),
        time_in_force: tif,
        ..market(id, symbol, side, qty)
    }
}

/// The first event matching `pred` within `within`, skipping others.
pub async fn wait_for(
    rx: &mut broadcast::Receiver<VenueEvent>,
    within: Duration,
    mut pred: impl FnMut(&VenueEvent) -> bool,
) -> Option<VenueEvent> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Ok(e)) if pred(&e) => return Some(e),
            Ok(Ok(_)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => continue,
            Ok(Err(broadcast::error::RecvError::Closed)) | Err(_) => return None,
        }
    }
}

/// Every event matching `pred` during `window`.
pub async fn collect(
    rx: &mut broadcast::Receiver<VenueEvent>,
    window: Duration,
    mut pred: impl FnMut(&VenueEvent) -> bool,
) -> Vec<VenueEvent> {
    let deadline = tokio::time::Instant::now() + window;
    let mut out = Vec::new();
    while let Ok(r) = tokio::time::timeout_at(deadline, rx.recv()).await {
        match r {
            Ok(e) if pred(&e) => out.push(e),
            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
            Err(broadcast::error::RecvError::Closed) => break,
        }
    }
    out
}

/// Poll `f` until true or the deadline.
pub async fn eventually(within: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < deadline {
        if f() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    f()
}

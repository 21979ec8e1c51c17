//! Shared set-up: a fake on a manual clock with small speed bumps, a funded account with
//! three API keys, and a connector pointed at it with test-sized timings.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use app::order::{OrderRequest, OrderType, Side, TimeInForce};
use app::{ClientOrderId, Price, Qty, Symbol, VenueMode};
use fakes::lighter::{FakeAccount, FakeClock, FakeConfig, FakeLighter};
use lighter_signer::LighterSigner;
use rust_decimal::Decimal;
use secrecy::SecretString;
use server::venue::VenueEvent;
use server::venue::lighter::clock::Clock;
use server::venue::lighter::{ApiKey, Backoff, LighterConfig, LighterVenue};
use tokio::sync::broadcast;

/// Test-only key from the official signer vectors; the others differ in the lowest byte.
pub const KEY: &str = "2b9c384d9f7b86e700196c1786c2e7b94593474573ea46c35b4f86c31531f79ac4b42b654fdf1d6e";
pub const ACCOUNT: i64 = 100_042;
pub const KEYS: [u8; 3] = [2, 3, 4];
/// Half an hour past a top of the hour (1_800_000_000_000 is one), so the next settlement is
/// 30 minutes away.
pub const T0: i64 = 1_800_001_800_000;

pub fn key_hex(index: u8) -> String {
    format!("{:02x}{}", index, &KEY[2..])
}

pub fn signer(index: u8, chain: u32) -> LighterSigner {
    LighterSigner::new(&key_hex(index), ACCOUNT, index, chain).expect("test key parses")
}

pub fn btc() -> Symbol {
    Symbol::new("BTC").expect("symbol")
}

pub fn sym(s: &str) -> Symbol {
    Symbol::new(s).expect("symbol")
}

pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

pub fn fake_config() -> FakeConfig {
    let chain = FakeConfig::default().chain_id;
    let keys = KEYS.iter().map(|k| (*k, signer(*k, chain).public_key())).collect();
    FakeConfig {
        clock: FakeClock::manual(T0),
        taker_bump: Duration::from_millis(30),
        maker_bump: Duration::from_millis(20),
        cancel_bump: Duration::from_millis(10),
        rate_limit_per_minute: None,
        ping_interval: Duration::from_secs(30),
        settle_tick: Duration::from_millis(20),
        accounts: vec![FakeAccount { index: ACCOUNT, collateral: Decimal::from(100_000), keys }],
        ..FakeConfig::default()
    }
}

pub async fn start_fake(config: FakeConfig) -> FakeLighter {
    init_tracing();
    FakeLighter::start(config).await.expect("fake binds").0
}

pub fn connector_config(fake: &FakeLighter, keys: &[u8]) -> LighterConfig {
    let mut c = LighterConfig::new(VenueMode::Testnet);
    c.rest_url = fake.rest_url();
    c.ws_url = fake.ws_url();
    c.chain_id = fake.chain_id();
    // The connector reads the fake's manual time, so advancing the fake moves both.
    c.clock = fake.clock().manual_time().map_or(Clock::Wall, Clock::Manual);
    c.account_index = Some(ACCOUNT);
    c.api_keys = keys.iter().map(|k| ApiKey { index: *k, private_key: SecretString::from(key_hex(*k)) }).collect();
    c.requests_per_minute = None;
    c.rate_limit_backoff = Backoff { base: Duration::from_millis(20), max: Duration::from_millis(200), retries: 4 };
    c.reconnect_backoff = Backoff { base: Duration::from_millis(50), max: Duration::from_millis(400), retries: 0 };
    c.http_timeout = Duration::from_secs(5);
    c.confirm_timeout = Duration::from_millis(800);
    c.resolve_polls = 6;
    c.resolve_interval = Duration::from_millis(100);
    c.stats_wait = Duration::from_secs(2);
    c
}

/// A fake plus a connected connector (feed running) on all three keys.
pub async fn setup() -> (FakeLighter, Arc<LighterVenue>) {
    let fake = start_fake(fake_config()).await;
    let venue = LighterVenue::connect(connector_config(&fake, &KEYS)).await.expect("connects");
    wait_until(Duration::from_secs(3), || venue.account_stream_live()).await;
    (fake, venue)
}

pub fn cid(s: &str) -> ClientOrderId {
    ClientOrderId::new(s).expect("client order id")
}

pub fn market(id: &str, symbol: &str, side: Side, qty: &str) -> OrderRequest {
    OrderRequest {
        client_order_id: cid(id),
        symbol: sym(symbol),
        side,
        qty: Qty(qty.parse().expect("qty")),
        order_type: OrderType::Market,
        price: None,
        time_in_force: TimeInForce::Ioc,
        reduce_only: false,
    }
}

pub fn limit(id: &str, symbol: &str, side: Side, qty: &str, price: &str) -> OrderRequest {
    OrderRequest {
        client_order_id: cid(id),
        symbol: sym(symbol),
        side,
        qty: Qty(qty.parse().expect("qty")),
        order_type: OrderType::Limit,
        price: Some(Price(price.parse().expect("price"))),
        time_in_force: TimeInForce::Gtc,
        reduce_only: false,
    }
}

pub async fn wait_until(timeout: Duration, cond: impl Fn() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    while tokio::time::Instant::now() < deadline {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    cond()
}

/// The first event `pick` accepts within `timeout`.
pub async fn next_event<T>(
    rx: &mut broadcast::Receiver<VenueEvent>,
    timeout: Duration,
    pick: impl Fn(&VenueEvent) -> Option<T>,
) -> Option<T> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Ok(e)) => {
                if let Some(t) = pick(&e) {
                    return Some(t);
                }
            }
            Ok(Err(broadcast::error::RecvError::Lagged(_))) => continue,
            _ => return None,
        }
    }
}

pub fn d(s: &str) -> Decimal {
    s.parse().expect("decimal")
}

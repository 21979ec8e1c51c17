//! A local fake of Binance USDⓈ-M futures: an axum server on loopback speaking the real paths,
//! JSON shapes, error codes, signatures, weights and WebSocket routes, with a scripted market
//! and injectable faults driven through [`FakeHandle`]. Tests call [`spawn`]; the `fakes`
//! binary calls [`serve`] for manual trials.

mod account_routes;
pub mod clock;
mod control;
mod core;
mod error;
mod events;
mod gate;
mod handle;
mod market_routes;
mod matching;
mod params;
mod render;
mod routes;
pub mod state;
mod ws;

pub use self::core::{AfterAccept, OrderEvents, WsRoute};
pub use clock::FakeClock;
pub use handle::FakeHandle;
pub use state::SymbolSpec;

use self::core::Fake;
use axum::Router;
use axum::routing::{any, get};
use rust_decimal::Decimal;
use state::{Exchange, SymbolState};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone)]
pub struct FakeConfig {
    pub api_key: String,
    pub api_secret: String,
    pub symbols: Vec<SymbolSpec>,
    pub starting_balance: Decimal,
    pub default_leverage: u32,
    pub maker_fee: Decimal,
    pub taker_fee: Decimal,
    /// Published in exchangeInfo and enforced (429) per fake-clock minute.
    pub weight_limit: u32,
    pub orders_per_10s: u32,
    pub orders_per_minute: u32,
    /// How often markPrice@1s and bookTicker are pushed.
    pub market_push_every: Duration,
    pub ping_every: Duration,
    pub pong_timeout: Duration,
    pub max_connection_age: Duration,
    /// Settled funding rows per symbol before start.
    pub history_rows: usize,
}

impl Default for FakeConfig {
    fn default() -> Self {
        Self {
            api_key: "fake-binance-key".into(),
            api_secret: "fake-binance-secret".into(),
            symbols: SymbolSpec::defaults(),
            starting_balance: Decimal::from(100_000),
            default_leverage: 20,
            maker_fee: Decimal::new(2, 4),
            taker_fee: Decimal::new(5, 4),
            weight_limit: 2400,
            orders_per_10s: 300,
            orders_per_minute: 1200,
            market_push_every: Duration::from_secs(1),
            ping_every: Duration::from_secs(180),
            pong_timeout: Duration::from_secs(600),
            max_connection_age: Duration::from_secs(24 * 3600),
            history_rows: 30,
        }
    }
}

pub struct FakeBinance;

impl FakeBinance {
    /// Bind 127.0.0.1 on an ephemeral port and serve until the handle shuts it down. Must be
    /// called inside a tokio runtime.
    pub fn start(config: FakeConfig) -> std::io::Result<(FakeHandle, SocketAddr)> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        Self::start_on(config, listener)
    }

    /// As [`FakeBinance::start`] on a given address (a client configured before the fake runs).
    pub fn start_at(config: FakeConfig, addr: SocketAddr) -> std::io::Result<(FakeHandle, SocketAddr)> {
        Self::start_on(config, std::net::TcpListener::bind(addr)?)
    }

    fn start_on(config: FakeConfig, listener: std::net::TcpListener) -> std::io::Result<(FakeHandle, SocketAddr)> {
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let fake = Arc::new(build(config));
        let cancel = fake.cancel.clone();
        let app = router(fake.clone());
        tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(cancel.cancelled_owned());
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "fake binance server stopped");
            }
        });
        tokio::spawn(market_ticker(fake.clone()));
        Ok((FakeHandle::new(fake, addr), addr))
    }
}

/// Start a fake with `config` (tests).
pub fn spawn(config: FakeConfig) -> std::io::Result<(FakeHandle, SocketAddr)> {
    FakeBinance::start(config)
}

/// Serve a default fake on `addr` until the process ends (manual trials; `/_fake/*` steers it).
pub async fn serve(addr: SocketAddr) -> std::io::Result<()> {
    let listener = std::net::TcpListener::bind(addr)?;
    let (handle, bound) = FakeBinance::start_on(FakeConfig::default(), listener)?;
    tracing::info!(%bound, "fake binance listening");
    println!("fake Binance on {bound}; point the server at it with:");
    println!("  ARB__VENUES__BINANCE__MODE=testnet");
    println!("  ARB__VENUES__BINANCE__REST_URL={}", handle.rest_url());
    println!("  ARB__VENUES__BINANCE__WS_URL={}", handle.ws_url());
    println!("  ARB__VENUES__BINANCE__API_KEY={}", handle.api_key());
    println!("  ARB__VENUES__BINANCE__API_SECRET={}   # the fake's throwaway secret", handle.api_secret());
    handle.stopped().await;
    Ok(())
}

fn build(config: FakeConfig) -> Fake {
    let clock = FakeClock::default();
    let now = clock.now_ms();
    let symbols = config
        .symbols
        .iter()
        .map(|spec| {
            (spec.symbol.clone(), SymbolState::new(spec.clone(), now, config.history_rows, config.default_leverage))
        })
        .collect();
    let ex = Exchange {
        symbols,
        wallet: config.starting_balance,
        positions: Default::default(),
        dual_side: false,
        orders: Default::default(),
        by_client_id: Default::default(),
        trades: Vec::new(),
        income: Vec::new(),
        listen_key: None,
        next_id: 1_000_000,
        maker_fee: config.maker_fee,
        taker_fee: config.taker_fee,
    };
    Fake::new(config, clock, ex, CancellationToken::new())
}

fn router(fake: Arc<Fake>) -> Router {
    Router::new()
        .route("/market/stream", get(ws::market_stream))
        .route("/public/stream", get(ws::public_stream))
        .route("/market/ws", get(ws::market_raw))
        .route("/public/ws", get(ws::public_raw))
        .route("/market/ws/{*streams}", get(ws::market_raw_streams))
        .route("/public/ws/{*streams}", get(ws::public_raw_streams))
        .route("/private/ws", get(ws::private))
        .merge(control::router())
        .fallback(any(gate::rest_entry))
        .with_state(fake)
}

async fn market_ticker(fake: Arc<Fake>) {
    let mut tick = tokio::time::interval(fake.config.market_push_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = fake.cancel.cancelled() => return,
            _ = tick.tick() => fake.push_market(),
        }
    }
}

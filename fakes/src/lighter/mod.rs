//! A faithful local fake of Lighter: axum on loopback speaking `/api/v1/…` and `/stream` with
//! the venue's JSON shapes and error codes. It verifies every signed tx and auth token with
//! the real cryptography, matches orders against a scripted book after a speed bump, keeps
//! positions, settles funding hourly on a controllable clock, and injects faults on command
//! (429/23000 storms, 5xx after accept, delayed or lost account updates, dropped sockets,
//! order-book gaps, garbage frames).
//!
//! `FakeLighter::start(config)` for tests; `serve(addr)` runs the standard profile by hand
//! (`cargo run -p fakes -- lighter`).

mod auth;
mod clock;
pub mod codes;
mod config;
pub mod exchange;
mod handle;
mod json;
pub mod model;
mod pushes;
mod rest;
mod settle;
mod tx;
mod ws;

use std::collections::{BTreeSet, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::AtomicUsize;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, watch};

pub use clock::FakeClock;
pub use config::{DEMO_ACCOUNT, DEMO_API_KEY_INDEX, DEMO_PRIVATE_KEY, FakeAccount, FakeConfig};
pub use handle::FakeLighter;
pub use model::FakeMarket;

use exchange::Exchange;
use pushes::Push;

/// Faults to inject, set through the handle. Counters count down as they fire.
#[derive(Debug, Default, Clone)]
pub struct Faults {
    /// The next N REST requests answer 429 with code 23000.
    pub rate_limit_next: u32,
    /// The next N REST requests answer 503 before doing anything.
    pub unavailable_next: u32,
    /// The next N sendTx are accepted (and applied) but answered with a 502.
    pub error_after_accept: u32,
    /// Extra delay before accepted txs are applied (delayed fills).
    pub apply_delay: Duration,
    /// The next N account-channel frames are not sent (lost fills; REST still tells).
    pub lose_account_frames: u32,
    /// The next order-book update of these markets is not sent (a gap for subscribers).
    pub book_gaps: BTreeSet<i16>,
}

pub(crate) struct FakeInner {
    pub config: FakeConfig,
    ex: Mutex<Exchange>,
    faults: Mutex<Faults>,
    pushes: broadcast::Sender<Push>,
    /// Bumped to drop every open socket.
    kill: watch::Sender<u64>,
    rate_window: Mutex<(Option<u32>, VecDeque<Instant>)>,
    pub verifications: AtomicUsize,
    pub verifier_disagreements: AtomicUsize,
    pub pongs: AtomicUsize,
    pub requests: AtomicUsize,
    pub sessions: AtomicUsize,
    /// sendTx refusals by error code.
    rejections: Mutex<std::collections::HashMap<i64, usize>>,
    last_settled_hour: Mutex<i64>,
}

impl FakeInner {
    fn lock(&self) -> MutexGuard<'_, Exchange> {
        self.ex.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends what the last change touched, applying the gap and lost-frame faults. Called
    /// with the exchange locked so frames leave in the order the changes happened.
    fn publish(&self, ex: &mut Exchange, now_ms: i64) {
        let pushes = ex.drain_pushes(now_ms);
        let mut faults = self.faults();
        for p in pushes {
            if let Some(m) = p.book_nonce.and(p.channel.strip_prefix("order_book:")).and_then(|m| m.parse::<i16>().ok())
                && faults.book_gaps.remove(&m)
            {
                tracing::info!(market = m, "fake Lighter: dropping an order book update (injected gap)");
                continue;
            }
            if p.account && faults.lose_account_frames > 0 {
                faults.lose_account_frames -= 1;
                continue;
            }
            let _ = self.pushes.send(p);
        }
    }

    fn count_rejection(&self, code: i64) {
        *self.rejections.lock().unwrap_or_else(|e| e.into_inner()).entry(code).or_default() += 1;
    }

    /// Settles every top of the hour the clock has passed since the last settlement.
    fn settle_due(&self) {
        const HOUR: i64 = 3_600_000;
        let now = self.config.clock.now_ms();
        let mut last = self.last_settled_hour.lock().unwrap_or_else(|e| e.into_inner());
        let due = now.div_euclid(HOUR);
        if due <= *last {
            return;
        }
        let mut ex = self.lock();
        for hour in (*last + 1)..=due {
            ex.settle(hour * HOUR);
        }
        *last = due;
        self.publish(&mut ex, now);
    }

    /// Rolling-minute limit of the "standard" profile; `None` = premium / off.
    fn over_rate_limit(&self) -> bool {
        let mut w = self.rate_window.lock().unwrap_or_else(|e| e.into_inner());
        let Some(limit) = w.0 else { return false };
        let now = Instant::now();
        while w.1.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60)) {
            w.1.pop_front();
        }
        if w.1.len() >= limit as usize {
            return true;
        }
        w.1.push_back(now);
        false
    }
}

/// Runs the fake with the standard profile and the funded demo account on `addr` until
/// Ctrl-C, for trying a client by hand; prints the settings that point the server at it.
pub async fn serve(addr: SocketAddr) -> std::io::Result<()> {
    let (fake, bound) = FakeLighter::start_on(addr, FakeConfig::default().with_demo_account()).await?;
    tracing::info!(%bound, "fake Lighter listening (REST /api/v1, WebSocket /stream)");
    println!("fake Lighter on {bound}; point the server at it with:");
    println!("  ARB__VENUES__LIGHTER__MODE=testnet");
    println!("  ARB__VENUES__LIGHTER__REST_URL={}", fake.rest_url());
    println!("  ARB__VENUES__LIGHTER__WS_URL={}", fake.ws_url());
    println!("  ARB__VENUES__LIGHTER__ACCOUNT_INDEX={DEMO_ACCOUNT}");
    println!("  ARB__VENUES__LIGHTER__API_KEY_INDEXES={DEMO_API_KEY_INDEX}");
    println!("  ARB__VENUES__LIGHTER__API_SECRET={DEMO_PRIVATE_KEY}   # the fake's throwaway demo key");
    tokio::signal::ctrl_c().await?;
    fake.shutdown();
    Ok(())
}

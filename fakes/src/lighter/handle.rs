//! The test's handle on a running fake: start/stop, scripting (marks, funding, books,
//! accounts), the clock, fault injection, and read-outs for assertions.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rust_decimal::Decimal;
use tokio::sync::{broadcast, watch};

use super::clock::FakeClock;
use super::config::{FakeAccount, FakeConfig};
use super::exchange::Exchange;
use super::model::Account;
use super::pushes::Push;
use super::{FakeInner, Faults};

/// Cheap to clone; every clone controls the same fake.
#[derive(Clone)]
pub struct FakeLighter {
    inner: Arc<FakeInner>,
    shutdown: watch::Sender<bool>,
    addr: SocketAddr,
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_default()
}

impl FakeLighter {
    /// Binds 127.0.0.1 on an ephemeral port.
    pub async fn start(config: FakeConfig) -> std::io::Result<(FakeLighter, SocketAddr)> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), config).await
    }

    pub async fn start_on(addr: SocketAddr, config: FakeConfig) -> std::io::Result<(FakeLighter, SocketAddr)> {
        let now = config.clock.now_ms();
        let mut ex = Exchange::new(config.maker_account);
        for m in &config.markets {
            ex.markets.insert(m.market_id, m.clone());
            ex.books.entry(m.market_id).or_default();
        }
        let maker = Account {
            index: config.maker_account,
            collateral: Decimal::from(1_000_000_000),
            keys: BTreeMap::new(),
            next_nonce: BTreeMap::new(),
            positions: BTreeMap::new(),
            unlimited: true,
        };
        ex.accounts.insert(config.maker_account, maker);
        for a in &config.accounts {
            add_account(&mut ex, a);
        }
        for (m, bids, asks) in &config.books {
            if let Some(mk) = ex.markets.get(m).cloned() {
                let conv = |v: &Vec<(Decimal, Decimal)>| {
                    v.iter().filter_map(|(p, s)| Some((mk.ticks(*p)?, mk.units(*s)?))).collect::<Vec<_>>()
                };
                ex.set_book(*m, &conv(bids), &conv(asks), now);
            }
        }
        ex.drain_pushes(now);
        let (pushes, _) = broadcast::channel(8192);
        let (kill, _) = watch::channel(0);
        let inner = Arc::new(FakeInner {
            rate_window: Mutex::new((config.rate_limit_per_minute, VecDeque::new())),
            last_settled_hour: Mutex::new(now.div_euclid(3_600_000)),
            config,
            ex: Mutex::new(ex),
            faults: Mutex::new(Faults::default()),
            pushes,
            kill,
            verifications: AtomicUsize::new(0),
            verifier_disagreements: AtomicUsize::new(0),
            pongs: AtomicUsize::new(0),
            requests: AtomicUsize::new(0),
            sessions: AtomicUsize::new(0),
            rejections: Mutex::default(),
        });
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let bound = listener.local_addr()?;
        let (shutdown, mut stop) = watch::channel(false);
        let app = super::rest::router(Arc::clone(&inner));
        tokio::spawn(async move {
            let stopped = async move {
                let _ = stop.changed().await;
            };
            if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(stopped).await {
                tracing::warn!(error = %e, "fake Lighter server stopped");
            }
        });
        let ticker = Arc::downgrade(&inner);
        let tick = inner.config.settle_tick;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(tick).await;
                match ticker.upgrade() {
                    Some(f) => f.settle_due(),
                    None => return,
                }
            }
        });
        Ok((FakeLighter { inner, shutdown, addr: bound }, bound))
    }

    pub fn shutdown(&self) {
        let _ = self.shutdown.send(true);
        self.drop_sockets();
    }

    pub fn rest_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/stream", self.addr)
    }

    pub fn clock(&self) -> &FakeClock {
        &self.inner.config.clock
    }

    pub fn chain_id(&self) -> u32 {
        self.inner.config.chain_id
    }

    /// Moves a manual clock and settles every top of the hour it passes.
    pub fn advance_clock(&self, by_ms: i64) {
        self.inner.config.clock.advance(by_ms);
        self.inner.settle_due();
    }

    fn with<R>(&self, f: impl FnOnce(&mut Exchange) -> R) -> R {
        let now = self.inner.config.clock.now_ms();
        let mut ex = self.inner.lock();
        let r = f(&mut ex);
        self.inner.publish(&mut ex, now);
        r
    }

    pub fn add_account(&self, account: FakeAccount) {
        self.with(|ex| add_account(ex, &account));
    }

    /// Percent-per-hour strings, as the venue publishes them.
    pub fn set_funding(&self, market: i16, current: &str, last: &str) {
        self.with(|ex| {
            if let Some(m) = ex.markets.get_mut(&market) {
                m.current_funding = current.to_owned();
                m.last_funding = last.to_owned();
                ex.touched_stats.insert(market);
            }
        });
    }

    pub fn set_mark(&self, market: i16, mark: &str, index: &str) {
        self.with(|ex| {
            if let Some(m) = ex.markets.get_mut(&market) {
                m.mark = dec(mark);
                m.index = dec(index);
                ex.touched_stats.insert(market);
            }
        });
    }

    /// Replaces the scripted liquidity; levels are (price, size) decimal strings.
    pub fn set_book(&self, market: i16, bids: &[(&str, &str)], asks: &[(&str, &str)]) {
        let now = self.inner.config.clock.now_ms();
        self.with(|ex| {
            let Some(mk) = ex.markets.get(&market).cloned() else { return };
            let conv = |v: &[(&str, &str)]| {
                v.iter().filter_map(|(p, s)| Some((mk.ticks(dec(p))?, mk.units(dec(s))?))).collect::<Vec<_>>()
            };
            ex.set_book(market, &conv(bids), &conv(asks), now);
        });
    }

    /// Best `depth` levels per side as (price, size) decimals, best first.
    pub fn book(&self, market: i16, depth: usize) -> (Vec<(Decimal, Decimal)>, Vec<(Decimal, Decimal)>) {
        let ex = self.inner.lock();
        let Some(mk) = ex.markets.get(&market) else { return Default::default() };
        let side = |is_ask| {
            ex.book_levels(market, is_ask, depth).into_iter().map(|(p, u)| (mk.price(p), mk.size(u))).collect()
        };
        (side(false), side(true))
    }

    /// As if another client used the key: the next tx with the old nonce gets 21104.
    pub fn bump_nonce(&self, account: i64, api_key: u8, by: i64) {
        self.with(|ex| {
            if let Some(a) = ex.accounts.get_mut(&account) {
                *a.next_nonce.entry(api_key).or_default() += by;
            }
        });
    }

    pub fn next_nonce(&self, account: i64, api_key: u8) -> i64 {
        self.inner.lock().accounts.get(&account).and_then(|a| a.next_nonce.get(&api_key)).copied().unwrap_or(0)
    }

    /// CreateOrder submissions received for a client order index (accepted or refused).
    pub fn submissions(&self, account: i64, client_order_index: i64) -> usize {
        self.inner.lock().submissions.get(&(account, client_order_index)).copied().unwrap_or(0)
    }

    /// Signed position size in base units of the market's decimals, as a decimal.
    pub fn position(&self, account: i64, market: i16) -> Decimal {
        let ex = self.inner.lock();
        ex.markets.get(&market).map_or(Decimal::ZERO, |m| m.size(ex.position(account, market)))
    }

    pub fn collateral(&self, account: i64) -> Decimal {
        self.inner.lock().accounts.get(&account).map_or(Decimal::ZERO, |a| a.collateral)
    }

    pub fn order_status(&self, account: i64, client_order_index: i64) -> Option<String> {
        let ex = self.inner.lock();
        let id = ex.by_coi.get(&(account, client_order_index))?;
        ex.orders.get(id).map(|o| o.status.to_owned())
    }

    /// (signatures verified, verifier disagreements).
    pub fn verifications(&self) -> (usize, usize) {
        (self.inner.verifications.load(Ordering::SeqCst), self.inner.verifier_disagreements.load(Ordering::SeqCst))
    }

    /// How many sendTx were refused with `code` (e.g. 21104).
    pub fn rejections(&self, code: i64) -> usize {
        self.inner.rejections.lock().unwrap_or_else(|e| e.into_inner()).get(&code).copied().unwrap_or(0)
    }

    pub fn pongs(&self) -> usize {
        self.inner.pongs.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> usize {
        self.inner.requests.load(Ordering::SeqCst)
    }

    /// WebSocket sessions opened so far.
    pub fn sessions(&self) -> usize {
        self.inner.sessions.load(Ordering::SeqCst)
    }

    pub fn set_rate_limit(&self, per_minute: Option<u32>) {
        let mut w = self.inner.rate_window.lock().unwrap_or_else(|e| e.into_inner());
        *w = (per_minute, VecDeque::new());
    }

    pub fn faults(&self) -> std::sync::MutexGuard<'_, Faults> {
        self.inner.faults()
    }

    pub fn set_apply_delay(&self, d: Duration) {
        self.inner.faults().apply_delay = d;
    }

    pub fn inject_book_gap(&self, market: i16) {
        self.inner.faults().book_gaps.insert(market);
    }

    /// Closes every WebSocket abruptly (no close frame), as a network drop would.
    pub fn drop_sockets(&self) {
        self.inner.kill.send_modify(|g| *g += 1);
    }

    /// Sends `text` verbatim to every open socket.
    pub fn send_raw(&self, text: &str) {
        let _ = self.inner.pushes.send(Push {
            channel: "*".into(),
            frame: text.to_owned(),
            book_nonce: None,
            account: false,
        });
    }
}

fn add_account(ex: &mut Exchange, a: &FakeAccount) {
    let acct = ex.accounts.entry(a.index).or_insert_with(|| Account {
        index: a.index,
        collateral: a.collateral,
        keys: BTreeMap::new(),
        next_nonce: BTreeMap::new(),
        positions: BTreeMap::new(),
        unlimited: false,
    });
    for (k, pk) in &a.keys {
        acct.keys.insert(*k, *pk);
        acct.next_nonce.entry(*k).or_insert(0);
    }
}

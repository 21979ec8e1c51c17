//! The fake's shared core: exchange state behind one lock, the clock, request counters, the
//! fault switches, and the broadcast channels its sockets read (market data, user events,
//! socket control). Funding settlement and clock advance live here because both touch
//! everything.

use super::FakeConfig;
use super::clock::FakeClock;
use super::events::{account_update, book_ticker_update, mark_price_update};
use super::state::{Exchange, HOUR_MS};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

/// Which socket route a connection or control message concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WsRoute {
    Market,
    Public,
    Private,
}

impl WsRoute {
    /// markPrice and everything else public on `/market`; book data on `/public`.
    pub fn of_stream(stream: &str) -> WsRoute {
        if stream.contains("bookTicker") || stream.contains("@depth") { WsRoute::Public } else { WsRoute::Market }
    }
}

#[derive(Debug, Clone)]
pub struct MarketPush {
    pub stream: String,
    pub data: Arc<str>,
}

#[derive(Debug, Clone)]
pub enum Control {
    /// Drop matching connections without a close frame (all routes if `None`).
    Drop(Option<WsRoute>),
    Ping(Option<WsRoute>, Vec<u8>),
    /// Send this text as-is (garbage injection).
    Raw(WsRoute, String),
    /// Send listenKeyExpired on connections using this key, then close them.
    ExpireKey(String),
}

/// What happens to an order that the fake accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterAccept {
    /// HTTP 503 with an HTML body.
    ServerError,
    /// `-1007` "execution status unknown".
    UnknownStatus,
    /// Hold the response this long (longer than the client's timeout).
    Stall(Duration),
}

/// Delivery of ORDER_TRADE_UPDATE / ACCOUNT_UPDATE(m=ORDER) events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderEvents {
    #[default]
    Deliver,
    /// Held until `release_withheld` (a delayed fill).
    Withhold,
    /// Never sent (a lost fill).
    Drop,
}

#[derive(Debug, Default)]
pub struct Faults {
    pub storm_429: u32,
    pub retry_after_429_s: u64,
    pub ban_418_s: Option<u64>,
    pub after_accept: std::collections::VecDeque<AfterAccept>,
    pub order_events: OrderEvents,
    pub refuse_ws: u32,
    /// Order requests answered 503 *before* the matching engine sees them.
    pub lose_orders: u32,
}

/// A fixed window aligned to multiples of its length, as Binance's counters are.
#[derive(Debug, Default, Clone, Copy)]
pub struct Window {
    pub start: i64,
    pub used: u32,
}

impl Window {
    pub fn roll(&mut self, now: i64, len: i64) {
        let start = now.div_euclid(len) * len;
        if start != self.start {
            self.start = start;
            self.used = 0;
        }
    }
}

#[derive(Debug, Default)]
pub struct Counters {
    pub requests: u64,
    pub by_path: HashMap<String, u64>,
    pub while_banned: u64,
    pub codes: HashMap<i64, u64>,
    pub weight: Window,
    pub orders_10s: Window,
    pub orders_1m: Window,
    pub ban_until_ms: i64,
    pub submissions: HashMap<String, u32>,
    pub ws_connections: HashMap<WsRoute, u64>,
    pub pongs: Vec<(WsRoute, Vec<u8>)>,
}

pub struct Fake {
    pub config: FakeConfig,
    pub clock: FakeClock,
    ex: Mutex<Exchange>,
    counters: Mutex<Counters>,
    faults: Mutex<Faults>,
    withheld: Mutex<Vec<String>>,
    pub market_tx: broadcast::Sender<MarketPush>,
    pub user_tx: broadcast::Sender<Arc<str>>,
    pub control_tx: broadcast::Sender<Control>,
    pub cancel: CancellationToken,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A test double: a panic in one handler must not wedge every later request.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Fake {
    pub fn new(config: FakeConfig, clock: FakeClock, ex: Exchange, cancel: CancellationToken) -> Self {
        Self {
            config,
            clock,
            ex: Mutex::new(ex),
            counters: Mutex::new(Counters::default()),
            faults: Mutex::new(Faults::default()),
            withheld: Mutex::new(Vec::new()),
            market_tx: broadcast::channel(4096).0,
            user_tx: broadcast::channel(4096).0,
            control_tx: broadcast::channel(256).0,
            cancel,
        }
    }

    pub fn ex(&self) -> MutexGuard<'_, Exchange> {
        lock(&self.ex)
    }

    pub fn counters(&self) -> MutexGuard<'_, Counters> {
        lock(&self.counters)
    }

    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        lock(&self.faults)
    }

    pub fn control(&self, c: Control) {
        let _ = self.control_tx.send(c);
    }

    /// Order events go through the delivery fault; everything else is sent.
    pub fn emit_order_events(&self, events: Vec<String>) {
        let mode = self.faults().order_events;
        for e in events.into_iter().filter(|e| !e.is_empty()) {
            match mode {
                OrderEvents::Deliver => {
                    let _ = self.user_tx.send(e.into());
                }
                OrderEvents::Withhold => lock(&self.withheld).push(e),
                OrderEvents::Drop => {}
            }
        }
    }

    pub fn emit_user(&self, event: String) {
        let _ = self.user_tx.send(event.into());
    }

    pub fn release_withheld(&self) {
        for e in std::mem::take(&mut *lock(&self.withheld)) {
            let _ = self.user_tx.send(e.into());
        }
    }

    /// One round of market data: per-symbol mark and book, and the all-symbol arrays.
    pub fn push_market(&self) {
        let now = self.clock.now_ms();
        let mut pushes = Vec::new();
        {
            let ex = self.ex();
            let mut marks = Vec::new();
            for s in ex.symbols.values() {
                let lower = s.spec.symbol.to_ascii_lowercase();
                let mark = mark_price_update(s, now);
                let book: Arc<str> = book_ticker_update(s, now).to_string().into();
                let mark_text: Arc<str> = mark.to_string().into();
                pushes.push((format!("{lower}@markPrice@1s"), mark_text.clone()));
                pushes.push((format!("{lower}@markPrice"), mark_text));
                pushes.push((format!("{lower}@bookTicker"), book.clone()));
                pushes.push(("!bookTicker".to_owned(), book));
                marks.push(mark);
            }
            let all: Arc<str> = serde_json::Value::Array(marks).to_string().into();
            pushes.push(("!markPrice@arr@1s".to_owned(), all.clone()));
            pushes.push(("!markPrice@arr".to_owned(), all));
        }
        for (stream, data) in pushes {
            let _ = self.market_tx.send(MarketPush { stream, data });
        }
    }

    /// Settle one symbol at `at_ms`: a history row, and for an open position a FUNDING_FEE
    /// income row and an ACCOUNT_UPDATE (balance row only, as for cross margin).
    fn settle(&self, ex: &mut Exchange, symbol: &str, at_ms: i64) -> Option<String> {
        let s = ex.symbols.get_mut(symbol)?;
        let (rate, mark) = (s.spec.funding_rate, s.spec.mark);
        s.history.push((at_ms, rate, mark));
        let qty = ex.position(symbol).qty;
        if qty.is_zero() {
            return None;
        }
        let amount = -(qty * mark * rate).round_dp(8);
        ex.wallet += amount;
        ex.add_income(symbol, "FUNDING_FEE", amount, at_ms, String::new());
        Some(account_update(ex, "FUNDING_FEE", &[], amount, at_ms))
    }

    /// Let time run to `symbol`'s next funding time, settling it (and anything else due).
    pub fn settle_next(&self, symbol: &str) -> bool {
        let Some(due) = self.ex().symbols.get(symbol).map(|s| s.next_funding_ms) else { return false };
        self.advance((due - self.clock.now_ms()).max(0));
        true
    }

    /// Move the clock forward, settling every funding time crossed (at its scheduled time)
    /// and expiring the listenKey if its hour ran out.
    pub fn advance(&self, ms: i64) {
        self.clock.shift(ms);
        let now = self.clock.now_ms();
        let mut events = Vec::new();
        let mut expired = None;
        {
            let mut ex = self.ex();
            let symbols: Vec<String> = ex.symbols.keys().cloned().collect();
            for sym in symbols {
                while let Some((due, step)) = ex
                    .symbols
                    .get(&sym)
                    .map(|s| (s.next_funding_ms, i64::from(s.spec.interval_hours) * HOUR_MS))
                    .filter(|(due, _)| *due <= now)
                {
                    events.extend(self.settle(&mut ex, &sym, due));
                    if let Some(s) = ex.symbols.get_mut(&sym) {
                        s.next_funding_ms = due + step;
                    }
                }
            }
            if ex.listen_key.as_ref().is_some_and(|(_, exp)| *exp <= now) {
                expired = ex.listen_key.take().map(|(k, _)| k);
            }
        }
        events.into_iter().for_each(|e| self.emit_user(e));
        if let Some(key) = expired {
            self.expire_key(&key);
        }
    }

    pub fn expire_key(&self, key: &str) {
        {
            let mut ex = self.ex();
            if ex.listen_key.as_ref().is_some_and(|(k, _)| k == key) {
                ex.listen_key = None;
            }
        }
        self.control(Control::ExpireKey(key.to_owned()));
    }

    pub fn record_pong(&self, route: WsRoute, payload: Vec<u8>) {
        self.counters().pongs.push((route, payload));
    }

    pub fn wallet(&self) -> Decimal {
        self.ex().wallet
    }
}

/// Count an accepted order against the ORDERS windows.
pub fn count_order(fake: &Fake, now: i64) {
    let mut c = fake.counters();
    c.orders_10s.roll(now, 10_000);
    c.orders_1m.roll(now, 60_000);
    c.orders_10s.used += 1;
    c.orders_1m.used += 1;
}

//! [`FakeHandle`]: how a test (or the `/_fake` control routes) scripts the market, injects
//! faults, moves the clock and reads the counters that prove what reached the venue.

use super::clock::FakeClock;
use super::core::{AfterAccept, Control, Fake, OrderEvents, WsRoute};
use super::matching;
use rust_decimal::Decimal;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct FakeHandle {
    fake: Arc<Fake>,
    addr: SocketAddr,
}

impl FakeHandle {
    pub(super) fn new(fake: Arc<Fake>, addr: SocketAddr) -> Self {
        Self { fake, addr }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn rest_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    pub fn api_key(&self) -> &str {
        &self.fake.config.api_key
    }

    pub fn api_secret(&self) -> &str {
        &self.fake.config.api_secret
    }

    pub fn shutdown(&self) {
        self.fake.cancel.cancel();
    }

    pub async fn stopped(&self) {
        self.fake.cancel.cancelled().await;
    }

    // --- clock ---

    pub fn clock(&self) -> FakeClock {
        self.fake.clock.clone()
    }

    pub fn now_ms(&self) -> i64 {
        self.fake.clock.now_ms()
    }

    /// Skew the venue's clock by `ms` (negative: behind) without settling anything.
    pub fn skew_clock(&self, ms: i64) {
        self.fake.clock.shift(ms);
    }

    /// Let `ms` pass: settles funding times crossed and expires an unrenewed listenKey.
    pub fn advance(&self, ms: i64) {
        self.fake.advance(ms);
    }

    // --- market script ---

    fn with_symbol(&self, symbol: &str, f: impl FnOnce(&mut super::state::SymbolState)) -> bool {
        let now = self.now_ms();
        let events = {
            let mut ex = self.fake.ex();
            let Some(s) = ex.symbols.get_mut(symbol) else { return false };
            f(s);
            matching::on_book_change(&mut ex, symbol, now)
        };
        self.fake.emit_order_events(events);
        true
    }

    /// New mark (and index); the book is re-centred on it, so resting orders may fill.
    pub fn set_mark(&self, symbol: &str, mark: Decimal) -> bool {
        self.with_symbol(symbol, |s| {
            s.spec.mark = mark;
            s.index = mark;
            s.book_around_mark();
        })
    }

    /// Explicit book, best level first on each side.
    pub fn set_book(&self, symbol: &str, bids: Vec<(Decimal, Decimal)>, asks: Vec<(Decimal, Decimal)>) -> bool {
        self.with_symbol(symbol, |s| {
            s.bids = bids;
            s.asks = asks;
            s.book_update_id += 1;
        })
    }

    pub fn set_funding_rate(&self, symbol: &str, rate: Decimal) -> bool {
        self.with_symbol(symbol, |s| s.spec.funding_rate = rate)
    }

    pub fn set_funding_interval(&self, symbol: &str, hours: u32) -> bool {
        self.with_symbol(symbol, |s| s.spec.interval_hours = hours)
    }

    pub fn set_next_funding(&self, symbol: &str, time_ms: i64) -> bool {
        self.with_symbol(symbol, |s| s.next_funding_ms = time_ms)
    }

    pub fn next_funding(&self, symbol: &str) -> Option<i64> {
        self.fake.ex().symbols.get(symbol).map(|s| s.next_funding_ms)
    }

    /// Run the fake clock to `symbol`'s next funding time and settle there: a history row,
    /// and for an open position FUNDING_FEE income and an ACCOUNT_UPDATE. Settlements stay on
    /// the interval grid, as Binance's do; a connector not sharing the fake clock will see
    /// `-1021` once and resync.
    pub fn settle_funding(&self, symbol: &str) -> bool {
        self.fake.settle_next(symbol)
    }

    /// Push one round of market data now instead of waiting for the ticker.
    pub fn push_market(&self) {
        self.fake.push_market();
    }

    // --- faults ---

    /// The next `n` requests get 429 (`Retry-After: retry_after_s`); then, if `ban_s` is
    /// given, the next one gets 418 and a ban of `ban_s` seconds on the fake clock.
    pub fn rate_limit_storm(&self, n: u32, retry_after_s: u64, ban_s: Option<u64>) {
        let mut f = self.fake.faults();
        f.storm_429 = n;
        f.retry_after_429_s = retry_after_s;
        f.ban_418_s = ban_s;
    }

    /// The next accepted order is processed, then answered with this fault.
    pub fn fail_next_order_after_accept(&self, fault: AfterAccept) {
        self.fake.faults().after_accept.push_back(fault);
    }

    /// The next `n` order requests get a 502 without reaching the matching engine.
    pub fn lose_next_orders(&self, n: u32) {
        self.fake.faults().lose_orders = n;
    }

    pub fn set_order_events(&self, mode: OrderEvents) {
        self.fake.faults().order_events = mode;
    }

    pub fn release_withheld(&self) {
        self.fake.release_withheld();
    }

    /// Drop connections on `route` (all routes if `None`) without a close frame.
    pub fn drop_sockets(&self, route: Option<WsRoute>) {
        self.fake.control(Control::Drop(route));
    }

    /// Refuse the next `n` WebSocket upgrades with 503.
    pub fn refuse_ws(&self, n: u32) {
        self.fake.faults().refuse_ws = n;
    }

    pub fn send_raw(&self, route: WsRoute, text: &str) {
        self.fake.control(Control::Raw(route, text.to_owned()));
    }

    pub fn ping(&self, route: Option<WsRoute>, payload: &[u8]) {
        self.fake.control(Control::Ping(route, payload.to_vec()));
    }

    /// Expire the active listenKey now (listenKeyExpired, then the socket closes).
    pub fn expire_listen_key(&self) -> bool {
        let key = self.fake.ex().listen_key.as_ref().map(|(k, _)| k.clone());
        key.map(|k| self.fake.expire_key(&k)).is_some()
    }

    /// Forget the listenKey silently (as if it lapsed): the next keepalive gets -1125.
    pub fn forget_listen_key(&self) {
        self.fake.ex().listen_key = None;
    }

    // --- what happened ---

    pub fn requests(&self) -> u64 {
        self.fake.counters().requests
    }

    pub fn requests_to(&self, path: &str) -> u64 {
        self.fake.counters().by_path.get(path).copied().unwrap_or(0)
    }

    /// Requests that arrived while the fake's 418 ban was in force.
    pub fn requests_while_banned(&self) -> u64 {
        self.fake.counters().while_banned
    }

    /// How many error responses carried this Binance code.
    pub fn error_count(&self, code: i64) -> u64 {
        self.fake.counters().codes.get(&code).copied().unwrap_or(0)
    }

    /// `POST /fapi/v1/order` requests that carried this `newClientOrderId`.
    pub fn order_submissions(&self, client_order_id: &str) -> u32 {
        self.fake.counters().submissions.get(client_order_id).copied().unwrap_or(0)
    }

    pub fn ws_connections(&self, route: WsRoute) -> u64 {
        self.fake.counters().ws_connections.get(&route).copied().unwrap_or(0)
    }

    pub fn pongs(&self) -> Vec<(WsRoute, Vec<u8>)> {
        self.fake.counters().pongs.clone()
    }

    pub fn position(&self, symbol: &str) -> Decimal {
        self.fake.ex().position(symbol).qty
    }

    pub fn wallet(&self) -> Decimal {
        self.fake.wallet()
    }

    pub fn open_orders(&self) -> usize {
        self.fake.ex().orders.values().filter(|o| o.is_open()).count()
    }

    pub fn listen_key(&self) -> Option<String> {
        self.fake.ex().listen_key.as_ref().map(|(k, _)| k.clone())
    }

    /// Stall the next order's response (longer than the client timeout).
    pub fn stall_next_order(&self, d: Duration) {
        self.fail_next_order_after_accept(AfterAccept::Stall(d));
    }
}

//! The fake venue's matching engine and account book-keeping: orders rest or match against
//! the book (price-time), fills move positions and realise P&L into collateral, margin is
//! checked against marks, and every change is remembered as "touched" so that `pushes` can
//! emit exactly the WebSocket updates the venue would. Pure: no I/O, no clock of its own.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use rust_decimal::Decimal;

use super::model::{Account, Book, FakeMarket, FakeOrder, FakePosition, FundingRow, PositionFundingRow, TradeRow};
use lighter_signer::tx::{order_type, time_in_force};

/// Order indexes start above 2⁴⁸, which is how CancelOrder tells them from client indexes.
pub const FIRST_ORDER_INDEX: i64 = (1 << 48) + 1_000;

#[derive(Debug, Clone)]
pub struct TxRecord {
    /// 0 failed, 1 pending, 2 executed.
    pub status: u8,
    pub tx_type: u8,
    pub account: i64,
    pub nonce: i64,
}

/// What changed in one batch, per account, for the account channels.
#[derive(Debug, Default, Clone)]
pub struct AccountTouch {
    pub orders: BTreeSet<i64>,
    pub trades: Vec<usize>,
    pub fundings: Vec<usize>,
    pub markets: BTreeSet<i16>,
}

/// A new order as the matching engine sees it.
#[derive(Debug, Clone, Copy)]
pub struct NewOrder {
    pub account: i64,
    pub market: i16,
    pub client_order_index: i64,
    pub is_ask: bool,
    pub price: u32,
    pub units: i64,
    pub order_type: u8,
    pub tif: u8,
    pub reduce_only: bool,
    pub expiry: i64,
    pub nonce: i64,
}

#[derive(Debug, Default)]
pub struct Exchange {
    pub markets: BTreeMap<i16, FakeMarket>,
    pub books: BTreeMap<i16, Book>,
    pub accounts: BTreeMap<i64, Account>,
    pub orders: HashMap<i64, FakeOrder>,
    pub by_coi: HashMap<(i64, i64), i64>,
    /// Client order indexes ever accepted, per account: a second use is 21728.
    pub used_coi: HashSet<(i64, i64)>,
    pub trades: Vec<TradeRow>,
    pub position_fundings: Vec<PositionFundingRow>,
    pub fundings: BTreeMap<i16, Vec<FundingRow>>,
    pub txs: HashMap<String, TxRecord>,
    /// CreateOrder submissions per (account, client order index), accepted or not.
    pub submissions: HashMap<(i64, i64), usize>,
    pub maker_account: i64,
    pub next_order_index: i64,
    pub next_trade_id: i64,
    pub next_funding_id: i64,
    /// Book levels (is_ask, price) changed since the last push, per market.
    pub touched_levels: BTreeMap<i16, BTreeSet<(bool, u32)>>,
    pub touched_accounts: BTreeMap<i64, AccountTouch>,
    pub touched_stats: BTreeSet<i16>,
}

impl Exchange {
    pub fn new(maker_account: i64) -> Self {
        Self {
            maker_account,
            next_order_index: FIRST_ORDER_INDEX,
            next_trade_id: 1,
            next_funding_id: 1,
            ..Default::default()
        }
    }

    fn touch_account(&mut self, account: i64) -> &mut AccountTouch {
        self.touched_accounts.entry(account).or_default()
    }

    pub fn position(&self, account: i64, market: i16) -> i64 {
        self.accounts.get(&account).and_then(|a| a.positions.get(&market)).map_or(0, |p| p.units)
    }

    /// Collateral + unrealised P&L − initial margin of positions and open orders.
    pub fn free_margin(&self, account: i64) -> Decimal {
        let Some(acct) = self.accounts.get(&account) else { return Decimal::ZERO };
        let mut free = acct.collateral;
        for (m, p) in &acct.positions {
            let Some(mk) = self.markets.get(m) else { continue };
            let size = mk.size(p.units);
            free += size * (mk.mark - p.entry);
            free -= size.abs() * mk.mark * Decimal::from(mk.default_imf) / Decimal::from(10_000);
        }
        for o in self.orders.values().filter(|o| o.account == account && o.is_open()) {
            if let Some(mk) = self.markets.get(&o.market) {
                free -=
                    mk.size(o.remaining) * mk.price(o.price) * Decimal::from(mk.default_imf) / Decimal::from(10_000);
            }
        }
        free
    }

    /// Initial margin a new order needs; zero when it only reduces the position.
    pub fn margin_needed(&self, o: &NewOrder) -> Decimal {
        let pos = self.position(o.account, o.market);
        let reducing = (o.is_ask && pos > 0 && o.units <= pos) || (!o.is_ask && pos < 0 && o.units <= -pos);
        match self.markets.get(&o.market) {
            Some(mk) if !reducing && !o.reduce_only => {
                mk.size(o.units) * mk.price(o.price) * Decimal::from(mk.default_imf) / Decimal::from(10_000)
            }
            _ => Decimal::ZERO,
        }
    }

    /// Whether an order would take liquidity now (decides the taker or maker speed bump).
    pub fn crosses(&self, market: i16, is_ask: bool, price: u32) -> bool {
        let Some(book) = self.books.get(&market) else { return false };
        if is_ask {
            book.bids.keys().next_back().is_some_and(|b| *b >= price)
        } else {
            book.asks.keys().next().is_some_and(|a| *a <= price)
        }
    }

    pub fn level_units(&self, market: i16, is_ask: bool, price: u32) -> i64 {
        let Some(book) = self.books.get(&market) else { return 0 };
        let side = if is_ask { &book.asks } else { &book.bids };
        side.get(&price).map_or(0, |q| q.iter().filter_map(|i| self.orders.get(i)).map(|o| o.remaining).sum())
    }

    /// Applies an accepted CreateOrder: caps reduce-only, refuses crossing post-only and
    /// unmargined takers (as the sequencer cancels them), matches, rests the remainder.
    pub fn place(&mut self, n: NewOrder, tx_hash: &str, now_ms: i64) -> i64 {
        let order_index = self.next_order_index;
        self.next_order_index += 1;
        let mut o = FakeOrder {
            order_index,
            client_order_index: n.client_order_index,
            market: n.market,
            account: n.account,
            is_ask: n.is_ask,
            price: n.price,
            initial: n.units,
            remaining: n.units,
            filled: 0,
            filled_quote: Decimal::ZERO,
            order_type: n.order_type,
            tif: n.tif,
            reduce_only: n.reduce_only,
            expiry: n.expiry,
            status: "open",
            nonce: n.nonce,
            created_ms: now_ms,
            updated_ms: now_ms,
        };
        let unlimited = self.accounts.get(&n.account).is_some_and(|a| a.unlimited);
        let pos = self.position(n.account, n.market);
        let crossing = self.crosses(n.market, n.is_ask, n.price);
        if n.reduce_only {
            let reducing = (n.is_ask && pos > 0) || (!n.is_ask && pos < 0);
            if !reducing {
                o.status = "canceled-reduce-only";
            } else if o.remaining == 0 || o.remaining > pos.abs() {
                o.remaining = pos.abs();
                o.initial = o.initial.max(o.remaining);
            }
        }
        if o.status == "open" && n.tif == time_in_force::POST_ONLY && crossing {
            o.status = "canceled-post-only";
        }
        if o.status == "open" && !unlimited && self.margin_needed(&n) > self.free_margin(n.account) {
            o.status = "canceled-margin-not-allowed";
        }
        if o.status == "open" {
            self.match_order(&mut o, tx_hash, now_ms);
            if o.remaining == 0 {
                o.status = "filled";
            } else if n.tif == time_in_force::IMMEDIATE_OR_CANCEL || n.order_type == order_type::MARKET {
                o.status = "canceled";
            } else {
                self.books
                    .entry(n.market)
                    .or_default()
                    .side(n.is_ask)
                    .entry(n.price)
                    .or_default()
                    .push_back(order_index);
                self.touched_levels.entry(n.market).or_default().insert((n.is_ask, n.price));
            }
        }
        if n.client_order_index != 0 {
            self.by_coi.insert((n.account, n.client_order_index), order_index);
        }
        let touch = self.touch_account(n.account);
        touch.orders.insert(order_index);
        touch.markets.insert(n.market);
        self.orders.insert(order_index, o);
        order_index
    }

    fn match_order(&mut self, taker: &mut FakeOrder, tx_hash: &str, now_ms: i64) {
        let market = taker.market;
        while taker.remaining > 0 {
            let best = self.books.get(&market).and_then(|b| {
                if taker.is_ask { b.bids.iter().next_back() } else { b.asks.iter().next() }
                    .and_then(|(p, q)| q.front().map(|id| (*p, *id)))
            });
            let Some((price, maker_id)) = best else { break };
            let crosses = if taker.is_ask { price >= taker.price } else { price <= taker.price };
            if !crosses {
                break;
            }
            let Some(mut maker) = self.orders.remove(&maker_id) else {
                // A stale index (should not happen): drop it rather than loop on it.
                if let Some(b) = self.books.get_mut(&market) {
                    b.remove(!taker.is_ask, price, maker_id);
                }
                continue;
            };
            let qty = taker.remaining.min(maker.remaining);
            self.trade(&mut maker, taker, qty, price, tx_hash, now_ms);
            if maker.remaining == 0 {
                maker.status = "filled";
                if let Some(b) = self.books.get_mut(&market) {
                    b.remove(maker.is_ask, price, maker_id);
                }
            }
            self.touched_levels.entry(market).or_default().insert((maker.is_ask, price));
            self.orders.insert(maker_id, maker);
        }
    }

    fn trade(
        &mut self,
        maker: &mut FakeOrder,
        taker: &mut FakeOrder,
        qty: i64,
        price: u32,
        tx_hash: &str,
        now_ms: i64,
    ) {
        let Some(mk) = self.markets.get(&taker.market).cloned() else { return };
        let quote = mk.size(qty) * mk.price(price);
        for o in [&mut *maker, &mut *taker] {
            o.remaining -= qty;
            o.filled += qty;
            o.filled_quote += quote;
            o.updated_ms = now_ms;
        }
        let (ask, bid) = if maker.is_ask { (&*maker, &*taker) } else { (&*taker, &*maker) };
        let row = TradeRow {
            trade_id: self.next_trade_id,
            tx_hash: tx_hash.to_owned(),
            market: taker.market,
            size: qty,
            price,
            ask_id: ask.order_index,
            bid_id: bid.order_index,
            ask_client_id: ask.client_order_index,
            bid_client_id: bid.client_order_index,
            ask_account: ask.account,
            bid_account: bid.account,
            is_maker_ask: maker.is_ask,
            timestamp_ms: now_ms,
        };
        self.next_trade_id += 1;
        let idx = self.trades.len();
        let (ask_account, bid_account) = (row.ask_account, row.bid_account);
        self.trades.push(row);
        self.apply_fill(ask_account, &mk, -qty, price);
        self.apply_fill(bid_account, &mk, qty, price);
        for (account, order) in [(ask_account, ask.order_index), (bid_account, bid.order_index)] {
            let touch = self.touch_account(account);
            touch.trades.push(idx);
            touch.orders.insert(order);
            touch.markets.insert(mk.market_id);
        }
    }

    /// Moves a position by `delta` units at `price`, realising P&L on the part that closes.
    fn apply_fill(&mut self, account: i64, mk: &FakeMarket, delta: i64, price: u32) {
        let Some(acct) = self.accounts.get_mut(&account) else { return };
        let px = mk.price(price);
        let pos = acct.positions.entry(mk.market_id).or_insert_with(FakePosition::default);
        let old = pos.units;
        let new = old + delta;
        if old == 0 || old.signum() == delta.signum() {
            let (o, d) = (mk.size(old).abs(), mk.size(delta).abs());
            pos.entry = if o + d > Decimal::ZERO { (pos.entry * o + px * d) / (o + d) } else { px };
        } else {
            let closed = delta.abs().min(old.abs());
            let pnl = mk.size(closed) * (px - pos.entry) * Decimal::from(old.signum());
            pos.realized += pnl;
            acct.collateral += pnl;
            if new.signum() == delta.signum() && new != 0 {
                pos.entry = px;
            }
        }
        pos.units = new;
        if new == 0 {
            pos.entry = Decimal::ZERO;
        }
    }

    /// Applies a CancelOrder; `index` is a client order index (< 2⁴⁸) or an order index.
    pub fn cancel(&mut self, account: i64, market: i16, index: i64, now_ms: i64) -> bool {
        let order_index = if index < (1 << 48) { self.by_coi.get(&(account, index)).copied() } else { Some(index) };
        let Some(id) = order_index else { return false };
        let Some(o) = self.orders.get_mut(&id) else { return false };
        if o.account != account || o.market != market || !o.is_open() {
            return false;
        }
        o.status = "canceled";
        o.updated_ms = now_ms;
        let (is_ask, price) = (o.is_ask, o.price);
        if let Some(b) = self.books.get_mut(&market) {
            b.remove(is_ask, price, id);
        }
        self.touched_levels.entry(market).or_default().insert((is_ask, price));
        let touch = self.touch_account(account);
        touch.orders.insert(id);
        touch.markets.insert(market);
        true
    }

    /// Replaces the scripted liquidity of a market: the maker account's orders are pulled
    /// and the given levels placed as resting orders (crossing user orders trade with them).
    pub fn set_book(&mut self, market: i16, bids: &[(u32, i64)], asks: &[(u32, i64)], now_ms: i64) {
        let maker = self.maker_account;
        let ids: Vec<i64> = self
            .orders
            .values()
            .filter(|o| o.account == maker && o.market == market && o.is_open())
            .map(|o| o.order_index)
            .collect();
        for id in ids {
            self.cancel(maker, market, id, now_ms);
        }
        self.touched_accounts.remove(&maker);
        for (is_ask, levels) in [(false, bids), (true, asks)] {
            for &(price, units) in levels {
                let n = NewOrder {
                    account: maker,
                    market,
                    client_order_index: 0,
                    is_ask,
                    price,
                    units,
                    order_type: order_type::LIMIT,
                    tif: time_in_force::GOOD_TILL_TIME,
                    reduce_only: false,
                    expiry: now_ms + 86_400_000,
                    nonce: 0,
                };
                self.place(n, "scripted", now_ms);
            }
        }
        self.touched_accounts.remove(&maker);
    }
}

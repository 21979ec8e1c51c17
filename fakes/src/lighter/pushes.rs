//! What the fake's WebSocket sends: `update/…` frames for everything a batch touched, and
//! `subscribed/…` snapshots for a new subscription. Frames carry the channel with `:`.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::exchange::Exchange;
use super::json;

/// One frame for the sessions subscribed to `channel`.
#[derive(Debug, Clone)]
pub struct Push {
    pub channel: String,
    pub frame: String,
    /// For `order_book` updates: sessions drop those at or below their snapshot's nonce.
    pub book_nonce: Option<i64>,
    /// Account channels can be lost on purpose (the "lost fills" fault).
    pub account: bool,
}

fn frame(kind: &str, channel: &str, mut body: Map<String, Value>) -> String {
    body.insert("type".into(), Value::String(kind.into()));
    body.insert("channel".into(), Value::String(channel.into()));
    Value::Object(body).to_string()
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

impl Exchange {
    /// Aggregated levels of a book side, best first.
    pub fn book_levels(&self, market: i16, is_ask: bool, depth: usize) -> Vec<(u32, i64)> {
        let Some(b) = self.books.get(&market) else { return Vec::new() };
        let side = if is_ask { &b.asks } else { &b.bids };
        let prices: Vec<u32> =
            if is_ask { side.keys().copied().collect() } else { side.keys().rev().copied().collect() };
        prices
            .into_iter()
            .map(|p| (p, self.level_units(market, is_ask, p)))
            .filter(|(_, u)| *u > 0)
            .take(depth)
            .collect()
    }

    /// The `subscribed/order_book` snapshot and its nonce.
    pub fn book_snapshot(&self, market: i16, now_ms: i64) -> Option<(String, i64)> {
        let mk = self.markets.get(&market)?;
        let nonce = self.books.get(&market).map_or(0, |b| b.nonce);
        let body = json!({
            "offset": nonce,
            "order_book": {"code": 0, "asks": json::levels(mk, &self.book_levels(market, true, 250)),
                "bids": json::levels(mk, &self.book_levels(market, false, 250)), "offset": nonce, "nonce": nonce,
                "last_updated_at": now_ms * 1000, "begin_nonce": 0},
            "timestamp": now_ms, "last_updated_at": now_ms * 1000
        });
        Some((frame("subscribed/order_book", &format!("order_book:{market}"), obj(body)), nonce))
    }

    pub fn stats_frame(&self, market: i16, kind: &str, now_ms: i64) -> Option<String> {
        let mk = self.markets.get(&market)?;
        let body = json!({"market_stats": json::market_stats(mk), "timestamp": now_ms});
        Some(frame(kind, &format!("market_stats:{market}"), obj(body)))
    }

    fn orders_by_market(
        &self,
        account: i64,
        filter: impl Fn(&super::model::FakeOrder) -> bool,
    ) -> BTreeMap<String, Vec<Value>> {
        let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let mut orders: Vec<_> = self.orders.values().filter(|o| o.account == account && filter(o)).collect();
        orders.sort_by_key(|o| o.order_index);
        for o in orders {
            if let Some(mk) = self.markets.get(&o.market) {
                out.entry(o.market.to_string()).or_default().push(json::order(o, mk));
            }
        }
        out
    }

    fn positions_json(&self, account: i64, markets: impl Iterator<Item = i16>) -> Map<String, Value> {
        let mut out = Map::new();
        let Some(acct) = self.accounts.get(&account) else { return out };
        for m in markets {
            if let Some(mk) = self.markets.get(&m) {
                let p = acct.positions.get(&m).cloned().unwrap_or_default();
                let open =
                    self.orders.values().filter(|o| o.account == account && o.market == m && o.is_open()).count();
                out.insert(m.to_string(), json::position(mk, &p, open));
            }
        }
        out
    }

    /// Snapshot for an account channel (`account_all:12`, `account_all_orders:12`,
    /// `account_orders:1:12`, `account_all_positions:12`, `account_all_trades:12`).
    pub fn account_snapshot(&self, kind: &str, channel: &str, account: i64, market: Option<i16>) -> String {
        let subscribed = format!("subscribed/{kind}");
        match kind {
            "account_all_orders" => frame(
                &subscribed,
                channel,
                obj(json!({"account": account, "orders": self.orders_by_market(account, |o| o.is_open())})),
            ),
            "account_orders" => {
                let orders = self.orders_by_market(account, |o| o.is_open() && Some(o.market) == market);
                frame(&subscribed, channel, obj(json!({"account": account, "nonce": 0, "orders": orders})))
            }
            "account_all_trades" => frame(&subscribed, channel, obj(json!({"trades": {}}))),
            _ => {
                let markets: Vec<i16> =
                    self.accounts.get(&account).map(|a| a.positions.keys().copied().collect()).unwrap_or_default();
                let positions = self.positions_json(account, markets.into_iter());
                let body = json!({"account": account, "positions": positions, "trades": {}, "funding_histories": {}, "shares": []});
                frame(&subscribed, channel, obj(body))
            }
        }
    }

    /// Every update frame the touched state calls for; clears the touched marks.
    pub fn drain_pushes(&mut self, now_ms: i64) -> Vec<Push> {
        let mut out = Vec::new();
        for (market, levels) in std::mem::take(&mut self.touched_levels) {
            let Some(mk) = self.markets.get(&market).cloned() else { continue };
            let (mut asks, mut bids) = (Vec::new(), Vec::new());
            for (is_ask, price) in levels {
                let units = self.level_units(market, is_ask, price);
                if is_ask { asks.push((price, units)) } else { bids.push((price, units)) }
            }
            let book = self.books.entry(market).or_default();
            let begin = book.nonce;
            book.nonce += 1;
            let nonce = book.nonce;
            let body = json!({
                "offset": nonce,
                "order_book": {"code": 0, "asks": json::levels(&mk, &asks), "bids": json::levels(&mk, &bids),
                    "offset": nonce, "nonce": nonce, "last_updated_at": now_ms * 1000, "begin_nonce": begin},
                "timestamp": now_ms
            });
            let channel = format!("order_book:{market}");
            out.push(Push {
                frame: frame("update/order_book", &channel, obj(body)),
                channel,
                book_nonce: Some(nonce),
                account: false,
            });
        }
        for market in std::mem::take(&mut self.touched_stats) {
            if let Some(f) = self.stats_frame(market, "update/market_stats", now_ms) {
                out.push(Push {
                    channel: format!("market_stats:{market}"),
                    frame: f,
                    book_nonce: None,
                    account: false,
                });
            }
        }
        for (account, touch) in std::mem::take(&mut self.touched_accounts) {
            if account == self.maker_account {
                continue;
            }
            let mut trades: BTreeMap<String, Vec<Value>> = BTreeMap::new();
            for i in &touch.trades {
                if let Some(t) = self.trades.get(*i)
                    && let Some(mk) = self.markets.get(&t.market)
                {
                    trades.entry(t.market.to_string()).or_default().push(json::trade(t, mk));
                }
            }
            let mut fundings: BTreeMap<String, Vec<Value>> = BTreeMap::new();
            for i in &touch.fundings {
                if let Some(r) = self.position_fundings.get(*i) {
                    fundings.entry(r.market.to_string()).or_default().push(json::position_funding(r));
                }
            }
            let positions = self.positions_json(account, touch.markets.iter().copied());
            let orders = self.orders_by_market(account, |o| touch.orders.contains(&o.order_index));
            let mut push = |channel: String, kind: &str, body: Value| {
                out.push(Push { frame: frame(kind, &channel, obj(body)), channel, book_nonce: None, account: true });
            };
            push(
                format!("account_all:{account}"),
                "update/account_all",
                json!({"account": account, "positions": positions, "trades": trades, "funding_histories": fundings}),
            );
            push(
                format!("account_all_positions:{account}"),
                "update/account_all_positions",
                json!({"positions": positions}),
            );
            if !trades.is_empty() {
                push(format!("account_all_trades:{account}"), "update/account_all_trades", json!({"trades": trades}));
            }
            if !orders.is_empty() {
                for (m, list) in &orders {
                    push(
                        format!("account_orders:{m}:{account}"),
                        "update/account_orders",
                        json!({"account": account, "nonce": now_ms, "orders": {m: list}}),
                    );
                }
                push(
                    format!("account_all_orders:{account}"),
                    "update/account_all_orders",
                    json!({"account": account, "orders": orders}),
                );
            }
        }
        out
    }
}

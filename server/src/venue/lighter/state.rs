//! What the connector remembers between requests: the market directory, the latest
//! `market_stats` per market, the local books, and the last order report, fills and funding
//! payments it published — so that the WebSocket push and the REST re-query after a
//! reconnect can both report the same change and subscribers see it once. Pure data.

use std::collections::{HashMap, HashSet, VecDeque};

use app::order::{Fill, FundingPayment, OrderReport};
use app::{ClientOrderId, Symbol};

use super::book::LocalBook;
use super::encode;
use super::parse::{LighterMarket, Stats};

#[derive(Debug, Default, Clone)]
pub struct Directory {
    by_symbol: HashMap<Symbol, LighterMarket>,
    by_id: HashMap<i16, Symbol>,
}

impl Directory {
    pub fn new(markets: Vec<LighterMarket>) -> Self {
        let by_id = markets.iter().map(|m| (m.market_id, m.symbol.clone())).collect();
        let by_symbol = markets.into_iter().map(|m| (m.symbol.clone(), m)).collect();
        Self { by_symbol, by_id }
    }

    pub fn market(&self, symbol: &Symbol) -> Option<&LighterMarket> {
        self.by_symbol.get(symbol)
    }

    pub fn symbol(&self, market_id: i16) -> Option<&Symbol> {
        self.by_id.get(&market_id)
    }

    pub fn markets(&self) -> impl Iterator<Item = &LighterMarket> {
        self.by_symbol.values()
    }

    pub fn is_empty(&self) -> bool {
        self.by_symbol.is_empty()
    }
}

/// A set that forgets its oldest entries beyond `cap`, for dedup keys that only grow.
#[derive(Debug)]
struct Recent<K> {
    set: HashSet<K>,
    order: VecDeque<K>,
    cap: usize,
}

impl<K: std::hash::Hash + Eq + Clone> Recent<K> {
    fn new(cap: usize) -> Self {
        Self { set: HashSet::new(), order: VecDeque::new(), cap }
    }

    /// True if `k` is new.
    fn insert(&mut self, k: K) -> bool {
        if !self.set.insert(k.clone()) {
            return false;
        }
        self.order.push_back(k);
        if self.order.len() > self.cap
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        true
    }
}

#[derive(Debug)]
pub struct Live {
    pub stats: HashMap<i16, Stats>,
    pub books: HashMap<i16, LocalBook>,
    /// Our ids for the client order indexes this process placed.
    registry: HashMap<i64, ClientOrderId>,
    /// Last report published per client order index.
    orders: HashMap<i64, OrderReport>,
    trades: Recent<String>,
    fundings: Recent<(Symbol, String)>,
    /// Client order indexes this process has sent a CreateOrder for, with the tx hash ("" while
    /// signing): such an index is looked up, never sent again.
    sent: HashMap<i64, String>,
    /// Whether the account channels are subscribed right now (else order waits poll REST).
    pub account_stream: bool,
    /// Order-book gaps repaired by resubscribing, for diagnostics and tests.
    pub book_resyncs: u64,
    /// When the socket last went down (ms), for the re-query after the reconnect.
    pub disconnected_at: Option<i64>,
}

impl Default for Live {
    fn default() -> Self {
        Self {
            stats: HashMap::new(),
            books: HashMap::new(),
            registry: HashMap::new(),
            orders: HashMap::new(),
            trades: Recent::new(50_000),
            fundings: Recent::new(50_000),
            sent: HashMap::new(),
            account_stream: false,
            book_resyncs: 0,
            disconnected_at: None,
        }
    }
}

impl Live {
    pub fn register(&mut self, client_order_index: i64, id: ClientOrderId) {
        self.registry.insert(client_order_index, id);
    }

    /// Claims the right to send a CreateOrder for `coi`; `Some(tx_hash)` if it was sent (or is
    /// being sent) already.
    pub fn claim_send(&mut self, client_order_index: i64) -> Option<String> {
        match self.sent.get(&client_order_index) {
            Some(h) => Some(h.clone()),
            None => {
                self.sent.insert(client_order_index, String::new());
                None
            }
        }
    }

    pub fn mark_sent(&mut self, client_order_index: i64, tx_hash: String) {
        self.sent.insert(client_order_index, tx_hash);
    }

    /// The venue refused the tx: the index may be used again.
    pub fn unmark_sent(&mut self, client_order_index: i64) {
        self.sent.remove(&client_order_index);
    }

    /// Our id for an index, or `lighter-<index>` for orders placed elsewhere.
    pub fn client_id(&self, client_order_index: i64) -> Option<ClientOrderId> {
        self.registry
            .get(&client_order_index)
            .cloned()
            .or_else(|| encode::foreign_client_order_id(client_order_index).ok())
    }

    pub fn order(&self, client_order_index: i64) -> Option<&OrderReport> {
        self.orders.get(&client_order_index)
    }

    /// Indexes of orders last seen open, for the post-reconnect re-query.
    pub fn open_order_indexes(&self) -> Vec<(i64, Symbol)> {
        self.orders.iter().filter(|(_, r)| !r.status.is_final()).map(|(k, r)| (*k, r.symbol.clone())).collect()
    }

    /// Records a report; `Some` if it changes what subscribers know (new, status or fill).
    /// A final report never regresses to an open one (late frames after a REST re-query).
    pub fn order_update(&mut self, client_order_index: i64, report: OrderReport) -> Option<OrderReport> {
        if let Some(old) = self.orders.get(&client_order_index) {
            let same = old.status == report.status && old.filled_qty == report.filled_qty;
            let regress = old.status.is_final() && !report.status.is_final();
            let older_fill = report.filled_qty.0 < old.filled_qty.0;
            if same || regress || older_fill {
                return None;
            }
        }
        self.orders.insert(client_order_index, report.clone());
        Some(report)
    }

    pub fn fill_update(&mut self, fill: Fill) -> Option<Fill> {
        self.trades.insert(fill.trade_id.clone()).then_some(fill)
    }

    pub fn funding_update(&mut self, p: FundingPayment) -> Option<FundingPayment> {
        self.fundings.insert((p.symbol.clone(), p.payment_id.clone())).then_some(p)
    }
}

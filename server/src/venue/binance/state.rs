//! What the connector remembers between calls: market metadata with funding intervals, the
//! last settled rate per symbol, marks and leverage for position events, our order ids, and
//! the dedup sets that keep a fill or funding payment from being published twice (once from
//! the socket, once from a REST resync).

use super::parse::MarketMeta;
use app::{ClientOrderId, FundingInterval, FundingRate, Price, Symbol, TimestampMs, Usd};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::hash::Hash;

/// Remembers the last `capacity` keys.
#[derive(Debug)]
pub struct Dedup<K> {
    set: HashSet<K>,
    order: VecDeque<K>,
    capacity: usize,
}

impl<K: Hash + Eq + Clone> Dedup<K> {
    pub fn new(capacity: usize) -> Self {
        Self { set: HashSet::new(), order: VecDeque::new(), capacity }
    }

    /// True the first time `key` is seen.
    pub fn insert(&mut self, key: K) -> bool {
        if !self.set.insert(key.clone()) {
            return false;
        }
        self.order.push_back(key);
        if self.order.len() > self.capacity
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        true
    }
}

const DEDUP_CAPACITY: usize = 100_000;
const ORDER_CAPACITY: usize = 20_000;

#[derive(Debug)]
pub struct Cache {
    pub markets: BTreeMap<Symbol, MarketMeta>,
    pub intervals: HashMap<Symbol, FundingInterval>,
    /// Local time of the last metadata load.
    pub meta_loaded_ms: Option<TimestampMs>,
    pub last_settled: HashMap<Symbol, (TimestampMs, FundingRate)>,
    pub marks: HashMap<Symbol, Price>,
    pub leverage: HashMap<Symbol, u32>,
    /// Binance order id → our id; userTrades rows name orders only by Binance's id.
    order_ids: HashMap<i64, ClientOrderId>,
    order_fees: HashMap<ClientOrderId, Usd>,
    order_fifo: VecDeque<i64>,
    pub traded: BTreeSet<Symbol>,
    pub open_positions: BTreeSet<Symbol>,
    pub trades_seen: Dedup<(String, String)>,
    pub funding_seen: Dedup<String>,
    /// When the user stream last went down (for the resync window).
    pub user_down_since: Option<TimestampMs>,
    pub sockets_up: BTreeSet<&'static str>,
    pub all_up: bool,
}

impl Default for Cache {
    fn default() -> Self {
        Self {
            markets: BTreeMap::new(),
            intervals: HashMap::new(),
            meta_loaded_ms: None,
            last_settled: HashMap::new(),
            marks: HashMap::new(),
            leverage: HashMap::new(),
            order_ids: HashMap::new(),
            order_fees: HashMap::new(),
            order_fifo: VecDeque::new(),
            traded: BTreeSet::new(),
            open_positions: BTreeSet::new(),
            trades_seen: Dedup::new(DEDUP_CAPACITY),
            funding_seen: Dedup::new(DEDUP_CAPACITY),
            user_down_since: None,
            sockets_up: BTreeSet::new(),
            all_up: false,
        }
    }
}

impl Cache {
    /// Absent from fundingInfo means the default 8 h (§1.9).
    pub fn interval(&self, symbol: &Symbol) -> FundingInterval {
        self.intervals.get(symbol).copied().unwrap_or(FundingInterval::EIGHT_HOURS)
    }

    pub fn last_settled(&self, symbol: &Symbol) -> Option<FundingRate> {
        self.last_settled.get(symbol).map(|(_, r)| *r)
    }

    pub fn remember_settled(&mut self, symbol: &Symbol, time_ms: TimestampMs, rate: FundingRate) {
        let newer = self.last_settled.get(symbol).is_none_or(|(t, _)| *t <= time_ms);
        if newer {
            self.last_settled.insert(symbol.clone(), (time_ms, rate));
        }
    }

    pub fn remember_order(&mut self, order_id: i64, id: &ClientOrderId, symbol: &Symbol) {
        self.traded.insert(symbol.clone());
        if self.order_ids.insert(order_id, id.clone()).is_none() {
            self.order_fifo.push_back(order_id);
            if self.order_fifo.len() > ORDER_CAPACITY
                && let Some(old) = self.order_fifo.pop_front()
                && let Some(cid) = self.order_ids.remove(&old)
            {
                self.order_fees.remove(&cid);
            }
        }
    }

    pub fn client_id(&self, order_id: i64) -> Option<ClientOrderId> {
        self.order_ids.get(&order_id).cloned()
    }

    pub fn order_fee(&self, id: &ClientOrderId) -> Usd {
        self.order_fees.get(id).copied().unwrap_or(Usd::ZERO)
    }

    pub fn add_order_fee(&mut self, id: &ClientOrderId, fee: Usd) -> Usd {
        let total = Usd(self.order_fee(id).0.saturating_add(fee.0));
        self.order_fees.insert(id.clone(), total);
        total
    }
}

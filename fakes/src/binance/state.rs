//! The fake exchange's state: scripted symbols (filters, mark, funding, book, history), one
//! account (wallet, positions, leverage, margin mode), orders, trades and income rows.

use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

pub const HOUR_MS: i64 = 3_600_000;

/// One scripted perpetual. Everything here is settable through the handle.
#[derive(Debug, Clone, PartialEq)]
pub struct SymbolSpec {
    pub symbol: String,
    pub base: String,
    pub price_precision: u32,
    pub quantity_precision: u32,
    pub tick_size: Decimal,
    pub min_price: Decimal,
    pub max_price: Decimal,
    pub step_size: Decimal,
    pub min_qty: Decimal,
    pub max_qty: Decimal,
    pub market_max_qty: Decimal,
    pub min_notional: Decimal,
    pub mark: Decimal,
    pub funding_rate: Decimal,
    pub interval_hours: u32,
    /// Base quantity of the innermost book level (outer levels hold more).
    pub book_qty: Decimal,
}

impl SymbolSpec {
    fn new(base: &str, mark: i64, rate: Decimal, interval_hours: u32) -> Self {
        Self {
            symbol: format!("{base}USDT"),
            base: base.to_owned(),
            price_precision: 2,
            quantity_precision: 3,
            tick_size: Decimal::new(1, 1),
            min_price: Decimal::new(1, 1),
            max_price: Decimal::from(1_000_000),
            step_size: Decimal::new(1, 3),
            min_qty: Decimal::new(1, 3),
            max_qty: Decimal::from(1000),
            market_max_qty: Decimal::from(120),
            min_notional: Decimal::from(100),
            mark: Decimal::from(mark),
            funding_rate: rate,
            interval_hours,
            book_qty: Decimal::from(2),
        }
    }

    /// BTC and ETH settle every 8 h; SOL every 4 h (listed in fundingInfo).
    pub fn defaults() -> Vec<SymbolSpec> {
        let btc = SymbolSpec::new("BTC", 60_000, Decimal::new(1, 4), 8);
        let eth = SymbolSpec {
            tick_size: Decimal::new(1, 2),
            min_price: Decimal::new(1, 2),
            min_notional: Decimal::from(20),
            book_qty: Decimal::from(20),
            ..SymbolSpec::new("ETH", 3_000, Decimal::new(5, 5), 8)
        };
        let sol = SymbolSpec {
            price_precision: 4,
            quantity_precision: 0,
            tick_size: Decimal::new(1, 2),
            min_price: Decimal::new(1, 2),
            step_size: Decimal::ONE,
            min_qty: Decimal::ONE,
            max_qty: Decimal::from(1_000_000),
            market_max_qty: Decimal::from(50_000),
            min_notional: Decimal::from(5),
            book_qty: Decimal::from(500),
            ..SymbolSpec::new("SOL", 150, Decimal::new(-2, 4), 4)
        };
        vec![btc, eth, sol]
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SymbolState {
    pub spec: SymbolSpec,
    pub index: Decimal,
    pub next_funding_ms: i64,
    /// Best first on each side: (price, qty).
    pub bids: Vec<(Decimal, Decimal)>,
    pub asks: Vec<(Decimal, Decimal)>,
    pub book_update_id: i64,
    /// Settled funding: (time, rate, mark), oldest first.
    pub history: Vec<(i64, Decimal, Decimal)>,
    pub leverage: u32,
    pub isolated: bool,
}

impl SymbolState {
    pub fn new(spec: SymbolSpec, now_ms: i64, history_rows: usize, leverage: u32) -> Self {
        let step = i64::from(spec.interval_hours) * HOUR_MS;
        let next = (now_ms.div_euclid(step) + 1) * step;
        // A deterministic wobble around the current rate, so history is not flat.
        let history = (1..=history_rows as i64)
            .rev()
            .map(|k| {
                let wobble = Decimal::from((k % 5) - 2) * Decimal::new(1, 5);
                (next - k * step, spec.funding_rate + wobble, spec.mark)
            })
            .collect();
        let mut s = Self {
            index: spec.mark,
            next_funding_ms: next,
            bids: Vec::new(),
            asks: Vec::new(),
            book_update_id: 1,
            history,
            leverage,
            isolated: false,
            spec,
        };
        s.book_around_mark();
        s
    }

    /// Five levels each side, 1, 11, 21… ticks from the mark.
    pub fn book_around_mark(&mut self) {
        let (mark, tick, q) = (self.spec.mark, self.spec.tick_size, self.spec.book_qty);
        let round = |p: Decimal| (p / tick).floor() * tick;
        self.bids =
            (0..5).map(|i| (round(mark) - tick * Decimal::from(1 + 10 * i), q * Decimal::from(i + 1))).collect();
        self.asks =
            (0..5).map(|i| (round(mark) + tick * Decimal::from(1 + 10 * i), q * Decimal::from(i + 1))).collect();
        self.book_update_id += 1;
    }

    pub fn best_bid(&self) -> Option<Decimal> {
        self.bids.first().map(|l| l.0)
    }

    pub fn best_ask(&self) -> Option<Decimal> {
        self.asks.first().map(|l| l.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "BUY",
            Side::Sell => "SELL",
        }
    }

    pub fn sign(self) -> Decimal {
        match self {
            Side::Buy => Decimal::ONE,
            Side::Sell => Decimal::NEGATIVE_ONE,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FakeOrder {
    pub order_id: i64,
    pub client_order_id: String,
    pub symbol: String,
    pub side: Side,
    pub order_type: &'static str,
    pub time_in_force: &'static str,
    pub qty: Decimal,
    pub price: Decimal,
    pub executed: Decimal,
    pub cum_quote: Decimal,
    pub status: &'static str,
    pub reduce_only: bool,
    pub time: i64,
    pub update_time: i64,
}

impl FakeOrder {
    pub fn is_open(&self) -> bool {
        matches!(self.status, "NEW" | "PARTIALLY_FILLED")
    }

    pub fn remaining(&self) -> Decimal {
        self.qty - self.executed
    }

    pub fn avg_price(&self) -> Decimal {
        if self.executed.is_zero() { Decimal::ZERO } else { (self.cum_quote / self.executed).round_dp(8) }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Trade {
    pub id: i64,
    pub order_id: i64,
    pub symbol: String,
    pub side: Side,
    pub price: Decimal,
    pub qty: Decimal,
    pub realized_pnl: Decimal,
    pub commission: Decimal,
    pub maker: bool,
    pub time: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IncomeRow {
    pub symbol: String,
    pub income_type: &'static str,
    pub income: Decimal,
    pub time: i64,
    pub tran_id: i64,
    pub trade_id: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Position {
    pub qty: Decimal,
    pub entry: Decimal,
}

#[derive(Debug)]
pub struct Exchange {
    pub symbols: BTreeMap<String, SymbolState>,
    pub wallet: Decimal,
    pub positions: BTreeMap<String, Position>,
    pub dual_side: bool,
    pub orders: BTreeMap<i64, FakeOrder>,
    /// (symbol, client id) → latest order with that id.
    pub by_client_id: HashMap<(String, String), i64>,
    pub trades: Vec<Trade>,
    pub income: Vec<IncomeRow>,
    pub listen_key: Option<(String, i64)>,
    pub next_id: i64,
    pub maker_fee: Decimal,
    pub taker_fee: Decimal,
}

impl Exchange {
    pub fn next_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn position(&self, symbol: &str) -> Position {
        self.positions.get(symbol).copied().unwrap_or_default()
    }

    pub fn unrealized(&self, symbol: &str) -> Decimal {
        let p = self.position(symbol);
        let mark = self.symbols.get(symbol).map(|s| s.spec.mark).unwrap_or_default();
        p.qty * (mark - p.entry)
    }

    /// Initial margin of positions and open orders at their symbols' leverage.
    pub fn initial_margin(&self) -> Decimal {
        let mut total = Decimal::ZERO;
        for (sym, s) in &self.symbols {
            let lev = Decimal::from(s.leverage.max(1));
            total += self.position(sym).qty.abs() * s.spec.mark / lev;
        }
        for o in self.orders.values().filter(|o| o.is_open()) {
            let lev = self.symbols.get(&o.symbol).map(|s| s.leverage.max(1)).unwrap_or(1);
            total += o.remaining() * o.price / Decimal::from(lev);
        }
        total
    }

    pub fn total_unrealized(&self) -> Decimal {
        self.symbols.keys().map(|s| self.unrealized(s)).sum()
    }

    pub fn available(&self) -> Decimal {
        (self.wallet + self.total_unrealized() - self.initial_margin()).max(Decimal::ZERO)
    }

    pub fn add_income(
        &mut self,
        symbol: &str,
        income_type: &'static str,
        income: Decimal,
        time: i64,
        trade_id: String,
    ) -> i64 {
        let tran_id = self.next_id();
        self.income.push(IncomeRow { symbol: symbol.to_owned(), income_type, income, time, tran_id, trade_id });
        tran_id
    }
}

//! One simulated venue as pure, synchronous state: its market (`SimMarket`) and its account
//! (`SimExchange`) at a time the caller gives. Every operation returns the events the venue
//! would push, in the order it pushes them. `SimVenue` wraps a core in a lock, a broadcast and a
//! journal for the live platform; the backtester drives two cores directly, with no channel in
//! between, and so sees exactly what a live simulator publishes.
//!
//! A publication has four phases, each over every symbol in sorted order: settlements and
//! resting fills, the tops of the books, the marks, then funding. Books go before marks so that
//! a decision taken on a mark (a risk exit) prices its orders off books of the same instant.

use super::exchange::{Rejection, SimExchange};
use super::history::History;
use super::market::{self, Marked, SimMarket};
use crate::venue::VenueEvent;
use app::market::Market;
use app::order::{Balance, OrderReport, OrderRequest, VenuePosition};
use app::{ClientOrderId, Symbol, TimestampMs, Venue};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::sync::Arc;

/// One phase of a publication (see the module comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Settle,
    Books,
    Marks,
    Funding,
}

impl Phase {
    pub const ALL: [Phase; 4] = [Phase::Settle, Phase::Books, Phase::Marks, Phase::Funding];
}

pub struct SimCore {
    venue: Venue,
    market: SimMarket,
    /// The market's symbols, sorted: everything published per symbol goes in this order.
    symbols: Vec<Symbol>,
    pub(super) exchange: SimExchange,
    /// Simulated time up to which settlements and resting orders have been processed.
    pub(super) synced_ms: TimestampMs,
    /// The marks of the last instant priced (books and marks of one publication share them).
    marks: Vec<Marked>,
    marks_ms: Option<TimestampMs>,
    /// The next settlement per symbol: a sync before it has nothing to settle.
    next_settlement: crate::fast_map::FastMap<Symbol, TimestampMs>,
    /// The earliest of them (`MIN` while a symbol has none known): with no resting order, a
    /// sync before it has nothing to do at all.
    settles_ms: TimestampMs,
}

impl SimCore {
    /// A venue whose history starts mattering at `start_ms`: nothing before it settles.
    pub fn new(
        venue: Venue,
        history: Arc<History>,
        seed: u64,
        starting_balance: Decimal,
        start_ms: TimestampMs,
    ) -> Self {
        Self::with_market(SimMarket::new(venue, history, seed), starting_balance, start_ms)
    }

    pub fn with_market(market: SimMarket, starting_balance: Decimal, start_ms: TimestampMs) -> Self {
        let venue = market.venue();
        Self {
            venue,
            symbols: market.symbols().to_vec(),
            market,
            exchange: SimExchange::new(venue, starting_balance),
            synced_ms: start_ms,
            marks: Vec::new(),
            marks_ms: None,
            next_settlement: Default::default(),
            settles_ms: TimestampMs::MIN,
        }
    }

    pub fn venue(&self) -> Venue {
        self.venue
    }

    pub fn market_data(&mut self) -> &mut SimMarket {
        &mut self.market
    }

    pub fn exchange(&self) -> &SimExchange {
        &self.exchange
    }

    pub fn symbols(&self) -> &[Symbol] {
        &self.symbols
    }

    /// Every market, sorted by symbol.
    pub fn markets(&self) -> Vec<Market> {
        self.market.markets().cloned().collect()
    }

    /// One phase of the publication at `t`.
    pub fn publish(&mut self, phase: Phase, t: TimestampMs, out: &mut Vec<VenueEvent>) {
        match phase {
            Phase::Settle => self.sync(t, out),
            Phase::Books => self.books(t, out),
            Phase::Marks => self.marks(t, out),
            Phase::Funding => self.funding(t, out),
        }
    }

    /// The whole publication at `t`, as a venue's streams push it.
    pub fn tick(&mut self, t: TimestampMs, out: &mut Vec<VenueEvent>) {
        for phase in Phase::ALL {
            self.publish(phase, t, out);
        }
    }

    /// Settle funding and fill resting orders up to `t`: `FundingPaid`, then `Order` and `Fill`
    /// for each resting order the mark crossed.
    pub fn sync(&mut self, t: TimestampMs, out: &mut Vec<VenueEvent>) {
        let from = self.synced_ms;
        if t <= from {
            return;
        }
        let resting = self.exchange.has_resting();
        if !resting && t < self.settles_ms {
            self.synced_ms = t;
            return;
        }
        let mut settles = TimestampMs::MAX;
        for symbol in &self.symbols {
            if self.next_settlement.get(symbol).is_none_or(|next| *next <= t) {
                for s in self.market.settlements(symbol, from, t) {
                    let Some(mark) = self.market.mark(symbol, s.time_ms) else { continue };
                    let rate = app::FundingRate::new(s.rate, s.interval);
                    if let Some(p) = self.exchange.settle_funding(symbol, rate, mark.mark.0, s.time_ms) {
                        out.push(VenueEvent::FundingPaid(p));
                    }
                }
                match self.market.next_settlement(symbol, t) {
                    Some(next) => self.next_settlement.insert(symbol.clone(), next),
                    None => self.next_settlement.remove(symbol),
                };
            }
            // A symbol with no next settlement known is looked at again next time.
            settles = settles.min(self.next_settlement.get(symbol).copied().unwrap_or(TimestampMs::MIN));
            if resting
                && let (Some(mark), Some(market)) = (self.market.mark(symbol, t), self.market.market(symbol).cloned())
            {
                for (report, fill) in self.exchange.on_mark(symbol, mark.mark.0, &market, t) {
                    out.push(VenueEvent::Order(report));
                    out.push(VenueEvent::Fill(fill));
                }
            }
        }
        self.synced_ms = t;
        self.settles_ms = settles;
    }

    /// Price every symbol at `t`, once per instant.
    fn price(&mut self, t: TimestampMs) {
        if self.marks_ms == Some(t) {
            return;
        }
        self.marks.clear();
        for symbol in &self.symbols {
            if let Some(m) = self.market.marked(symbol, t) {
                self.marks.push(m);
            }
        }
        self.marks_ms = Some(t);
    }

    /// The top of each book at `t`.
    pub fn books(&mut self, t: TimestampMs, out: &mut Vec<VenueEvent>) {
        self.price(t);
        out.extend(self.marks.iter().filter_map(|m| self.market.top_at_marked(m)).map(VenueEvent::Book));
    }

    /// Each symbol's mark at `t`.
    pub fn marks(&mut self, t: TimestampMs, out: &mut Vec<VenueEvent>) {
        self.price(t);
        out.extend(self.marks.iter().map(|m| VenueEvent::Mark(m.mark.clone())));
    }

    /// Each symbol's funding snapshot at `t`.
    pub fn funding(&mut self, t: TimestampMs, out: &mut Vec<VenueEvent>) {
        for symbol in &self.symbols {
            if let Some(f) = self.market.funding(symbol, t) {
                out.push(VenueEvent::Funding(f));
            }
        }
    }

    /// The account, and the marks at `t` it is valued at: those of its open positions and of
    /// `order`'s symbol (the only ones the account looks up), not of every market, as the
    /// account is valued every step.
    fn account_at(&mut self, t: TimestampMs, order: Option<&Symbol>) -> (&mut SimExchange, BTreeMap<Symbol, Decimal>) {
        self.price(t);
        let mark = |s: &Symbol| {
            let i = self.marks.binary_search_by(|m| m.mark.symbol.cmp(s)).ok()?;
            Some((s.clone(), self.marks[i].mark.mark.0))
        };
        let marks = self.exchange.symbols_open().chain(order).filter_map(mark).collect();
        (&mut self.exchange, marks)
    }

    /// Place an order at `t` against the book then; `fill_cap` limits how much may fill now (a
    /// partial-fill fault). Events: what `sync` found, then the order's report, its fills and
    /// the position after it.
    pub fn place(
        &mut self,
        order: &OrderRequest,
        fill_cap: Option<Decimal>,
        t: TimestampMs,
        out: &mut Vec<VenueEvent>,
    ) -> Result<OrderReport, PlaceError> {
        self.sync(t, out);
        let Some(market) = self.market.market(&order.symbol).cloned() else {
            return Err(PlaceError::UnknownSymbol);
        };
        let book = self.market.order_book(&order.symbol, t, market::BOOK_LEVELS).ok_or(PlaceError::UnknownSymbol)?;
        let (exchange, marks) = self.account_at(t, Some(&order.symbol));
        let (report, fills) = exchange.place(order, &market, &book, &marks, fill_cap, t)?;
        out.push(VenueEvent::Order(report.clone()));
        out.extend(fills.into_iter().map(VenueEvent::Fill));
        if let Some(p) = exchange.positions(&marks).into_iter().find(|p| p.symbol == order.symbol) {
            out.push(VenueEvent::Position(p));
        }
        Ok(report)
    }

    pub fn cancel(&mut self, id: &ClientOrderId, t: TimestampMs) -> Option<OrderReport> {
        self.exchange.cancel(id, t)
    }

    pub fn order(&self, id: &ClientOrderId) -> Option<&OrderReport> {
        self.exchange.order(id)
    }

    pub fn positions(&mut self, t: TimestampMs, out: &mut Vec<VenueEvent>) -> Vec<VenuePosition> {
        self.sync(t, out);
        let (exchange, marks) = self.account_at(t, None);
        exchange.positions(&marks)
    }

    pub fn balance(&mut self, t: TimestampMs, out: &mut Vec<VenueEvent>) -> Balance {
        self.sync(t, out);
        let (exchange, marks) = self.account_at(t, None);
        exchange.balance(&marks, t)
    }

    pub fn set_leverage(&mut self, symbol: &Symbol, leverage: u32) {
        self.exchange.set_leverage(symbol, leverage);
    }

    /// Keep only these symbols (a backtest over a few of them).
    pub fn restrict(&mut self, keep: &[Symbol]) {
        self.market.restrict(keep);
        self.symbols = self.market.symbols().to_vec();
        self.marks_ms = None;
        self.settles_ms = TimestampMs::MIN;
    }
}

/// Why the simulated venue refused an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceError {
    UnknownSymbol,
    Rejected(Rejection),
}

impl From<Rejection> for PlaceError {
    fn from(r: Rejection) -> Self {
        PlaceError::Rejected(r)
    }
}

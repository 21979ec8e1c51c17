//! The trading core: a pure, synchronous state machine. `Engine::process(event)` does no I/O
//! and reads no clock; `run` feeds it from one queue and carries out its outputs.
//!
//! The pure core: `order` (lifecycle table), `position` (two legs as one), `executor` (sliced
//! hedged open/close), `risk` (the gate), `strategy` (entry, and each strategy's exits),
//! `commands` (operator actions), `signals` (outside programs' opens and closes, run in order
//! per strategy and symbol, with retries), `market` (the engine's copy of the venues' data),
//! `reconcile`, `retention` (what the engine lets go once stored). The async shell: `handle` (what the server holds), `run`
//! (the loop), `persist` (write-ahead storage), `reports` (reconciliation reports' writer),
//! `event_log`.

mod commands;
pub mod event;
pub mod event_log;
mod executor;
pub mod handle;
pub mod market;
pub mod order;
mod persist;
pub mod position;
mod reconcile;
mod reports;
pub mod retention;
pub mod risk;
pub mod run;
pub mod signals;
mod strategy;

use app::history::{FillRecord, FundingRecord};
use app::order::OrderReport;
use app::params::StrategyParams;
use app::sizing::LegQuote;
use app::symbols::SymbolRules;
use app::trading::{EngineStatus, Kind, Level, Notification, Opportunity, OrderStatus, PositionId, PositionView};
use app::{ClientOrderId, Qty, Symbol, TimestampMs, Usd};
pub use event::{Command, EngineEvent, Output, SendFailure, VenueSnapshot};
use executor::Execution;
pub use handle::{EngineHandle, EngineView};
use market::MarketCache;
use order::{Order, OrderEvent};
use position::Position;
pub use risk::Refusal;
use risk::RiskState;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use strategy::Entries;

/// A position and its running execution, as stored for restarts.
#[derive(serde::Serialize, serde::Deserialize)]
struct PositionState {
    position: Position,
    execution: Option<Execution>,
}

/// How long an order may stay `Unknown` before it is queried again.
const REQUERY_MS: i64 = 2_000;

/// How long after it was made a request may still be accepted by a venue. Binance refuses
/// requests older than `recvWindow` (5 s by default, 60 s at most); a Lighter transaction is
/// accepted or refused when it is sent. A venue that does not know an order this old never
/// placed it; a younger one may still be on its way. Reconciliation catches a later landing.
const SEND_WINDOW_MS: i64 = 10_000;

pub struct Engine {
    params: StrategyParams,
    params_version: i64,
    /// Which symbols may open; checked by every open, manual or automatic.
    symbol_rules: SymbolRules,
    symbol_rules_version: i64,
    risk: RiskState,
    market: MarketCache,
    positions: BTreeMap<PositionId, Position>,
    orders: BTreeMap<ClientOrderId, Order>,
    executions: BTreeMap<PositionId, Execution>,
    entries: Entries,
    /// Signals being worked, and finished ones until let go (`retention`).
    signals: BTreeMap<i64, signals::Signal>,
    /// The ids of the signals not yet final, in arrival order.
    pending_signals: BTreeSet<i64>,
    /// Each strategy's own exposure cap, besides the parameters' per-symbol and total caps.
    strategy_caps: BTreeMap<app::StrategyId, Usd>,
    last_query: HashMap<ClientOrderId, TimestampMs>,
    /// Orders handed to a send whose answer has not come back. Not persisted: after a restart
    /// no send is running, and a restored order is judged by its age instead.
    awaiting_send: std::collections::HashSet<ClientOrderId>,
    next_position_id: PositionId,
    now_ms: TimestampMs,
    /// Wall-clock time as the timer last told it: signals expire and back off in real time.
    wall_ms: TimestampMs,
    /// Positions and orders changed while processing the current event.
    dirty_positions: BTreeSet<PositionId>,
    dirty_orders: BTreeSet<ClientOrderId>,
}

impl Engine {
    pub fn new(params: StrategyParams, params_version: i64) -> Self {
        Self {
            params,
            params_version,
            symbol_rules: SymbolRules::default(),
            symbol_rules_version: 0,
            risk: RiskState::default(),
            market: MarketCache::default(),
            positions: BTreeMap::new(),
            orders: BTreeMap::new(),
            executions: BTreeMap::new(),
            entries: Entries::default(),
            signals: BTreeMap::new(),
            pending_signals: BTreeSet::new(),
            strategy_caps: BTreeMap::new(),
            last_query: HashMap::new(),
            awaiting_send: std::collections::HashSet::new(),
            next_position_id: PositionId::new(1),
            now_ms: 0,
            wall_ms: 0,
            dirty_positions: BTreeSet::new(),
            dirty_orders: BTreeSet::new(),
        }
    }

    /// Process one event; everything it changed and everything it wants done comes back.
    pub fn process(&mut self, event: &EngineEvent) -> Vec<Output> {
        let mut out = Vec::new();
        match event {
            EngineEvent::Venue(e) => return self.process_venue(e),
            EngineEvent::Markets(markets) => {
                for m in markets {
                    self.market.set_market(m);
                }
                self.entries.reprice_all();
            }
            EngineEvent::Balance(b) => {
                self.advance_clock(b.time_ms);
                self.market.balances.insert(b.venue, b.clone());
                self.observe_equity(&mut out);
            }
            EngineEvent::Sent { id, result } => self.on_sent(id, result, &mut out),
            EngineEvent::Queried { id, result } => self.on_queried(id, result, &mut out),
            EngineEvent::Command { request, command } => {
                let result = self.on_command(command, &mut out);
                out.push(Output::Reply { request: *request, result });
            }
            EngineEvent::Timer { now_ms, wall_ms } => {
                self.advance_clock(*now_ms);
                self.wall_ms = self.wall_ms.max(*wall_ms);
                self.requery_unknown(&mut out);
                self.refresh_opportunities();
                self.check_positions(None, &mut out);
                self.let_go_of_finished();
            }
            EngineEvent::Freshness(verdicts) => {
                for v in verdicts {
                    self.market.freshness.insert(v.venue, v.clone());
                }
            }
            EngineEvent::Reconcile { request, trigger, snapshots } => {
                self.reconcile(*request, trigger, snapshots, &mut out)
            }
        }
        self.after_event(&mut out);
        out
    }

    /// `process(&EngineEvent::Venue(e))`, for a caller that holds the venue's event and need
    /// not wrap it (the backtester, which feeds millions).
    pub fn process_venue(&mut self, e: &crate::venue::VenueEvent) -> Vec<Output> {
        let mut out = Vec::new();
        self.on_venue_event(e, &mut out);
        self.after_event(&mut out);
        out
    }

    /// What follows every event: signals, executions and the changes made, stepped on.
    fn after_event(&mut self, out: &mut Vec<Output>) {
        self.drive_signals(out);
        self.drive_all(out);
        self.flush_dirty(out);
        for o in out.iter() {
            if let Output::Send(approved, _) = o {
                self.awaiting_send.insert(approved.inner().client_order_id.clone());
            }
        }
    }

    fn advance_clock(&mut self, t: TimestampMs) {
        self.now_ms = self.now_ms.max(t);
    }

    fn on_venue_event(&mut self, e: &crate::venue::VenueEvent, out: &mut Vec<Output>) {
        use crate::venue::VenueEvent as V;
        let id = self.market.apply(e);
        match (e, id) {
            (V::Funding(f), Some(id)) => {
                self.advance_clock(f.time_ms);
                self.on_funding_update(id, out);
            }
            (V::Mark(m), Some(id)) => {
                self.advance_clock(m.time_ms);
                self.entries.reprice(id);
                self.check_positions(Some(&m.symbol), out);
            }
            (V::Book(_), Some(id)) => self.entries.reprice(id),
            (V::Order(report), _) => self.apply_report(report, out),
            (V::FundingPaid(p), _) => self.book_funding(p, out),
            _ => {}
        }
    }

    /// Apply a venue's report to our order: status through the table, and any newly filled
    /// quantity (with its price and fee, derived from the cumulative figures) to the leg, as
    /// an `Output::Fill` for History. A report seen again fills nothing: only an increase of
    /// the cumulative quantity is a fill.
    fn apply_report(&mut self, r: &OrderReport, out: &mut Vec<Output>) {
        let now = self.now_ms.max(r.time_ms);
        let Some(order) = self.orders.get_mut(&r.client_order_id) else { return };
        let (old_qty, old_avg, old_fee) = (order.view.filled_qty, order.view.avg_price, order.view.fee);
        if let Err(e) = order.apply_report(r, now) {
            tracing::warn!(id = %r.client_order_id, error = %e, "ignoring an out-of-order report");
            return;
        }
        self.dirty_orders.insert(r.client_order_id.clone());
        let (new_qty, new_avg, new_fee) = (order.view.filled_qty, order.view.avg_price, order.view.fee);
        let delta = new_qty - old_qty;
        if delta <= Qty::ZERO {
            return;
        }
        let notional = new_avg.unwrap_or_default() * new_qty - old_avg.unwrap_or_default() * old_qty;
        let price = notional / delta;
        let fee = new_fee - old_fee;
        let (pid, venue, side) = (order.view.position_id, order.view.venue, order.view.side);
        let mut realized = Usd::ZERO;
        if let Some(pos) = self.positions.get_mut(&pid) {
            let ledger = &mut pos.leg_mut(venue).ledger;
            let before = ledger.realized;
            ledger.apply_fill(side.sign() * delta, price, fee);
            realized = ledger.realized - before;
            self.dirty_positions.insert(pid);
        }
        out.push(Output::Fill(FillRecord {
            client_order_id: order.view.client_order_id.clone(),
            filled_qty: new_qty,
            position_id: pid,
            strategy: order.view.strategy.clone(),
            venue,
            symbol: order.view.symbol.clone(),
            side,
            purpose: order.view.purpose,
            qty: delta,
            price,
            fee,
            realized_pnl: realized,
            time_ms: if r.time_ms > 0 { r.time_ms } else { now },
        }));
    }

    /// Book a settled payment to the position that held the leg when it settled: the latest
    /// one on the symbol opened by then (only one is active per symbol at a time). Not "the
    /// one holding the leg now": the venues' streams are not ordered with each other or with
    /// our fills, so a payment can arrive after a close has flattened its leg, and it is still
    /// that position's money.
    fn book_funding(&mut self, p: &app::order::FundingPayment, out: &mut Vec<Output>) {
        let Some(pos) = self
            .positions
            .values_mut()
            .filter(|x| x.symbol == p.symbol && x.opened_ms <= p.time_ms)
            .max_by_key(|x| (x.opened_ms, x.id))
        else {
            let (venue, symbol, amount) = (p.venue, &p.symbol, p.amount);
            tracing::warn!(%venue, %symbol, %amount, "funding payment for no position of ours");
            return;
        };
        let leg = pos.leg_mut(p.venue);
        // A leg settles once per settlement time and the times are persisted with the leg, so
        // a payment seen again (stream re-delivery, a re-fetch, after a restart) is not booked
        // twice, and one that arrives late is still booked.
        if leg.funding_booked(p.time_ms) {
            return;
        }
        leg.book_funding(p.time_ms, p.amount);
        self.dirty_positions.insert(pos.id);
        out.push(Output::FundingBooked(FundingRecord {
            venue: p.venue,
            payment_id: p.payment_id.clone(),
            position_id: pos.id,
            strategy: pos.strategy.clone(),
            symbol: p.symbol.clone(),
            rate: p.rate,
            position_qty: p.position_qty,
            mark_price: p.mark_price,
            amount: p.amount,
            time_ms: p.time_ms,
        }));
    }

    fn on_sent(&mut self, id: &ClientOrderId, result: &Result<OrderReport, SendFailure>, out: &mut Vec<Output>) {
        self.awaiting_send.remove(id);
        match result {
            Ok(report) => self.apply_report(report, out),
            Err(SendFailure::Refused(reason)) => self.order_event(id, OrderEvent::Reject, Some(reason.clone())),
            Err(SendFailure::Unknown(reason)) => {
                self.order_event(id, OrderEvent::Timeout, Some(reason.clone()));
                self.query(id, out);
            }
        }
    }

    fn on_queried(&mut self, id: &ClientOrderId, result: &Result<Option<OrderReport>, String>, out: &mut Vec<Output>) {
        match result {
            Ok(Some(report)) => self.apply_report(report, out),
            // The venue has not seen it. While our send has not answered, or while a request
            // made then could still arrive, that is not an answer: ask again later.
            Ok(None) => {
                let created = self.orders.get(id).map_or(self.now_ms, |o| o.view.created_ms);
                if self.awaiting_send.contains(id) || self.now_ms - created < SEND_WINDOW_MS {
                    tracing::debug!(%id, "the venue does not know the order yet; asking again later");
                    return;
                }
                self.order_event(id, OrderEvent::Reject, Some("the venue has no such order".into()))
            }
            Err(e) => tracing::warn!(%id, error = %e, "order query failed; will retry"),
        }
    }

    fn order_event(&mut self, id: &ClientOrderId, event: OrderEvent, error: Option<String>) {
        let now = self.now_ms;
        let Some(order) = self.orders.get_mut(id) else { return };
        match order.apply(event, now) {
            Ok(()) => {
                if error.is_some() {
                    order.view.error = error;
                }
                self.dirty_orders.insert(id.clone());
            }
            Err(e) => tracing::warn!(%id, error = %e, "order transition refused"),
        }
    }

    fn query(&mut self, id: &ClientOrderId, out: &mut Vec<Output>) {
        let Some(order) = self.orders.get(id) else { return };
        self.last_query.insert(id.clone(), self.now_ms);
        out.push(Output::Query { venue: order.view.venue, symbol: order.view.symbol.clone(), id: id.clone() });
    }

    fn requery_unknown(&mut self, out: &mut Vec<Output>) {
        let due: Vec<ClientOrderId> = self
            .orders
            .values()
            .filter(|o| matches!(o.view.status, OrderStatus::Unknown | OrderStatus::Sent))
            .filter(|o| {
                self.now_ms - self.last_query.get(&o.view.client_order_id).copied().unwrap_or(o.view.updated_ms)
                    >= REQUERY_MS
            })
            .map(|o| o.view.client_order_id.clone())
            .collect();
        for id in due {
            self.query(&id, out);
        }
    }

    fn flush_dirty(&mut self, out: &mut Vec<Output>) {
        // Most events change no order or position: skip taking the sets apart.
        if self.dirty_orders.is_empty() && self.dirty_positions.is_empty() {
            return;
        }
        for id in std::mem::take(&mut self.dirty_orders) {
            if let Some(o) = self.orders.get(&id) {
                out.push(Output::Order(o.view.clone()));
            }
        }
        for id in std::mem::take(&mut self.dirty_positions) {
            if let Some(p) = self.positions.get(&id) {
                out.push(Output::Position(p.view(&self.market, self.now_ms)));
            }
        }
    }

    /// A notification stamped with the engine's time; add its subject, then `notify`.
    fn note(&self, level: Level, kind: Kind, title: impl Into<String>, message: impl Into<String>) -> Notification {
        Notification::new(level, kind, self.now_ms, title, message)
    }

    fn notify(&self, n: Notification, out: &mut Vec<Output>) {
        out.push(Output::Notify(n));
    }

    fn observe_equity(&mut self, out: &mut Vec<Output>) {
        let equity: Decimal = self.market.balances.values().map(|b| b.equity.0).sum();
        if let Some(n) = self.risk.observe_equity(equity, &self.params, self.now_ms) {
            out.push(Output::Notify(n));
        }
    }

    /// What a restart needs to resume a position exactly: its legs and any execution.
    pub fn position_state(&self, id: PositionId) -> Option<serde_json::Value> {
        let state =
            PositionState { position: self.positions.get(&id)?.clone(), execution: self.executions.get(&id).cloned() };
        serde_json::to_value(state).ok()
    }

    /// Resume from stored books. In-flight orders are queried on the first timer tick, so
    /// their outcome is reconciled with the venue, never guessed.
    pub fn restore(&mut self, states: Vec<serde_json::Value>, orders: Vec<app::trading::OrderView>) {
        for value in states {
            match serde_json::from_value::<PositionState>(value) {
                Ok(mut s) => {
                    self.next_position_id = self.next_position_id.max(s.position.id.next());
                    // Positions stored before exits existed: `auto` ones take the parameters'.
                    if s.position.strategy.as_str() == app::StrategyId::AUTO {
                        s.position.exits = self.auto_exits();
                    }
                    if let Some(e) = s.execution {
                        self.executions.insert(s.position.id, e);
                    }
                    self.positions.insert(s.position.id, s.position);
                }
                Err(e) => tracing::error!(error = %e, "a stored position could not be restored"),
            }
        }
        for view in orders {
            self.orders.insert(view.client_order_id.clone(), Order { view });
        }
    }

    /// Never hand out a position id at or below `last`: ids number client order ids, and the
    /// database holds positions the working set has let go of.
    pub fn reserve_position_ids(&mut self, last: PositionId) {
        self.next_position_id = self.next_position_id.max(last.next());
    }

    /// Each strategy's stored exposure cap, at start-up.
    pub fn restore_strategy_caps(&mut self, caps: BTreeMap<app::StrategyId, Usd>) {
        self.strategy_caps = caps;
    }

    /// The stored symbol rules, at start-up (version 0 is the built-in default: all trade).
    pub fn restore_symbol_rules(&mut self, version: i64, rules: SymbolRules) {
        self.symbol_rules = rules;
        self.symbol_rules_version = version;
        self.entries.reprice_all();
    }

    /// Whether an open or close is being worked (its slices are still going out).
    pub fn is_executing(&self) -> bool {
        !self.executions.is_empty()
    }

    /// Sends handed out whose answers have not come back.
    pub fn awaiting_answers(&self) -> usize {
        self.awaiting_send.len()
    }

    pub fn order_count(&self) -> usize {
        self.orders.len()
    }

    // Read side, for the API.

    pub fn positions(&self) -> Vec<PositionView> {
        self.positions.values().map(|p| p.view(&self.market, self.now_ms)).collect()
    }

    pub fn position(&self, id: PositionId) -> Option<PositionView> {
        self.positions.get(&id).map(|p| p.view(&self.market, self.now_ms))
    }

    pub fn orders(&self) -> Vec<app::trading::OrderView> {
        self.orders.values().map(|o| o.view.clone()).collect()
    }

    pub fn status(&self) -> EngineStatus {
        EngineStatus {
            paused: self.risk.paused,
            killed: self.risk.killed,
            blocked: self.risk.blocked(&self.market),
            params_version: self.params_version,
        }
    }

    pub fn params(&self) -> (&StrategyParams, i64) {
        (&self.params, self.params_version)
    }

    pub fn symbol_rules(&self) -> (&SymbolRules, i64) {
        (&self.symbol_rules, self.symbol_rules_version)
    }

    pub fn opportunities(&self) -> Vec<Opportunity> {
        self.ranked_opportunities()
    }

    /// Both legs' quotes for `symbol` (Binance first) at the given leverages, or the engine's
    /// default leverages: exactly what an open would size with now. `None` without complete
    /// market data on both venues.
    pub fn quotes(&self, symbol: &Symbol, leverage: (Option<u32>, Option<u32>)) -> Option<[LegQuote; 2]> {
        let lev_b = leverage.0.unwrap_or(self.params.leverage_binance);
        let lev_l = leverage.1.unwrap_or(self.params.leverage_lighter);
        Some([
            self.market.quote(app::Venue::Binance, symbol, lev_b)?,
            self.market.quote(app::Venue::Lighter, symbol, lev_l)?,
        ])
    }

    /// The latest balance of each venue, as the engine last polled it.
    pub fn balances(&self) -> Vec<app::order::Balance> {
        let mut v: Vec<_> = self.market.balances.values().cloned().collect();
        v.sort_by_key(|b| b.venue);
        v
    }

    pub fn now_ms(&self) -> TimestampMs {
        self.now_ms
    }

    fn active_on(&self, symbol: &Symbol) -> Option<PositionId> {
        self.positions.values().find(|p| &p.symbol == symbol && p.status.is_active()).map(|p| p.id)
    }
}

#[cfg(test)]
mod tests;

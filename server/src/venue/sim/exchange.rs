//! The simulated venue's matching engine and account: orders against the synthetic book,
//! fees, positions with margin and a liquidation price, and funding settlement. Pure state;
//! the caller supplies time, book and marks.

use app::market::{Market, OrderBook};
use app::order::{
    Balance, Fill, FundingPayment, OrderReport, OrderRequest, OrderType, Side, TimeInForce, VenueOrderStatus,
    VenuePosition,
};
use app::{ClientOrderId, FundingRate, Price, Qty, Symbol, TimestampMs, Usd, Venue};
use rust_decimal::Decimal;
use rust_decimal::prelude::Signed;
use std::collections::{BTreeMap, HashMap};

const DEFAULT_LEVERAGE: u32 = 5;

/// Why the simulated venue refused an order; `code` mirrors a venue error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub code: &'static str,
    pub message: String,
}

fn reject(code: &'static str, message: impl Into<String>) -> Rejection {
    Rejection { code, message: message.into() }
}

/// A simulated position is the same ledger the P&L calculator uses: signed quantity, average
/// entry, realised price P&L.
pub type SimPosition = app::pnl::LegLedger;

/// Serializable: the simulator journals it so that its book survives our restarts, as a real
/// venue's would.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SimExchange {
    venue: Venue,
    wallet: Decimal,
    maintenance_rate: Decimal,
    positions: BTreeMap<Symbol, SimPosition>,
    leverage: HashMap<Symbol, u32>,
    orders: HashMap<ClientOrderId, OrderReport>,
    resting: Vec<(ClientOrderId, OrderRequest)>,
    fills: Vec<Fill>,
    payments: Vec<FundingPayment>,
    next_id: u64,
    /// How many times each client order id was submitted (a retry counts): the crash-safety
    /// suite asserts that no intent reaches the venue twice.
    #[serde(default)]
    submissions: HashMap<ClientOrderId, u32>,
}

impl SimExchange {
    pub fn new(venue: Venue, starting_balance: Decimal) -> Self {
        Self {
            venue,
            wallet: starting_balance,
            maintenance_rate: Decimal::new(5, 3),
            positions: BTreeMap::new(),
            leverage: HashMap::new(),
            orders: HashMap::new(),
            resting: Vec::new(),
            fills: Vec::new(),
            payments: Vec::new(),
            next_id: 1,
            submissions: HashMap::new(),
        }
    }

    pub fn submissions(&self) -> &HashMap<ClientOrderId, u32> {
        &self.submissions
    }

    pub fn all_fills(&self) -> &[Fill] {
        &self.fills
    }

    pub fn all_payments(&self) -> &[FundingPayment] {
        &self.payments
    }

    pub fn order(&self, id: &ClientOrderId) -> Option<&OrderReport> {
        self.orders.get(id)
    }

    pub fn has_resting(&self) -> bool {
        !self.resting.is_empty()
    }

    pub fn open_orders(&self) -> Vec<OrderReport> {
        self.resting.iter().filter_map(|(id, _)| self.orders.get(id).cloned()).collect()
    }

    pub fn fills_since(&self, since: TimestampMs) -> Vec<Fill> {
        self.fills.iter().filter(|f| f.time_ms >= since).cloned().collect()
    }

    pub fn payments_since(&self, since: TimestampMs) -> Vec<FundingPayment> {
        self.payments.iter().filter(|p| p.time_ms >= since).cloned().collect()
    }

    pub fn position(&self, symbol: &Symbol) -> SimPosition {
        self.positions.get(symbol).cloned().unwrap_or_default()
    }

    pub fn leverage(&self, symbol: &Symbol) -> u32 {
        self.leverage.get(symbol).copied().unwrap_or(DEFAULT_LEVERAGE)
    }

    pub fn set_leverage(&mut self, symbol: &Symbol, leverage: u32) {
        self.leverage.insert(symbol.clone(), leverage);
    }

    /// Place an order. `fill_cap` (from a partial-fill fault) limits how much may fill now.
    /// A known client order id returns the existing order: a retry never trades twice.
    pub fn place(
        &mut self,
        req: &OrderRequest,
        market: &Market,
        book: &OrderBook,
        marks: &BTreeMap<Symbol, Decimal>,
        fill_cap: Option<Decimal>,
        t: TimestampMs,
    ) -> Result<(OrderReport, Vec<Fill>), Rejection> {
        *self.submissions.entry(req.client_order_id.clone()).or_default() += 1;
        if let Some(existing) = self.orders.get(&req.client_order_id) {
            return Ok((existing.clone(), Vec::new()));
        }
        self.validate(req, market, marks)?;
        let id = self.next_id;
        self.next_id += 1;
        let mut report = OrderReport {
            venue: self.venue,
            client_order_id: req.client_order_id.clone(),
            venue_order_id: id.to_string(),
            symbol: req.symbol.clone(),
            side: req.side,
            qty: req.qty,
            filled_qty: Qty::ZERO,
            avg_price: None,
            status: VenueOrderStatus::New,
            fee: Usd::ZERO,
            time_ms: t,
        };
        let levels = match req.side {
            Side::Buy => &book.asks,
            Side::Sell => &book.bids,
        };
        let crosses = |p: Decimal| match (req.price, req.side) {
            (None, _) => true,
            (Some(limit), Side::Buy) => p <= limit.0,
            (Some(limit), Side::Sell) => p >= limit.0,
        };
        if req.time_in_force == TimeInForce::PostOnly && levels.first().is_some_and(|l| crosses(l.price.0)) {
            return Err(reject("post_only_would_take", "post-only order would take liquidity"));
        }
        let mut remaining = match fill_cap {
            Some(cap) => market.filters.round_qty_down(Qty(req.qty.0.min(cap))).0,
            None => req.qty.0,
        };
        let mut fills = Vec::new();
        for level in levels.iter().filter(|l| crosses(l.price.0)) {
            if remaining.is_zero() {
                break;
            }
            let qty = remaining.min(level.qty.0);
            remaining -= qty;
            fills.push(self.fill(&mut report, qty, level.price.0, market.taker_fee, false, t));
        }
        let unfilled = req.qty.0 - report.filled_qty.0;
        report.status = match (req.order_type, req.time_in_force) {
            _ if unfilled.is_zero() => VenueOrderStatus::Filled,
            (OrderType::Limit, TimeInForce::Gtc | TimeInForce::PostOnly) => {
                self.resting.push((req.client_order_id.clone(), req.clone()));
                if report.filled_qty.is_zero() { VenueOrderStatus::New } else { VenueOrderStatus::PartiallyFilled }
            }
            _ => VenueOrderStatus::Expired,
        };
        self.orders.insert(req.client_order_id.clone(), report.clone());
        Ok((report, fills))
    }

    fn validate(
        &self,
        req: &OrderRequest,
        market: &Market,
        marks: &BTreeMap<Symbol, Decimal>,
    ) -> Result<(), Rejection> {
        let f = &market.filters;
        if req.qty.0 <= Decimal::ZERO || f.round_qty_down(req.qty) != req.qty {
            return Err(reject(
                "invalid_qty",
                format!("quantity {} is not a positive multiple of {}", req.qty, f.step_size),
            ));
        }
        if req.qty.0 < f.min_qty.0 {
            return Err(reject("invalid_qty", format!("quantity {} below minimum {}", req.qty, f.min_qty)));
        }
        if let Some(p) = req.price
            && (p.0 <= Decimal::ZERO || f.round_price_down(p) != p)
        {
            return Err(reject("invalid_price", format!("price {p} is not a positive multiple of {}", f.tick_size)));
        }
        if req.order_type == OrderType::Limit && req.price.is_none() {
            return Err(reject("invalid_price", "a limit order needs a price"));
        }
        let mark = marks.get(&req.symbol).copied().unwrap_or_default();
        let held = self.position(&req.symbol).qty.value();
        let signed = req.side.sign() * req.qty.0;
        if req.reduce_only && (held.is_zero() || held.signum() == signed.signum() || req.qty.0 > held.abs()) {
            return Err(reject("reduce_only_rejected", "reduce-only order would not reduce the position"));
        }
        if !req.reduce_only && req.qty.0 * mark < f.min_notional.0 {
            return Err(reject("min_notional", format!("notional below the minimum {}", f.min_notional)));
        }
        let grows = (held + signed).abs() > held.abs();
        if grows {
            let extra = ((held + signed).abs() - held.abs()) * mark / Decimal::from(self.leverage(&req.symbol));
            if extra > self.available(marks) {
                return Err(reject("insufficient_margin", "margin is insufficient"));
            }
        }
        Ok(())
    }

    fn fill(
        &mut self,
        report: &mut OrderReport,
        qty: Decimal,
        price: Decimal,
        fee_rate: Decimal,
        maker: bool,
        t: TimestampMs,
    ) -> Fill {
        let fee = qty * price * fee_rate;
        let filled_before = report.filled_qty.0;
        report.filled_qty = Qty(filled_before + qty);
        let avg = report.avg_price.map_or(price, |a| (a.0 * filled_before + price * qty) / report.filled_qty.0);
        report.avg_price = Some(Price(avg.round_dp(12)));
        report.fee = Usd(report.fee.0 + fee);
        report.time_ms = t;
        self.apply_fill(&report.symbol, report.side.sign() * qty, price);
        self.wallet -= fee;
        let fill = Fill {
            venue: self.venue,
            trade_id: format!("{}-{}", self.venue, self.next_id),
            client_order_id: report.client_order_id.clone(),
            symbol: report.symbol.clone(),
            side: report.side,
            qty: Qty(qty),
            price: Price(price),
            fee: Usd(fee),
            is_maker: maker,
            time_ms: t,
        };
        self.next_id += 1;
        self.fills.push(fill.clone());
        fill
    }

    /// Average in when growing, realise P&L into the wallet when reducing, re-enter on a flip.
    fn apply_fill(&mut self, symbol: &Symbol, signed_qty: Decimal, price: Decimal) {
        let pos = self.positions.entry(symbol.clone()).or_default();
        let realized_before = pos.realized;
        // Fees are charged to the wallet separately, in `fill`.
        pos.apply_fill(Qty(signed_qty), Price(price), Usd::ZERO);
        self.wallet += (pos.realized - realized_before).value();
    }

    /// Fill resting limit orders that the mark has crossed, as maker at their limit.
    pub fn on_mark(
        &mut self,
        symbol: &Symbol,
        mark: Decimal,
        market: &Market,
        t: TimestampMs,
    ) -> Vec<(OrderReport, Fill)> {
        let (crossed, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.resting).into_iter().partition(|(_, r)| {
            &r.symbol == symbol
                && r.price.is_some_and(|p| match r.side {
                    Side::Buy => mark <= p.0,
                    Side::Sell => mark >= p.0,
                })
        });
        self.resting = kept;
        let mut out = Vec::new();
        for (id, req) in crossed {
            let Some(mut report) = self.orders.get(&id).cloned() else {
                continue;
            };
            let qty = req.qty.0 - report.filled_qty.0;
            let price = req.price.map_or(mark, |p| p.0);
            let fill = self.fill(&mut report, qty, price, market.maker_fee, true, t);
            report.status = VenueOrderStatus::Filled;
            self.orders.insert(id, report.clone());
            out.push((report, fill));
        }
        out
    }

    pub fn cancel(&mut self, id: &ClientOrderId, t: TimestampMs) -> Option<OrderReport> {
        let before = self.resting.len();
        self.resting.retain(|(rid, _)| rid != id);
        let report = self.orders.get_mut(id)?;
        if self.resting.len() < before {
            report.status = VenueOrderStatus::Canceled;
            report.time_ms = t;
        }
        Some(report.clone())
    }

    /// Pay or collect one settlement on the symbol's position, if any.
    pub fn settle_funding(
        &mut self,
        symbol: &Symbol,
        rate: FundingRate,
        mark: Decimal,
        t: TimestampMs,
    ) -> Option<FundingPayment> {
        let pos = self.positions.get(symbol).filter(|p| !p.qty.is_zero())?.clone();
        let amount = rate.payment(pos.qty, Price(mark));
        self.wallet += amount.0;
        let payment = FundingPayment {
            venue: self.venue,
            symbol: symbol.clone(),
            payment_id: format!("{}-{}-{}", self.venue, symbol, t),
            rate,
            position_qty: pos.qty,
            mark_price: Price(mark),
            amount,
            time_ms: t,
        };
        self.payments.push(payment.clone());
        Some(payment)
    }

    /// Every symbol with an open position: with an order's, the only marks margin, P&L and
    /// the positions' report look up.
    pub fn symbols_open(&self) -> impl Iterator<Item = &Symbol> {
        self.open_positions().map(|(s, _)| s)
    }

    /// Positions with a quantity: a flat one adds a plain zero to every sum below.
    fn open_positions(&self) -> impl Iterator<Item = (&Symbol, &SimPosition)> {
        self.positions.iter().filter(|(_, p)| !p.qty.is_zero())
    }

    fn unrealized(&self, marks: &BTreeMap<Symbol, Decimal>) -> Decimal {
        self.open_positions().map(|(s, p)| p.unrealized(mark_or_entry(marks, s, p))).sum::<Usd>().value()
    }

    fn margin_used(&self, marks: &BTreeMap<Symbol, Decimal>) -> Decimal {
        self.open_positions()
            .map(|(s, p)| p.notional(mark_or_entry(marks, s, p)) / Decimal::from(self.leverage(s)))
            .sum::<Usd>()
            .value()
    }

    fn available(&self, marks: &BTreeMap<Symbol, Decimal>) -> Decimal {
        self.wallet + self.unrealized(marks) - self.margin_used(marks)
    }

    pub fn balance(&self, marks: &BTreeMap<Symbol, Decimal>, t: TimestampMs) -> Balance {
        let equity = self.wallet + self.unrealized(marks);
        let used = self.margin_used(marks);
        Balance {
            venue: self.venue,
            equity: Usd(equity),
            wallet: Usd(self.wallet),
            available: Usd((equity - used).max(Decimal::ZERO)),
            margin_used: Usd(used),
            time_ms: t,
        }
    }

    /// Isolated-style liquidation price: where the position's margin falls to maintenance.
    pub fn positions(&self, marks: &BTreeMap<Symbol, Decimal>) -> Vec<VenuePosition> {
        self.positions
            .iter()
            .filter(|(_, p)| !p.qty.is_zero())
            .map(|(s, p)| {
                let lev = self.leverage(s);
                let inv = Decimal::ONE / Decimal::from(lev);
                let mmr = self.maintenance_rate;
                let liq = if p.qty > Qty::ZERO {
                    p.entry * (Decimal::ONE - inv) / (Decimal::ONE - mmr)
                } else {
                    p.entry * (Decimal::ONE + inv) / (Decimal::ONE + mmr)
                };
                let mark = mark_or_entry(marks, s, p);
                VenuePosition {
                    venue: self.venue,
                    symbol: s.clone(),
                    qty: p.qty,
                    entry_price: p.entry,
                    mark_price: mark,
                    liquidation_price: Some(liq.round_dp(8)),
                    margin: p.notional(p.entry) * inv,
                    leverage: lev,
                    unrealized_pnl: p.unrealized(mark),
                }
            })
            .collect()
    }
}

/// The symbol's mark, or the entry price where there is none yet.
fn mark_or_entry(marks: &BTreeMap<Symbol, Decimal>, symbol: &Symbol, p: &SimPosition) -> Price {
    marks.get(symbol).copied().map_or(p.entry, Price)
}

#[cfg(test)]
mod tests;

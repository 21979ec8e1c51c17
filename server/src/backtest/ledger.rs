//! What a run produced, as it happened: the engine's fills and funding payments (the rows
//! History stores, exported as they are), the last view of every position, the liquidation-
//! buffer exits, and the running figures the report needs beyond them: the capital the legs
//! occupied over time, the time with a leg open, and the net P&L at the end of every UTC day.
//!
//! Every amount is derived from the fill and payment rows alone (plus marks for legs still
//! open), so that the exported CSVs recompute every figure.

use super::spec::Spec;
use crate::engine::Output;
use crate::venue::sim::machine::SimCore;
use app::equity::{MS_PER_DAY, day_start};
use app::history::{FillRecord, FundingRecord};
use app::pnl::LegLedger;
use app::trading::{Kind, PositionId, PositionView};
use app::{Symbol, TimestampMs, Venue};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

pub struct Ledger {
    pub fills: Vec<FillRecord>,
    pub payments: Vec<FundingRecord>,
    pub positions: BTreeMap<PositionId, PositionView>,
    pub liquidation_buffer: u32,
    pub events: u64,
    legs: BTreeMap<(Venue, Symbol), LegLedger>,
    leverage: (u32, u32),
    /// Money in and out so far: what the legs sold for minus what they bought for, plus
    /// funding, minus fees.
    cash: Decimal,
    /// Up to when capital and time in market are counted.
    since: TimestampMs,
    /// Margin at entry × milliseconds held.
    pub capital_ms: Decimal,
    pub in_market_ms: i64,
    /// Net P&L (open legs at mark) at 00:00 UTC of each day from the start, and at the end.
    pub days: Vec<(TimestampMs, Decimal)>,
    next_day: TimestampMs,
    /// What the legs still open at the end are worth at their last marks.
    pub open_value: Decimal,
    pub end_ms: TimestampMs,
}

impl Ledger {
    pub fn new(spec: &Spec) -> Self {
        Self {
            fills: Vec::new(),
            payments: Vec::new(),
            positions: BTreeMap::new(),
            liquidation_buffer: 0,
            events: 0,
            legs: BTreeMap::new(),
            leverage: (spec.params.leverage_binance, spec.params.leverage_lighter),
            cash: Decimal::ZERO,
            since: spec.from_ms,
            capital_ms: Decimal::ZERO,
            in_market_ms: 0,
            days: Vec::new(),
            next_day: day_start(spec.from_ms),
            open_value: Decimal::ZERO,
            end_ms: spec.to_ms,
        }
    }

    /// Keep what the report needs from one engine output.
    pub fn record(&mut self, output: Output) {
        match output {
            Output::Fill(f) => {
                self.count_until(f.time_ms);
                let leg = self.legs.entry((f.venue, f.symbol.clone())).or_default();
                leg.apply_fill(f.side.sign() * f.qty, f.price, f.fee);
                self.cash += proceeds(&f) - f.fee.0;
                self.fills.push(f);
            }
            Output::FundingBooked(p) => {
                self.cash += p.amount.0;
                self.payments.push(p);
            }
            Output::Position(view) => {
                self.positions.insert(view.id, view);
            }
            Output::Notify(n) if n.kind == Some(Kind::LiquidationBuffer) => self.liquidation_buffer += 1,
            _ => {}
        }
    }

    /// Add the capital occupied and the time in market from the last count to `t`.
    fn count_until(&mut self, t: TimestampMs) {
        let dt = t - self.since;
        if dt <= 0 {
            return;
        }
        let mut margin = Decimal::ZERO;
        let mut open = false;
        for ((venue, _), leg) in &self.legs {
            if leg.qty.is_zero() {
                continue;
            }
            open = true;
            let lev = if *venue == Venue::Binance { self.leverage.0 } else { self.leverage.1 };
            margin += leg.notional(leg.entry).0 / Decimal::from(lev.max(1));
        }
        self.capital_ms += margin * Decimal::from(dt);
        if open {
            self.in_market_ms += dt;
        }
        self.since = t;
    }

    /// The net P&L now, legs still open valued at their marks at `t`.
    fn net_at(&self, t: TimestampMs, venues: &mut [SimCore; 2]) -> Decimal {
        let mut value = self.cash;
        for ((venue, symbol), leg) in &self.legs {
            if leg.qty.is_zero() {
                continue;
            }
            let core = &mut venues[if *venue == Venue::Binance { 0 } else { 1 }];
            let mark = core.market_data().mark(symbol, t).map_or(leg.entry, |m| m.mark);
            value += (leg.qty * mark).0;
        }
        value
    }

    /// Record the net P&L at every day boundary up to `t` (the driver steps onto them).
    pub fn sample_day(&mut self, t: TimestampMs, venues: &mut [SimCore; 2]) {
        while self.next_day <= t && self.next_day <= self.end_ms {
            let net = self.net_at(t, venues);
            self.days.push((self.next_day, net));
            self.next_day += MS_PER_DAY;
        }
    }

    /// The run is over at `t` (after the closes): count up to it, value what is still open and
    /// restate the last day with the closes in it.
    pub fn close(&mut self, t: TimestampMs, venues: &mut [SimCore; 2]) {
        self.count_until(t);
        let net = self.net_at(t, venues);
        self.open_value = net - self.cash;
        match self.days.last_mut() {
            Some((day, value)) if *day == self.end_ms => *value = net,
            _ => self.days.push((self.end_ms, net)),
        }
    }

    /// Open quantity left per leg (closes that could not finish).
    pub fn open_legs(&self) -> Vec<(Venue, Symbol, app::Qty)> {
        self.legs.iter().filter(|(_, l)| !l.qty.is_zero()).map(|((v, s), l)| (*v, s.clone(), l.qty)).collect()
    }
}

/// What a fill brought in: a sale's price, minus a purchase's.
pub fn proceeds(f: &FillRecord) -> Decimal {
    -(f.side.sign() * f.qty * f.price).0
}

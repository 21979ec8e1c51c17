//! The automatic strategy's entry, and every position's exits. Entry: the net edge — expected
//! funding over the horizon minus both legs' round-trip fees and the slippage the books imply
//! for the target size — clears the threshold for N consecutive observations.
//!
//! Exits belong to a position's strategy: spread reversal (also N in a row) and a holding time
//! apply only where its `ExitRules` say (always for `auto`; for `manual` only if the form
//! ticked them; for a signal strategy as its source chose). The risk rules — stop-loss,
//! take-profit, liquidation buffer (`risk::exit_reason`), and the drawdown breaker and kill
//! switch — apply to every position.

use super::risk::exit_reason;
use super::{Engine, Output};
use crate::fast_map::FastMap;
use app::funding::SpreadDirection;
use app::market::common_step;
use app::sizing::{EntryCosts, OpenRequest, entry_costs};
use app::strategy::StrategyId;
use app::trading::{Kind, Level, OpenPositionRequest, Opportunity, PositionStatus};
use app::{Spread, Symbol, Venue};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

const HOURS_PER_YEAR: i64 = 24 * 365;

#[derive(Debug, Default)]
pub struct Entries {
    opportunities: BTreeMap<Symbol, Opportunity>,
    reversal_counts: BTreeMap<Symbol, u32>,
    /// Each symbol's costs of entry and whether its opportunity is up to date, until its book,
    /// mark or market, or the parameters or symbol rules, change.
    priced: FastMap<Symbol, Priced>,
    /// Each symbol's quantity step valid on both venues, until the markets change.
    steps: FastMap<Symbol, Decimal>,
}

#[derive(Debug, Default)]
struct Priced {
    /// What entering and leaving the target notional costs, per direction (`None` inside: not
    /// quotable). Funding does not move it, so each funding update and the timer reuse it.
    costs: [Option<Option<EntryCosts>>; 2],
    /// Evaluated since anything it depends on changed: the timer need not re-rank it.
    ranked: bool,
}

impl Entries {
    /// `symbol`'s book, mark or market changed.
    pub(super) fn reprice(&mut self, symbol: &Symbol) {
        self.priced.remove(symbol);
    }

    /// Every market, the parameters or the symbol rules changed.
    pub(super) fn reprice_all(&mut self) {
        self.priced.clear();
        self.steps.clear();
    }

    pub fn ranked(&self) -> Vec<Opportunity> {
        let mut v: Vec<Opportunity> = self.opportunities.values().cloned().collect();
        v.sort_by(|a, b| b.net_apr.cmp(&a.net_apr));
        v
    }
}

impl Engine {
    /// A venue's funding for `symbol` changed: re-rank it, count confirmations, maybe enter or
    /// exit.
    pub(super) fn on_funding_update(&mut self, symbol: &Symbol, out: &mut Vec<Output>) {
        let Some(opp) = self.evaluate(symbol) else { return };
        let prev = self.entries.opportunities.get(symbol);
        let confirmed = opp.net_apr >= self.params.entry_min_apr;
        let same_dir = prev.is_some_and(|p| p.direction == opp.direction);
        let confirmations = if !confirmed {
            0
        } else if same_dir {
            prev.map_or(0, |p| p.confirmations) + 1
        } else {
            1
        };
        let opp = Opportunity { confirmations, ..opp };
        self.entries.opportunities.insert(symbol.clone(), opp.clone());

        if let Some(pid) = self.active_on(symbol) {
            self.check_reversal(pid, symbol, out);
            return;
        }
        if self.params.auto_open && confirmations >= self.params.entry_confirmations && opp.trading {
            let req = OpenPositionRequest {
                symbol: symbol.clone(),
                direction: opp.direction,
                notional: self.params.target_notional,
                leverage_binance: None,
                leverage_lighter: None,
                slices: None,
                slippage_cap_bps: None,
                exit_on_reversal: true,
                close_after_hours: None,
            };
            let origin =
                super::commands::Origin { strategy: StrategyId::auto(), exits: self.auto_exits(), signal_limit: None };
            if let Err(refusal) = self.open(&req, &origin, out) {
                tracing::debug!(%symbol, %refusal, "strategy entry refused");
            }
        }
    }

    /// Re-price every symbol's opportunity at current quotes, keeping its confirmation count
    /// (confirmations only advance on new funding observations). A symbol evaluated since its
    /// inputs last changed would come out the same, and is skipped.
    pub(super) fn refresh_opportunities(&mut self) {
        let symbols: std::collections::BTreeSet<Symbol> = self
            .market
            .funding
            .keys()
            .map(|(_, s)| s)
            .filter(|s| !self.entries.priced.get(*s).is_some_and(|p| p.ranked))
            .cloned()
            .collect();
        for symbol in symbols {
            if let Some(opp) = self.evaluate(&symbol) {
                let confirmations = self
                    .entries
                    .opportunities
                    .get(&symbol)
                    .filter(|p| p.direction == opp.direction)
                    .map_or(0, |p| p.confirmations);
                self.entries.opportunities.insert(symbol, Opportunity { confirmations, ..opp });
            }
        }
    }

    /// The opportunity on `symbol` for the target notional, net of costs, annualised. The
    /// caller stores it (and stores nothing for `None`): the symbol counts as ranked.
    fn evaluate(&mut self, symbol: &Symbol) -> Option<Opportunity> {
        let rate = |v: Venue| self.market.funding.get(&(v, symbol.clone())).map(|f| f.predicted);
        let spread = Spread::between(rate(Venue::Binance)?, rate(Venue::Lighter)?);
        let costing = self.costing(symbol, spread.direction);
        if let Some(p) = self.entries.priced.get_mut(symbol) {
            p.ranked = true;
        }
        let costing = costing?;
        let net_per_hour = spread.per_hour - costing.per_hour;
        Some(Opportunity {
            symbol: symbol.clone(),
            direction: spread.direction,
            spread_apr: spread.apr,
            net_apr: app::money::round_dp(net_per_hour * Decimal::from(HOURS_PER_YEAR), 8),
            notional: costing.notional,
            confirmations: 0,
            trading: self.symbol_rules.trades(symbol),
        })
    }

    /// The costs of `direction` on `symbol`, priced again only when they may have changed.
    fn costing(&mut self, symbol: &Symbol, direction: SpreadDirection) -> Option<EntryCosts> {
        let slot = usize::from(direction == SpreadDirection::LongBinanceShortLighter);
        if let Some(known) = self.entries.priced.get(symbol).and_then(|p| p.costs[slot]) {
            return known;
        }
        let priced = self.price_costs(symbol, direction);
        self.entries.priced.entry(symbol.clone()).or_default().costs[slot] = Some(priced);
        priced
    }

    fn price_costs(&mut self, symbol: &Symbol, direction: SpreadDirection) -> Option<EntryCosts> {
        let p = &self.params;
        let qb = self.market.quote(Venue::Binance, symbol, p.leverage_binance)?;
        let ql = self.market.quote(Venue::Lighter, symbol, p.leverage_lighter)?;
        let req = OpenRequest {
            direction,
            notional: p.target_notional,
            slices: p.slices,
            max_slice_notional: p.max_slice_notional,
            slippage_cap_bps: p.slippage_cap_bps,
        };
        let step = *self
            .entries
            .steps
            .entry(symbol.clone())
            .or_insert_with(|| common_step(qb.filters.step_size.0, ql.filters.step_size.0));
        entry_costs(&req, &qb, &ql, step, p.horizon_hours)
    }

    /// Close when the spread in the held direction stays below the exit threshold.
    fn check_reversal(&mut self, pid: app::trading::PositionId, symbol: &Symbol, out: &mut Vec<Output>) {
        let Some(pos) = self.positions.get(&pid) else { return };
        if pos.status != PositionStatus::Open || !pos.exits.spread_reversal {
            return;
        }
        let rate = |v: Venue| self.market.funding.get(&(v, symbol.clone())).map(|f| f.predicted.per_hour());
        let (Some(long_r), Some(short_r)) = (rate(pos.legs[0].venue), rate(pos.legs[1].venue)) else { return };
        let held_apr = (short_r - long_r) * Decimal::from(HOURS_PER_YEAR);
        let count = self.entries.reversal_counts.entry(symbol.clone()).or_default();
        *count = if held_apr < self.params.exit_below_apr { *count + 1 } else { 0 };
        if *count >= self.params.entry_confirmations {
            self.entries.reversal_counts.remove(symbol);
            let reason =
                format!("spread reversal: held direction earns {}% APR", (held_apr * Decimal::ONE_HUNDRED).round_dp(2));
            let _ = self.close(pid, Decimal::ONE_HUNDRED, reason, out);
        }
    }

    /// Risk exits, then the strategy's holding time, for open positions (all of them, or those
    /// on `symbol`).
    pub(super) fn check_positions(&mut self, symbol: Option<&Symbol>, out: &mut Vec<Output>) {
        let candidates: Vec<_> = self
            .positions
            .values()
            .filter(|p| p.status == PositionStatus::Open && symbol.is_none_or(|s| &p.symbol == s))
            .map(|p| p.id)
            .collect();
        for pid in candidates {
            let Some(pos) = self.positions.get(&pid) else { continue };
            let pnl = pos.pnl(&self.market, self.now_ms);
            let margin = pos.margin(&self.market);
            if let Some(reason) = exit_reason(pos, &pnl, margin, &self.market, &self.params) {
                let kind =
                    if reason.starts_with("liquidation buffer") { Kind::LiquidationBuffer } else { Kind::RiskExit };
                let n = self.note(Level::Warning, kind, format!("Risk exit on position {pid}"), reason.clone());
                self.notify(n.symbol(&pos.symbol).position(pid), out);
                let _ = self.close(pid, Decimal::ONE_HUNDRED, reason, out);
            } else if let Some(hours) = pos.exits.close_after_hours
                && (self.now_ms - pos.opened_ms) / app::MS_PER_HOUR >= i64::from(hours)
            {
                let reason = format!("maximum holding time of {hours} h reached");
                let _ = self.close(pid, Decimal::ONE_HUNDRED, reason, out);
            }
        }
    }
}

//! The automatic strategy's entry, and every position's exits. Entry: the net edge — expected
//! funding over the horizon minus both legs' round-trip fees and the slippage the books imply
//! for the target size — clears the threshold for N consecutive observations.
//!
//! Exits belong to a position's strategy: spread reversal (also N in a row) and a holding time
//! apply only where its `ExitRules` say (always for `auto`; for `manual` only if the form
//! ticked them; for a signal strategy as its source chose). The risk rules — stop-loss,
//! take-profit, liquidation buffer (`risk::exit_reason`), and the drawdown breaker and kill
//! switch — apply to every position.

use super::market::SymbolId;
use super::risk::exit_reason;
use super::{Engine, Output};
use app::funding::SpreadDirection;
use app::market::common_step;
use app::money::is_positive;
use app::sizing::{EntryCosts, OpenRequest, costs_not_negative, entry_costs, entry_qty_is_zero};
use app::strategy::StrategyId;
use app::trading::{Kind, Level, OpenPositionRequest, Opportunity, PositionStatus};
use app::{Spread, Symbol, Venue};
use rust_decimal::Decimal;

const HOURS_PER_YEAR: i64 = 24 * 365;

/// How far (APR, as a fraction: 1e-8) a spread must stay below the entry threshold for its
/// costs to go unpriced: more than the net figure's rounding to 8 places, so a spread this far below
/// cannot round up to the threshold net of costs that are never negative.
const UNPRICED_BELOW: Decimal = Decimal::from_parts(1, 0, 0, false, 8);

#[derive(Debug, Default)]
pub struct Entries {
    /// What the strategy keeps of each symbol, at its place in the engine's market copy
    /// (`SymbolId`).
    symbols: Vec<SymbolEntry>,
    reversal_counts: std::collections::BTreeMap<Symbol, u32>,
}

#[derive(Debug, Default)]
struct SymbolEntry {
    /// The last observed direction and the confirmations in it (`None`: never observed).
    observed: Option<Observed>,
    /// What is known at the symbol's current quotes, until its book, mark or market, or the
    /// parameters or symbol rules, change.
    priced: Priced,
    /// The quantity step valid on both venues, until the markets change.
    step: Option<Decimal>,
}

/// The strategy's memory of a symbol between observations.
#[derive(Debug, Clone, Copy)]
struct Observed {
    direction: SpreadDirection,
    /// Observations in a row, in `direction`, whose net APR cleared the entry threshold.
    confirmations: u32,
}

#[derive(Debug, Default)]
struct Priced {
    /// Whether the target notional can be sized on both venues now (`None`: not looked at).
    quotable: Option<Quotable>,
    /// What entering and leaving the target notional costs, per direction (`None` inside: not
    /// quotable). Funding does not move it, so each funding update and the board reuse it.
    costs: [Option<Option<EntryCosts>>; 2],
    /// Evaluated since anything it depends on changed: the timer need not re-rank it.
    ranked: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quotable {
    /// No quote on a venue, a mark at or below zero, or the target notional below one step.
    No,
    /// `costs_not_negative`: see [`app::sizing::costs_not_negative`].
    Yes { costs_not_negative: bool },
}

/// One observation of a symbol: its spread, and its net APR where the strategy priced it.
struct Evaluation {
    spread: Spread,
    /// `None`: not priced, because the spread could not clear the entry threshold net of
    /// costs that are never negative (or pricing overflowed on garbage marks).
    net_apr: Option<Decimal>,
}

impl Entries {
    /// The symbol's book, mark or market changed.
    pub(super) fn reprice(&mut self, id: SymbolId) {
        if let Some(e) = self.symbols.get_mut(id.index()) {
            e.priced = Priced::default();
        }
    }

    /// Every market, the parameters or the symbol rules changed.
    pub(super) fn reprice_all(&mut self) {
        for e in &mut self.symbols {
            e.priced = Priced::default();
            e.step = None;
        }
    }

    fn get(&self, id: SymbolId) -> Option<&SymbolEntry> {
        self.symbols.get(id.index())
    }

    fn get_mut(&mut self, id: SymbolId) -> &mut SymbolEntry {
        let i = id.index();
        if i >= self.symbols.len() {
            self.symbols.resize_with(i + 1, SymbolEntry::default);
        }
        &mut self.symbols[i]
    }
}

impl Engine {
    /// A venue's funding for the symbol at `id` changed: re-rank it, count confirmations,
    /// maybe enter or exit.
    pub(super) fn on_funding_update(&mut self, id: SymbolId, out: &mut Vec<Output>) {
        let Some(seen) = self.evaluate(id, true) else { return };
        let direction = seen.spread.direction;
        let prev = self.entries.get(id).and_then(|e| e.observed);
        let confirmed = seen.net_apr.is_some_and(|net| net >= self.params.entry_min_apr);
        let same_dir = prev.is_some_and(|p| p.direction == direction);
        let confirmations = if !confirmed {
            0
        } else if same_dir {
            prev.map_or(0, |p| p.confirmations) + 1
        } else {
            1
        };
        self.entries.get_mut(id).observed = Some(Observed { direction, confirmations });

        let symbol = self.market.symbol(id).clone();
        if let Some(pid) = self.active_on(&symbol) {
            self.check_reversal(pid, id, out);
            return;
        }
        if self.params.auto_open
            && confirmations >= self.params.entry_confirmations
            && self.symbol_rules.trades(&symbol)
        {
            let req = OpenPositionRequest {
                symbol: symbol.clone(),
                direction,
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

    /// Observe again every symbol whose quotes changed since it was last observed, keeping its
    /// confirmation count (confirmations only advance on new funding observations): a symbol
    /// that became quotable is remembered in its direction. A symbol observed since its inputs
    /// last changed would come out the same, and is skipped.
    pub(super) fn refresh_opportunities(&mut self) {
        let ids: Vec<SymbolId> = self
            .market
            .symbols()
            .map(|(id, _)| id)
            .filter(|id| self.market.has_funding(*id) && !self.entries.get(*id).is_some_and(|e| e.priced.ranked))
            .collect();
        for id in ids {
            if let Some(seen) = self.evaluate(id, false) {
                let direction = seen.spread.direction;
                let entry = self.entries.get_mut(id);
                let confirmations = entry.observed.filter(|p| p.direction == direction).map_or(0, |p| p.confirmations);
                entry.observed = Some(Observed { direction, confirmations });
            }
        }
    }

    /// The board: every symbol observed, at the current quotes, best net APR first. A symbol
    /// the strategy did not need to price (its spread could not clear the threshold) is priced
    /// here, as read; one not quotable now is left out.
    pub(super) fn ranked_opportunities(&self) -> Vec<Opportunity> {
        let mut v: Vec<Opportunity> = self
            .entries
            .symbols
            .iter()
            .enumerate()
            .filter_map(|(i, entry)| {
                let (id, seen) = (SymbolId::at(i), entry.observed.as_ref()?);
                let spread = self.spread(id)?;
                let known = entry.priced.costs[slot(spread.direction)];
                let costs = known.unwrap_or_else(|| self.price_costs(id, spread.direction))?;
                let symbol = self.market.symbol(id);
                Some(Opportunity {
                    symbol: symbol.clone(),
                    direction: spread.direction,
                    spread_apr: spread.apr,
                    net_apr: net_apr(&spread, &costs),
                    notional: costs.notional,
                    confirmations: if seen.direction == spread.direction { seen.confirmations } else { 0 },
                    trading: self.symbol_rules.trades(symbol),
                })
            })
            .collect();
        v.sort_by(|a, b| b.net_apr.cmp(&a.net_apr).then_with(|| a.symbol.cmp(&b.symbol)));
        v
    }

    /// Both venues' predicted funding on the symbol as a spread, if both have one.
    fn spread(&self, id: SymbolId) -> Option<Spread> {
        let rate = |v: Venue| self.market.predicted_per_hour(v, id);
        Some(Spread::between_per_hour(rate(Venue::Binance)?, rate(Venue::Lighter)?))
    }

    /// Observe `symbol` at the target notional; `None` when it is not quotable (then nothing is
    /// stored). With `price`, its net APR is priced wherever it could clear the entry
    /// threshold. Either way the symbol counts as ranked.
    fn evaluate(&mut self, id: SymbolId, price: bool) -> Option<Evaluation> {
        let spread = self.spread(id)?;
        let quotable = self.quotable(id);
        self.entries.get_mut(id).priced.ranked = true;
        let Quotable::Yes { costs_not_negative } = quotable else { return None };
        let could_clear = !costs_not_negative || spread.apr + UNPRICED_BELOW >= self.params.entry_min_apr;
        let net_apr =
            if price && could_clear { self.costing(id, spread.direction).map(|c| net_apr(&spread, &c)) } else { None };
        Some(Evaluation { spread, net_apr })
    }

    /// Whether the target notional can be sized on `symbol` now, looked at once per change of
    /// its quotes: exactly where [`entry_costs`] prices something (short of an overflow).
    fn quotable(&mut self, id: SymbolId) -> Quotable {
        if let Some(known) = self.entries.get(id).and_then(|e| e.priced.quotable) {
            return known;
        }
        let (b, l) = (self.market.touch(Venue::Binance, id), self.market.touch(Venue::Lighter, id));
        let quotable = match (b, l) {
            (Some(b), Some(l)) if is_positive(b.mark.0) && is_positive(l.mark.0) => {
                let step = *self.entries.get_mut(id).step.get_or_insert_with(|| common_step(b.step, l.step));
                if entry_qty_is_zero(self.params.target_notional, b.mark, l.mark, step) {
                    Quotable::No
                } else {
                    let fees = [b.taker_fee, l.taker_fee];
                    let touches = [(b.bid, b.ask), (l.bid, l.ask)];
                    Quotable::Yes {
                        costs_not_negative: costs_not_negative(fees, touches, self.params.slippage_cap_bps),
                    }
                }
            }
            _ => Quotable::No,
        };
        self.entries.get_mut(id).priced.quotable = Some(quotable);
        quotable
    }

    /// The costs of `direction` on the symbol, priced again only when they may have changed.
    fn costing(&mut self, id: SymbolId, direction: SpreadDirection) -> Option<EntryCosts> {
        if let Some(known) = self.entries.get(id).and_then(|e| e.priced.costs[slot(direction)]) {
            return known;
        }
        let priced = self.price_costs(id, direction);
        self.entries.get_mut(id).priced.costs[slot(direction)] = Some(priced);
        priced
    }

    fn price_costs(&self, id: SymbolId, direction: SpreadDirection) -> Option<EntryCosts> {
        let p = &self.params;
        let qb = self.market.quote_at(Venue::Binance, id, p.leverage_binance)?;
        let ql = self.market.quote_at(Venue::Lighter, id, p.leverage_lighter)?;
        let req = OpenRequest {
            direction,
            notional: p.target_notional,
            slices: p.slices,
            max_slice_notional: p.max_slice_notional,
            slippage_cap_bps: p.slippage_cap_bps,
        };
        let step = match self.entries.get(id).and_then(|e| e.step) {
            Some(step) => step,
            None => common_step(qb.filters.step_size.0, ql.filters.step_size.0),
        };
        entry_costs(&req, &qb, &ql, step, p.horizon_hours)
    }

    /// Close when the spread in the held direction stays below the exit threshold.
    fn check_reversal(&mut self, pid: app::trading::PositionId, id: SymbolId, out: &mut Vec<Output>) {
        let Some(pos) = self.positions.get(&pid) else { return };
        if pos.status != PositionStatus::Open || !pos.exits.spread_reversal {
            return;
        }
        let rate = |v: Venue| self.market.predicted_per_hour(v, id);
        let (Some(long_r), Some(short_r)) = (rate(pos.legs[0].venue), rate(pos.legs[1].venue)) else { return };
        let held_apr = (short_r - long_r) * Decimal::from(HOURS_PER_YEAR);
        let symbol = &pos.symbol;
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
            let margin = pos.margin(&self.market);
            if let Some(reason) = exit_reason(pos, pos.net(&self.market), margin, &self.market, &self.params) {
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

/// Where a direction's costs are kept in `Priced::costs`.
fn slot(direction: SpreadDirection) -> usize {
    usize::from(direction == SpreadDirection::LongBinanceShortLighter)
}

/// The spread net of the costs of entering and leaving, annualised (8 places).
fn net_apr(spread: &Spread, costs: &EntryCosts) -> Decimal {
    app::money::round_dp((spread.per_hour - costs.per_hour) * Decimal::from(HOURS_PER_YEAR), 8)
}

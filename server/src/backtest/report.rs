//! The figures of a finished run, from its ledger: money split into price, funding (by venue)
//! and fees; APR on the budget and on the capital occupied; Sharpe, Sortino and Calmar on daily
//! returns; the deepest drawdown with its start and end; trading activity; one line per symbol;
//! the daily equity and drawdown series.

use super::ledger::{Ledger, proceeds};
use super::spec::Spec;
use app::backtest::{ByVenue, EquityPoint, Report, SymbolRow};
use app::equity::{MS_PER_DAY, date};
use app::trading::PositionStatus;
use app::{MS_PER_HOUR, Symbol, Usd, Venue};
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use std::collections::BTreeMap;

const DAYS_PER_YEAR: i64 = 365;

/// What the parameters need to hold their whole cap: `max_notional_total` on each leg, at each
/// venue's leverage.
pub fn budget(spec: &Spec) -> Usd {
    let p = &spec.params;
    let per_leg = |lev: u32| p.max_notional_total.0 / Decimal::from(lev.max(1));
    Usd((per_leg(p.leverage_binance) + per_leg(p.leverage_lighter)).round_dp(2))
}

/// Why a position was closed, from the note the engine gave its close.
pub fn exit_reason(note: Option<&str>) -> &'static str {
    let note = note.unwrap_or_default();
    let kinds = [
        ("spread reversal", "spread_reversal"),
        ("stop-loss", "stop_loss"),
        ("take-profit", "take_profit"),
        ("liquidation buffer", "liquidation_buffer"),
        ("maximum holding time", "max_holding_time"),
        ("close-all", "end_of_window"),
    ];
    kinds.iter().find(|(prefix, _)| note.starts_with(prefix)).map_or("other", |(_, name)| name)
}

fn ratio(x: f64) -> Decimal {
    Decimal::from_f64(x).map_or(Decimal::ZERO, |d| d.round_dp(6))
}

pub fn build(spec: &Spec, ledger: &Ledger, elapsed_ms: u64) -> Report {
    let budget = budget(spec);
    let mut price = Decimal::ZERO;
    let (mut fees, mut funding) = (ByVenue::default(), ByVenue::default());
    let mut turnover = Decimal::ZERO;
    let mut rows: BTreeMap<Symbol, SymbolRow> = spec
        .symbols
        .iter()
        .map(|s| {
            let zero = Usd::ZERO;
            let row = SymbolRow {
                symbol: s.clone(),
                opens: 0,
                hours_held: Decimal::ZERO,
                funding: zero,
                fees: zero,
                price_pnl: zero,
                net: zero,
            };
            (s.clone(), row)
        })
        .collect();
    for f in &ledger.fills {
        price += proceeds(f);
        turnover += (f.qty * f.price).0.abs();
        add(&mut fees, f.venue, f.fee);
        if let Some(r) = rows.get_mut(&f.symbol) {
            r.fees += f.fee;
            r.price_pnl += Usd(proceeds(f));
        }
    }
    for p in &ledger.payments {
        add(&mut funding, p.venue, p.amount);
        if let Some(r) = rows.get_mut(&p.symbol) {
            r.funding += p.amount;
        }
    }
    // Legs still open at the end count at their marks.
    price += ledger.open_value;
    let total_fees = fees.binance + fees.lighter;
    let total_funding = funding.binance + funding.lighter;
    let net = Usd(price) + total_funding - total_fees;

    let mut exits: BTreeMap<String, u32> = BTreeMap::new();
    let (mut positions, mut failed, mut held_ms, mut longest_ms) = (0u32, 0u32, 0i64, 0i64);
    for p in ledger.positions.values() {
        if p.status == PositionStatus::Failed {
            failed += 1;
            continue;
        }
        positions += 1;
        let held = p.closed_ms.unwrap_or(ledger.end_ms) - p.opened_ms;
        held_ms += held;
        longest_ms = longest_ms.max(held);
        if let Some(r) = rows.get_mut(&p.symbol) {
            r.opens += 1;
            r.hours_held += hours(held);
        }
        if p.status == PositionStatus::Closed {
            *exits.entry(exit_reason(p.note.as_deref()).to_owned()).or_default() += 1;
        }
    }
    for r in rows.values_mut() {
        r.net = r.price_pnl + r.funding - r.fees;
        r.hours_held = r.hours_held.round_dp(4);
    }

    let window_ms = spec.to_ms - spec.from_ms;
    let years = Decimal::from(window_ms) / Decimal::from(DAYS_PER_YEAR * MS_PER_DAY);
    let apr_budget = if budget.0 > Decimal::ZERO { (net.0 / budget.0 / years).round_dp(8) } else { Decimal::ZERO };
    let capital_years = ledger.capital_ms / Decimal::from(DAYS_PER_YEAR * MS_PER_DAY);
    let apr_occupied = if capital_years > Decimal::ZERO { (net.0 / capital_years).round_dp(8) } else { Decimal::ZERO };

    let curve = equity_curve(budget, &ledger.days);
    let (sharpe, sortino) = sharpe_sortino(&curve);
    let dd = deepest_drawdown(&curve);
    let calmar =
        if dd.pct > Decimal::ZERO { (apr_budget / (dd.pct / Decimal::ONE_HUNDRED)).round_dp(6) } else { Decimal::ZERO };

    Report {
        from: date(spec.from_ms),
        to: date(spec.to_ms),
        symbols: spec.symbols.clone(),
        resolution: spec.resolution,
        strict: spec.strict,
        seed: spec.seed,
        params: spec.params.clone(),
        events: ledger.events,
        elapsed_ms,
        budget,
        net,
        price_pnl: Usd(price),
        funding: total_funding,
        funding_by_venue: funding,
        fees: total_fees,
        fees_by_venue: fees,
        apr_budget,
        apr_occupied,
        sharpe,
        sortino,
        calmar,
        max_drawdown_usd: Usd(dd.usd),
        max_drawdown_pct: dd.pct,
        drawdown_start: dd.start,
        drawdown_end: dd.end,
        positions,
        failed_opens: failed,
        exits_by_reason: exits,
        avg_holding_hours: if positions > 0 {
            (hours(held_ms) / Decimal::from(positions)).round_dp(4)
        } else {
            Decimal::ZERO
        },
        longest_holding_hours: hours(longest_ms).round_dp(4),
        turnover: Usd(turnover),
        turnover_ratio: if budget.0 > Decimal::ZERO { (turnover / budget.0).round_dp(6) } else { Decimal::ZERO },
        time_in_market: (Decimal::from(ledger.in_market_ms) / Decimal::from(window_ms.max(1))).round_dp(6),
        liquidation_buffer_actions: ledger.liquidation_buffer,
        fills: ledger.fills.len() as u32,
        payments: ledger.payments.len() as u32,
        per_symbol: rows.into_values().collect(),
        equity: curve,
    }
}

fn add(b: &mut ByVenue, v: Venue, amount: Usd) {
    match v {
        Venue::Binance => b.binance += amount,
        Venue::Lighter => b.lighter += amount,
    }
}

fn hours(ms: i64) -> Decimal {
    Decimal::from(ms) / Decimal::from(MS_PER_HOUR)
}

/// The budget plus the net P&L at each day's end, and how far below the running peak.
fn equity_curve(budget: Usd, days: &[(i64, Decimal)]) -> Vec<EquityPoint> {
    let mut peak = Decimal::MIN;
    days.iter()
        .map(|(t, net)| {
            let equity = budget.0 + net;
            peak = peak.max(equity);
            EquityPoint { day: date(*t), equity: Usd(equity), drawdown: Usd(peak - equity) }
        })
        .collect()
}

/// Daily returns of the equity curve, annualised with √365 (0 when they do not vary).
fn sharpe_sortino(curve: &[EquityPoint]) -> (Decimal, Decimal) {
    let returns: Vec<f64> = curve
        .windows(2)
        .filter_map(|w| {
            let (a, b) = (w[0].equity.0.to_f64()?, w[1].equity.0.to_f64()?);
            (a > 0.0).then(|| (b - a) / a)
        })
        .collect();
    if returns.len() < 2 {
        return (Decimal::ZERO, Decimal::ZERO);
    }
    let n = returns.len() as f64;
    let mean = returns.iter().sum::<f64>() / n;
    let var = returns.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let down = (returns.iter().map(|r| r.min(0.0).powi(2)).sum::<f64>() / n).sqrt();
    let annual = (DAYS_PER_YEAR as f64).sqrt();
    let sharpe = if var > 0.0 { mean / var.sqrt() * annual } else { 0.0 };
    let sortino = if down > 0.0 { mean / down * annual } else { 0.0 };
    (ratio(sharpe), ratio(sortino))
}

struct Drawdown {
    usd: Decimal,
    pct: Decimal,
    start: Option<String>,
    end: Option<String>,
}

/// The deepest fall from a running peak, with the day of that peak and of the trough.
fn deepest_drawdown(curve: &[EquityPoint]) -> Drawdown {
    let mut worst = Drawdown { usd: Decimal::ZERO, pct: Decimal::ZERO, start: None, end: None };
    let mut peak: Option<&EquityPoint> = None;
    for p in curve {
        if peak.is_none_or(|q| p.equity > q.equity) {
            peak = Some(p);
        }
        let Some(top) = peak else { continue };
        let fall = top.equity.0 - p.equity.0;
        if fall > worst.usd {
            let pct = if top.equity.0 > Decimal::ZERO {
                (fall / top.equity.0 * Decimal::ONE_HUNDRED).round_dp(4)
            } else {
                Decimal::ZERO
            };
            worst = Drawdown { usd: fall, pct, start: Some(top.day.clone()), end: Some(p.day.clone()) };
        }
    }
    worst
}

#[cfg(test)]
mod tests;

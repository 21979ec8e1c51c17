//! The realised P&L series: fills (price P&L realised, fees) and funding payments summed over
//! time, cumulative and per UTC day. Pure, so the server's numbers can be checked by hand.

use super::{FillRecord, FundingRecord, OpenPnl, PnlDay, PnlParts, PnlPoint, PnlSeries, StrategyPnl};
use crate::TimestampMs;
use crate::equity::day_start;
use crate::money::Usd;
use crate::strategy::StrategyId;
use std::collections::BTreeMap;

/// About this many points at most, whatever the window.
const MAX_POINTS: i64 = 500;
const MINUTE: i64 = 60_000;
const STEPS: [i64; 9] = [
    MINUTE,
    5 * MINUTE,
    15 * MINUTE,
    60 * MINUTE,
    4 * 60 * MINUTE,
    24 * 60 * MINUTE,
    7 * 24 * 60 * MINUTE,
    30 * 24 * 60 * MINUTE,
    365 * 24 * 60 * MINUTE,
];

/// The bucket width for a window of `span_ms`: the smallest step that keeps it to
/// [`MAX_POINTS`] buckets.
pub fn series_step_ms(span_ms: i64) -> i64 {
    STEPS.into_iter().find(|s| span_ms / s < MAX_POINTS).unwrap_or(STEPS[STEPS.len() - 1])
}

/// One realised amount at one time.
struct Event {
    time_ms: TimestampMs,
    price: Usd,
    funding: Usd,
    fees: Usd,
}

/// Sum the fills and payments that fall in `[from_ms, to_ms]` (others are ignored).
pub fn pnl_series(
    fills: &[FillRecord],
    payments: &[FundingRecord],
    from_ms: TimestampMs,
    to_ms: TimestampMs,
    open: OpenPnl,
) -> PnlSeries {
    let mut events: Vec<Event> = fills
        .iter()
        .map(|f| Event { time_ms: f.time_ms, price: f.realized_pnl, funding: Usd::ZERO, fees: f.fee })
        .chain(payments.iter().map(|p| Event {
            time_ms: p.time_ms,
            price: Usd::ZERO,
            funding: p.amount,
            fees: Usd::ZERO,
        }))
        .filter(|e| (from_ms..=to_ms).contains(&e.time_ms))
        .collect();
    events.sort_by_key(|e| e.time_ms);

    let step_ms = series_step_ms(to_ms - from_ms);
    let mut total = PnlParts::default();
    let mut points = vec![PnlPoint { time_ms: from_ms, total }];
    let mut days: BTreeMap<TimestampMs, PnlParts> = BTreeMap::new();
    let mut bucket = None;
    for e in &events {
        total.add(e.price, e.funding, e.fees);
        days.entry(day_start(e.time_ms)).or_default().add(e.price, e.funding, e.fees);
        let b = (e.time_ms - from_ms) / step_ms;
        match points.last_mut() {
            // Same bucket as the previous event: the point moves to this event's time.
            Some(last) if bucket == Some(b) => *last = PnlPoint { time_ms: e.time_ms, total },
            _ => points.push(PnlPoint { time_ms: e.time_ms, total }),
        }
        bucket = Some(b);
    }
    PnlSeries {
        from_ms,
        to_ms,
        points,
        step_ms,
        days: days.into_iter().map(|(day_ms, pnl)| PnlDay { day_ms, pnl }).collect(),
        total,
        open,
        by_strategy: by_strategy(fills, payments, from_ms, to_ms),
    }
}

/// The window's realised P&L per strategy, largest net first (then by name).
fn by_strategy(
    fills: &[FillRecord],
    payments: &[FundingRecord],
    from_ms: TimestampMs,
    to_ms: TimestampMs,
) -> Vec<StrategyPnl> {
    let within = |t: TimestampMs| (from_ms..=to_ms).contains(&t);
    let mut parts: BTreeMap<StrategyId, PnlParts> = BTreeMap::new();
    for f in fills.iter().filter(|f| within(f.time_ms)) {
        parts.entry(f.strategy.clone()).or_default().add(f.realized_pnl, Usd::ZERO, f.fee);
    }
    for p in payments.iter().filter(|p| within(p.time_ms)) {
        parts.entry(p.strategy.clone()).or_default().add(Usd::ZERO, p.amount, Usd::ZERO);
    }
    let mut out: Vec<StrategyPnl> = parts.into_iter().map(|(strategy, pnl)| StrategyPnl { strategy, pnl }).collect();
    out.sort_by(|a, b| b.pnl.net.cmp(&a.pnl.net).then_with(|| a.strategy.cmp(&b.strategy)));
    out
}

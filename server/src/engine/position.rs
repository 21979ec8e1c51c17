//! An arbitrage position: two legs shown as one, each with its ledger of fills, fees and
//! settled funding; the view (with marks, estimates and liquidation distance) for the API.

use super::market::MarketCache;
use app::order::Side;
use app::pnl::{LegLedger, PnlBreakdown, funding_estimate};
use app::sizing::legs_of;
use app::strategy::{ExitRules, StrategyId};
use app::trading::{LegView, PositionId, PositionStatus, PositionView};
use app::{Price, Qty, SpreadDirection, Symbol, TimestampMs, Usd, Venue};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leg {
    pub venue: Venue,
    /// Buy for the long leg, Sell for the short leg (the side that opens it).
    pub side: Side,
    pub ledger: LegLedger,
    pub leverage: u32,
    /// When this leg last received a settled funding payment (for the estimate).
    pub last_funding_ms: TimestampMs,
    /// The settlement times booked to this leg, newest [`FUNDING_TIMES_KEPT`]: a payment that
    /// arrives late (re-fetched after a stream lost it) is booked once, even after later ones.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub funding_times: BTreeSet<TimestampMs>,
}

/// Settlement times a leg remembers: over a week of hourly settlements, far more than a
/// re-fetch looks back.
pub const FUNDING_TIMES_KEPT: usize = 256;

impl Leg {
    /// Whether the settlement at `t` is already in the ledger. Older than the times remembered
    /// (or stored before they were), the last settlement decides, as it always did.
    pub fn funding_booked(&self, t: TimestampMs) -> bool {
        if self.funding_times.contains(&t) {
            return true;
        }
        let before_remembered = self.funding_times.first().is_none_or(|first| t < *first);
        before_remembered && t <= self.last_funding_ms
    }

    /// Book the settlement at `t` (after `funding_booked` said it is new).
    pub fn book_funding(&mut self, t: TimestampMs, amount: app::Usd) {
        self.ledger.apply_funding(amount);
        self.last_funding_ms = self.last_funding_ms.max(t);
        self.funding_times.insert(t);
        while self.funding_times.len() > FUNDING_TIMES_KEPT {
            self.funding_times.pop_first();
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub id: PositionId,
    pub strategy: StrategyId,
    /// The strategy's exits for this position. Stored positions from before exits existed read
    /// as none; `Engine::restore` gives `auto` ones the parameters' exits again.
    #[serde(default)]
    pub exits: ExitRules,
    pub symbol: Symbol,
    pub direction: SpreadDirection,
    pub status: PositionStatus,
    pub target_qty: Qty,
    pub legs: [Leg; 2],
    pub opened_ms: TimestampMs,
    pub closed_ms: Option<TimestampMs>,
    pub note: Option<String>,
    /// Executions started so far; numbers each one's client order ids.
    pub executions: u32,
}

impl Position {
    pub fn new(
        id: PositionId,
        (strategy, exits): (StrategyId, ExitRules),
        symbol: Symbol,
        direction: SpreadDirection,
        leverage: (u32, u32),
        now: TimestampMs,
    ) -> Self {
        let (long_v, short_v) = legs_of(direction);
        let lev = |v: Venue| if v == Venue::Binance { leverage.0 } else { leverage.1 };
        let leg = |venue, side| Leg {
            venue,
            side,
            ledger: LegLedger::default(),
            leverage: lev(venue),
            last_funding_ms: now,
            funding_times: BTreeSet::new(),
        };
        Self {
            id,
            strategy,
            exits,
            symbol,
            direction,
            status: PositionStatus::Opening,
            target_qty: Qty::ZERO,
            legs: [leg(long_v, Side::Buy), leg(short_v, Side::Sell)],
            opened_ms: now,
            closed_ms: None,
            note: None,
            executions: 0,
        }
    }

    pub fn leg(&self, venue: Venue) -> &Leg {
        if self.legs[0].venue == venue { &self.legs[0] } else { &self.legs[1] }
    }

    pub fn leg_mut(&mut self, venue: Venue) -> &mut Leg {
        if self.legs[0].venue == venue { &mut self.legs[0] } else { &mut self.legs[1] }
    }

    /// Absolute open quantity of each leg, long leg first.
    pub fn sizes(&self) -> (Qty, Qty) {
        (self.legs[0].ledger.qty.abs(), self.legs[1].ledger.qty.abs())
    }

    pub fn margin(&self, market: &MarketCache) -> Usd {
        self.legs
            .iter()
            .map(|l| {
                let mark = market.mark(l.venue, &self.symbol).unwrap_or(l.ledger.entry);
                l.ledger.notional(mark) / Decimal::from(l.leverage.max(1))
            })
            .sum()
    }

    pub fn pnl(&self, market: &MarketCache, now: TimestampMs) -> PnlBreakdown {
        let mut total = PnlBreakdown::default();
        for l in &self.legs {
            total.add(&self.leg_pnl(l, market, now));
        }
        total
    }

    /// [`Position::pnl`]'s `net`, what the risk rules judge, without the funding estimate
    /// (which `net` leaves out): the same sums in the same order.
    pub fn net(&self, market: &MarketCache) -> Usd {
        let mut net = Usd::ZERO;
        for l in &self.legs {
            let mark = market.mark(l.venue, &self.symbol).unwrap_or(l.ledger.entry);
            net += PnlBreakdown::from_legs([(&l.ledger, mark, Usd::ZERO)]).net;
        }
        net
    }

    fn leg_pnl(&self, l: &Leg, market: &MarketCache, now: TimestampMs) -> PnlBreakdown {
        let mark = market.mark(l.venue, &self.symbol).unwrap_or(l.ledger.entry);
        let estimate = market
            .predicted(l.venue, &self.symbol)
            .filter(|_| self.status.is_active())
            .map_or(Usd::ZERO, |rate| funding_estimate(l.ledger.qty, mark, rate, l.last_funding_ms, now));
        PnlBreakdown::from_legs([(&l.ledger, mark, estimate)])
    }

    pub fn view(&self, market: &MarketCache, now: TimestampMs) -> PositionView {
        let legs = self
            .legs
            .iter()
            .map(|l| {
                let mark = market.mark(l.venue, &self.symbol);
                let liq = market
                    .venue_positions
                    .get(&(l.venue, self.symbol.clone()))
                    .filter(|p| !p.qty.is_zero())
                    .and_then(|p| p.liquidation_price);
                let distance = match (mark, liq) {
                    (Some(m), Some(q)) if m > Price::ZERO => Some(((m - q).abs() / m).round_dp(6)),
                    _ => None,
                };
                LegView {
                    venue: l.venue,
                    side: l.side,
                    qty: l.ledger.qty,
                    entry_price: l.ledger.entry,
                    mark_price: mark,
                    liquidation_price: liq,
                    liquidation_distance: distance,
                    pnl: self.leg_pnl(l, market, now),
                }
            })
            .collect();
        PositionView {
            id: self.id,
            strategy: self.strategy.clone(),
            exits: self.exits,
            symbol: self.symbol.clone(),
            direction: self.direction,
            status: self.status,
            target_qty: self.target_qty,
            legs,
            pnl: self.pnl(market, now),
            margin: self.margin(market),
            opened_ms: self.opened_ms,
            closed_ms: self.closed_ms,
            note: self.note.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_settlement_is_booked_once_even_when_it_arrives_late() {
        let mut leg = Position::new(
            PositionId::new(1),
            (StrategyId::manual(), ExitRules::default()),
            Symbol::new("ETH").unwrap(),
            SpreadDirection::LongLighterShortBinance,
            (3, 3),
            1_000,
        )
        .legs[0]
            .clone();
        let (h, one) = (app::MS_PER_HOUR, Usd(rust_decimal::Decimal::ONE));
        assert!(leg.funding_booked(1_000), "nothing settles at the opening instant");
        leg.book_funding(1_000 + h, one);
        // The payment at 3h arrives before the one at 2h (the stream lost it; a re-fetch brings it).
        leg.book_funding(1_000 + 3 * h, one);
        assert!(!leg.funding_booked(1_000 + 2 * h));
        leg.book_funding(1_000 + 2 * h, one);
        for t in [1, 2, 3] {
            assert!(leg.funding_booked(1_000 + t * h), "{t}h booked");
        }
        assert_eq!(leg.ledger.funding, Usd(rust_decimal::Decimal::from(3)));
        assert_eq!(leg.last_funding_ms, 1_000 + 3 * h);
        // Stored before the times were kept: the last settlement decides, as before.
        let old = Leg { funding_times: BTreeSet::new(), ..leg.clone() };
        assert!(old.funding_booked(1_000 + 2 * h));
        assert!(!old.funding_booked(1_000 + 4 * h));
        // Only the newest are remembered; older ones still count as booked.
        for t in 0..(FUNDING_TIMES_KEPT as i64 + 10) {
            leg.book_funding(10 * h + t * h, Usd::ZERO);
        }
        assert_eq!(leg.funding_times.len(), FUNDING_TIMES_KEPT);
        assert!(leg.funding_booked(1_000 + h));
    }
}

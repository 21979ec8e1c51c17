//! The risk manager. Orders reach a venue only as `RiskApproved<OrderRequest>`, which only this
//! module can build; every refusal carries a reason the API and the UI show.

use super::market::MarketCache;
use super::position::Position;
use app::money::is_positive;
use app::order::OrderRequest;
use app::params::StrategyParams;
use app::sizing::OpenPreview;
use app::trading::{Kind, Level, Notification};
use app::{Price, Symbol, TimestampMs, Usd};
use rust_decimal::Decimal;

/// Why the engine or the risk manager said no. Shown by the API and the UI as is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

/// An order the risk manager let through. There is no public constructor.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskApproved<T>(T);

impl<T> RiskApproved<T> {
    pub fn inner(&self) -> &T {
        &self.0
    }

    pub fn into_inner(self) -> T {
        self.0
    }
}

#[derive(Debug, Default, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RiskState {
    pub paused: bool,
    pub killed: bool,
    /// The drawdown breaker tripped: no opens until resumed by an operator.
    pub breaker: bool,
    pub peak_equity: Decimal,
}

impl RiskState {
    /// Why opening is blocked right now; empty when it is not.
    pub fn blocked(&self, market: &MarketCache) -> Vec<String> {
        let mut reasons = Vec::new();
        if self.killed {
            reasons.push("kill switch is on".to_owned());
        }
        if self.paused {
            reasons.push("opening is paused".to_owned());
        }
        if self.breaker {
            reasons.push("the drawdown breaker tripped".to_owned());
        }
        reasons.extend(market.stale_reasons());
        reasons
    }

    /// Gate for a new position: the engine state, data freshness, caps and the pre-flight.
    pub fn approve_open(
        &self,
        market: &MarketCache,
        params: &StrategyParams,
        preview: &OpenPreview,
        symbol: &Symbol,
        open_notional: (Usd, Usd),
    ) -> Result<(), Refusal> {
        if let Some(reason) = self.blocked(market).into_iter().next() {
            return Err(Refusal(format!("cannot open: {reason}")));
        }
        if let Some(reason) = preview.refusals.first() {
            return Err(Refusal(format!("pre-flight failed: {reason}")));
        }
        let (symbol_open, total_open) = open_notional;
        if symbol_open + preview.notional > params.max_notional_per_symbol {
            return Err(Refusal(format!(
                "cap: {symbol} would hold {} USD, above the per-symbol cap of {} USD",
                (symbol_open + preview.notional).value().round_dp(2),
                params.max_notional_per_symbol.value()
            )));
        }
        if total_open + preview.notional > params.max_notional_total {
            return Err(Refusal(format!(
                "cap: total exposure would be {} USD, above the cap of {} USD",
                (total_open + preview.notional).value().round_dp(2),
                params.max_notional_total.value()
            )));
        }
        Ok(())
    }

    /// The last gate before a venue. After the kill switch only reducing orders pass.
    pub fn approve_order(&self, order: OrderRequest) -> Result<RiskApproved<OrderRequest>, Refusal> {
        if self.killed && !order.reduce_only {
            return Err(Refusal("kill switch is on: only reducing orders may be sent".into()));
        }
        if order.qty <= app::Qty::ZERO {
            return Err(Refusal("order quantity must be positive".into()));
        }
        Ok(RiskApproved(order))
    }

    /// Track peak equity; trip the breaker when equity falls too far below it.
    pub fn observe_equity(
        &mut self,
        equity: Decimal,
        params: &StrategyParams,
        now: TimestampMs,
    ) -> Option<Notification> {
        self.peak_equity = self.peak_equity.max(equity);
        if self.breaker || self.peak_equity <= Decimal::ZERO {
            return None;
        }
        let drawdown = (self.peak_equity - equity) / self.peak_equity;
        (drawdown >= params.max_drawdown).then(|| {
            self.breaker = true;
            Notification::new(
                Level::Critical,
                Kind::DrawdownBreaker,
                now,
                "Drawdown breaker tripped",
                format!(
                    "equity {} is {}% below its peak {}; opening is blocked until resumed",
                    equity.round_dp(2),
                    (drawdown * Decimal::ONE_HUNDRED).round_dp(2),
                    self.peak_equity.round_dp(2)
                ),
            )
        })
    }
}

/// A cap on what a group of positions may hold (a strategy's, a signal source's): refused when
/// `held + adding` would pass `cap`.
pub fn approve_cap(who: &str, held: Usd, adding: Usd, cap: Option<Usd>) -> Result<(), Refusal> {
    match cap {
        Some(cap) if held + adding > cap => Err(Refusal(format!(
            "cap: {who} would hold {} USD, above its cap of {} USD",
            (held + adding).value().round_dp(2),
            cap.value()
        ))),
        _ => Ok(()),
    }
}

/// Why an open position must be closed now by a risk rule, if it must: stop-loss,
/// take-profit or a leg near liquidation. These apply to every position, whatever its
/// strategy; the strategy's own exits (reversal, holding time) are in `strategy`.
pub fn exit_reason(
    pos: &Position,
    net: Usd,
    margin: Usd,
    market: &MarketCache,
    params: &StrategyParams,
) -> Option<String> {
    let (stop, take) = (params.stop_loss.value(), params.take_profit.value());
    // Far inside both limits, the share need not be worked out (this runs on every mark).
    if margin > Usd::ZERO && !share_clearly_below(net.value(), margin.value(), stop.min(take)) {
        // Net P&L as a share of margin: negative for a loss.
        let ratio = net / margin;
        if -ratio >= params.stop_loss {
            return Some(format!(
                "stop-loss: net {} is {}% of margin",
                net.value().round_dp(2),
                (ratio * Decimal::ONE_HUNDRED).round_dp(2)
            ));
        }
        if ratio >= params.take_profit {
            return Some(format!(
                "take-profit: net {} is {}% of margin",
                net.value().round_dp(2),
                (ratio * Decimal::ONE_HUNDRED).round_dp(2)
            ));
        }
    }
    for leg in &pos.legs {
        let key = (leg.venue, pos.symbol.clone());
        let (Some(mark), Some(liq)) =
            (market.mark(leg.venue, &pos.symbol), market.venue_positions.get(&key).and_then(|p| p.liquidation_price))
        else {
            continue;
        };
        let distance = (mark - liq).abs();
        let buffer = params.liquidation_buffer.value();
        if mark > Price::ZERO
            && !share_clearly_above(distance.value(), mark.value(), buffer)
            && distance / mark <= params.liquidation_buffer
        {
            return Some(format!(
                "liquidation buffer: {} mark {} is within {}% of liquidation {}",
                leg.venue,
                mark.value(),
                params.liquidation_buffer.percent(),
                liq
            ));
        }
    }
    None
}

/// Below this a bound is not trusted: `Decimal` products round to 28 places, an error that
/// is no longer small beside so small a figure.
const BOUND_FLOOR: Decimal = Decimal::from_parts(1, 0, 0, false, 20);

/// Whether `|a| / b` (as `Decimal` divides it, to 28 significant digits) is certainly below
/// `limit`, told without dividing: `2·|a| < limit·b`. Each product is then off by far less
/// than the factor of two, so the quotient is under about half the limit. `false`: divide.
fn share_clearly_below(a: Decimal, b: Decimal, limit: Decimal) -> bool {
    if !(is_positive(b) && is_positive(limit)) {
        return false;
    }
    match (a.abs().checked_mul(Decimal::TWO), limit.checked_mul(b)) {
        (Some(twice), Some(bound)) => bound >= BOUND_FLOOR && twice < bound,
        _ => false,
    }
}

/// Whether `|a| / b` is certainly above `limit`: `|a| > 2·limit·b` (as above, in reverse).
fn share_clearly_above(a: Decimal, b: Decimal, limit: Decimal) -> bool {
    if !(is_positive(b) && is_positive(limit)) {
        return false;
    }
    match limit.checked_mul(b).and_then(|x| x.checked_mul(Decimal::TWO)) {
        Some(bound) => bound >= BOUND_FLOOR && a.abs() > bound,
        None => false,
    }
}

#[cfg(test)]
mod share_tests {
    use super::*;

    /// Wherever the shortcuts answer, the division agrees: over figures from a fixed stream
    /// across many magnitudes, and the edges (exactly twice, half, zero, tiny bounds).
    #[test]
    fn the_shortcuts_never_contradict_the_division() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let figure = |next: &mut dyn FnMut() -> u64| {
            let digits = (next() % 20) as u32;
            let m = (next() % 10u64.pow(digits)) as i64;
            let m = if next() % 3 == 0 { -m } else { m };
            Decimal::new(m, (next() % 16) as u32)
        };
        let (mut below, mut above, mut total) = (0, 0, 0);
        for _ in 0..200_000 {
            let (a, b, limit) = (figure(&mut next), figure(&mut next).abs(), figure(&mut next).abs());
            total += 1;
            let quotient = if b.is_zero() { None } else { a.abs().checked_div(b) };
            if share_clearly_below(a, b, limit) {
                below += 1;
                assert!(quotient.unwrap() < limit, "{a} / {b} below {limit}");
            }
            if share_clearly_above(a, b, limit) {
                above += 1;
                // No quotient: beyond what a decimal holds, above any limit.
                assert!(quotient.is_none_or(|q| q > limit), "{a} / {b} above {limit}");
            }
        }
        assert!(below > total / 10 && above > total / 10, "below {below}, above {above} of {total}");
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert!(!share_clearly_below(d("10"), d("100"), d("0.2")), "exactly half is not below");
        assert!(share_clearly_below(d("9.99"), d("100"), d("0.2")));
        assert!(!share_clearly_above(d("40"), d("100"), d("0.2")), "exactly twice is not above");
        assert!(share_clearly_above(d("40.01"), d("100"), d("0.2")));
        assert!(!share_clearly_below(d("0"), d("0.00000000000000000001"), d("0.00001")), "tiny bound");
        assert!(!share_clearly_below(d("1"), d("0"), d("0.2")) && !share_clearly_above(d("1"), d("0"), d("0.2")));
    }
}

//! Funding on the simulated venues (manual clock, the embedded history): the funding the P&L
//! report shows equals, exactly, the sum of the payments the venues made.

use super::harness::*;
use crate::engine::Command;
use crate::venue::VenueClient;
use app::order::FundingPayment;
use app::params::StrategyParams;
use app::pnl::PnlBreakdown;
use app::trading::{ClosePositionRequest, OpenPositionRequest, PositionId, PositionStatus};
use app::{SpreadDirection, Symbol, Usd, Venue};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::collections::HashMap;

const HOUR: i64 = 3_600_000;

/// Hold through the month whatever the spread, the price or the clock does; close in one
/// slice, so that a close can complete before the venues' events that preceded it are read.
fn held() -> StrategyParams {
    StrategyParams {
        exit_below_apr: dec!(-1),
        stop_loss_pct: dec!(1),
        take_profit_pct: dec!(10),
        max_holding_hours: 24 * 60,
        liquidation_buffer_pct: dec!(0.001),
        slices: 1,
        ..params()
    }
}

async fn open(h: &mut Harness, symbol: &str, direction: SpreadDirection) -> PositionId {
    let symbol = Symbol::new(symbol).expect("symbol");
    // Margined at 2x, a leg is liquidated only by a move of about half its price: the month's
    // price path must not end a position early.
    for v in Venue::ALL {
        h.venues[&v].set_leverage(&symbol, 2);
    }
    let req = OpenPositionRequest {
        symbol,
        direction,
        notional: Usd(Decimal::from(4_000)),
        leverage_binance: None,
        leverage_lighter: None,
        slices: Some(4),
        slippage_cap_bps: None,
    };
    let id = h.command(Command::Open(req)).await.expect("open").positions[0];
    h.settle(20).await;
    assert_eq!(h.position(id).status, PositionStatus::Open, "{:?}", h.position(id));
    id
}

/// Move to one millisecond before the next 8 h settlement (both venues settle then), with fresh
/// market data, then to the settlement itself without reading anything from the venues.
async fn to_next_8h_settlement(h: &mut Harness) -> i64 {
    let now = h.clock().now_ms();
    let next = (now.div_euclid(8 * HOUR) + 1) * 8 * HOUR;
    h.advance(next - 1 - now).await;
    h.clock().advance(1);
    next
}

async fn close(h: &mut Harness, id: PositionId, percent: Decimal) {
    h.command(Command::Close(ClosePositionRequest { position_id: id, percent })).await.expect("close");
    h.settle(20).await;
}

/// Funding as `GET /api/v1/pnl` totals it: every position's breakdown, added.
fn reported_funding(h: &Harness) -> Decimal {
    let mut total = PnlBreakdown::default();
    for p in h.engine.positions() {
        total.add(&p.pnl);
    }
    total.funding_settled
}

/// The venues' own record of every payment, whatever the engine heard.
async fn venue_payments(h: &Harness) -> Vec<FundingPayment> {
    let mut all = Vec::new();
    for v in Venue::ALL {
        all.extend(h.venues[&v].funding_payments(0).await.expect("payments"));
    }
    all
}

fn paid(payments: &[FundingPayment], venue: Venue, symbol: &str) -> (Decimal, usize) {
    let mine: Vec<_> = payments.iter().filter(|p| p.venue == venue && p.symbol.as_str() == symbol).collect();
    (mine.iter().map(|p| p.amount.0).sum(), mine.len())
}

/// The venues settle at the moment the engine closes: their payment events arrive after the
/// close has flattened the legs, and still belong to the position.
#[tokio::test]
async fn a_payment_reported_after_its_leg_was_closed_is_still_booked() {
    let mut h = Harness::with_params(HashMap::new(), held()).await;
    let btc = open(&mut h, "BTC", SpreadDirection::LongBinanceShortLighter).await;
    let t = to_next_8h_settlement(&mut h).await;
    close(&mut h, btc, dec!(100)).await;

    let payments = venue_payments(&h).await;
    let at_close: Vec<_> = payments.iter().filter(|p| p.time_ms == t).collect();
    assert_eq!(at_close.len(), 2, "both venues settle BTC at {t}: {payments:?}");
    let p = h.position(btc);
    assert_eq!(p.status, PositionStatus::Closed);
    for leg in &p.legs {
        assert_eq!(leg.pnl.funding_settled, paid(&payments, leg.venue, "BTC").0, "{}", leg.venue);
    }
    assert_eq!(reported_funding(&h), payments.iter().map(|p| p.amount.0).sum::<Decimal>());
}

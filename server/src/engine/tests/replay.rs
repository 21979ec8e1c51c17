//! A month on the simulated venues (manual clock, the embedded history), stepped hour by hour:
//! the funding the P&L report shows equals, exactly, the sum of the payments the venues made.

use super::harness::*;
use crate::engine::{Command, EngineEvent, Output};
use crate::venue::{VenueClient, VenueEvent};
use app::order::FundingPayment;
use app::params::StrategyParams;
use app::pnl::PnlBreakdown;
use app::trading::{ClosePositionRequest, OpenPositionRequest, PositionId, PositionStatus};
use app::{Fraction, Qty, SpreadDirection, Symbol, Usd, Venue};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::collections::HashMap;

const HOUR: i64 = 3_600_000;
const DAYS: i64 = 30;

/// Hold through the month whatever the spread, the price or the clock does; close in one
/// slice, so that a close can complete before the venues' events that preceded it are read.
fn held() -> StrategyParams {
    StrategyParams {
        exit_below_apr: dec!(-1),
        stop_loss: Fraction::from_percent(100),
        take_profit: Fraction::from_percent(1000),
        max_holding_hours: 24 * 60,
        liquidation_buffer: Fraction::new(dec!(0.001)).expect("a share"),
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
        exit_on_reversal: false,
        close_after_hours: None,
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
fn reported_funding(h: &Harness) -> Usd {
    let mut total = PnlBreakdown::default();
    for p in h.all_positions() {
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

fn paid(payments: &[FundingPayment], venue: Venue, symbol: &str) -> (Usd, usize) {
    let mine: Vec<_> = payments.iter().filter(|p| p.venue == venue && p.symbol.as_str() == symbol).collect();
    (mine.iter().map(|p| p.amount).sum(), mine.len())
}

/// Three positions in both directions for 30 days, hour by hour: every payment the venues
/// record is in the P&L report once, across a partial close and a close at a settlement.
#[tokio::test]
async fn a_month_of_funding_matches_the_venues_payments_exactly() {
    let mut h = Harness::with_params(HashMap::new(), held()).await;
    // Both directions; TIA settles every 4 h on Binance, ETH and BTC every 8 h.
    let eth = open(&mut h, "ETH", SpreadDirection::LongLighterShortBinance).await;
    let tia = open(&mut h, "TIA", SpreadDirection::LongBinanceShortLighter).await;
    let btc = open(&mut h, "BTC", SpreadDirection::LongBinanceShortLighter).await;
    let eth_size = h.position(eth).legs[0].qty;

    for hour in 1..=DAYS * 24 {
        h.advance(HOUR).await;
        // Mid-hour, so the next settlements are paid on the smaller legs.
        if hour == 15 * 24 {
            h.advance(HOUR / 2).await;
            close(&mut h, eth, dec!(40)).await;
        }
        // At a settlement the engine has not heard of yet: the venues report both payments
        // after the close has already flattened the legs.
        if hour == 22 * 24 {
            let t = to_next_8h_settlement(&mut h).await;
            close(&mut h, btc, dec!(100)).await;
            assert!(venue_payments(&h).await.iter().any(|p| p.symbol.as_str() == "BTC" && p.time_ms == t));
        }
    }

    let payments = venue_payments(&h).await;
    let venue_total: Usd = payments.iter().map(|p| p.amount).sum();
    let reported = reported_funding(&h);

    // Leg by leg first, so that a failure names the leg.
    for (id, symbol) in [(eth, "ETH"), (tia, "TIA"), (btc, "BTC")] {
        let p = h.position(id);
        for leg in &p.legs {
            let (sum, n) = paid(&payments, leg.venue, symbol);
            assert!(n > 0, "no {} payments on {symbol}", leg.venue);
            assert_eq!(leg.pnl.funding_settled, sum, "{symbol} on {}: {n} payments", leg.venue);
        }
    }
    // Every hour on Lighter, every 4 h for TIA and 8 h for ETH on Binance, while held.
    let end = h.clock().now_ms();
    let count =
        |id: PositionId, every: i64| (end.div_euclid(every) - h.position(id).opened_ms.div_euclid(every)) as usize;
    assert_eq!(paid(&payments, Venue::Lighter, "TIA").1, count(tia, HOUR));
    assert_eq!(paid(&payments, Venue::Binance, "TIA").1, count(tia, 4 * HOUR));
    assert_eq!(paid(&payments, Venue::Lighter, "ETH").1, count(eth, HOUR));
    assert_eq!(paid(&payments, Venue::Binance, "ETH").1, count(eth, 8 * HOUR));
    assert!(count(tia, HOUR) >= (DAYS * 24) as usize);
    assert!(paid(&payments, Venue::Lighter, "BTC").1 < (DAYS * 24) as usize, "BTC was closed on day 22");
    assert_eq!(h.position(btc).status, PositionStatus::Closed);
    let eth_left = h.position(eth).legs[0].qty;
    assert!(eth_left > Qty::ZERO && eth_left < eth_size, "ETH was partly closed on day 15");

    assert_ne!(venue_total, Usd::ZERO);
    assert_eq!(reported.round_dp(2), venue_total.round_dp(2), "to the cent");
    assert_eq!(reported, venue_total, "exactly");

    assert_eq!(recorded_funding(&h), venue_total, "History's payment records");

    // A stream that reconnects may deliver payments again: each is booked once.
    for p in payments {
        h.feed(EngineEvent::Venue(VenueEvent::FundingPaid(p))).await;
    }
    assert_eq!(reported_funding(&h), venue_total, "a re-delivered payment was booked twice");
    assert_eq!(recorded_funding(&h), venue_total, "a re-delivered payment was recorded twice");
}

/// Funding as History lists it: every payment record the engine put out.
fn recorded_funding(h: &Harness) -> Usd {
    h.outputs.iter().filter_map(|o| if let Output::FundingBooked(p) = o { Some(p.amount) } else { None }).sum()
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
    assert_eq!(reported_funding(&h), payments.iter().map(|p| p.amount).sum::<Usd>());
}

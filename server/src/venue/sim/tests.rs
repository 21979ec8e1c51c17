//! The simulated venues end to end through the `VenueClient` interface, on a manual clock:
//! funding settlement checked by hand, and determinism per seed.

use super::history::{History, ORIGIN_MS, PERIOD_MS};
use super::*;
use app::order::{OrderType, Side, TimeInForce};
use app::{FundingInterval, Qty, Usd};
use rust_decimal_macros::dec;
use std::sync::OnceLock;

fn history() -> Arc<History> {
    static H: OnceLock<Arc<History>> = OnceLock::new();
    H.get_or_init(|| History::embedded().unwrap()).clone()
}

/// 2026-08-21 07:59 UTC: one minute before the first recorded BTC settlement, one cycle on.
const BEFORE_FIRST: i64 = 1_755_763_200_000 + PERIOD_MS - 60_000;

fn venue(v: Venue, seed: u64, start: i64) -> Arc<SimVenue> {
    let config = SimConfig { seed, starting_balance: dec!(100000), faults: FaultSettings::default() };
    SimVenue::new(v, history(), SimClock::manual(start), config)
}

fn btc() -> Symbol {
    Symbol::new("BTC").unwrap()
}

fn market_order(id: &str, side: Side, qty: Decimal) -> OrderRequest {
    OrderRequest {
        client_order_id: ClientOrderId::new(id).unwrap(),
        symbol: btc(),
        side,
        qty: Qty(qty),
        order_type: OrderType::Market,
        price: None,
        time_in_force: TimeInForce::Ioc,
        reduce_only: false,
    }
}

#[tokio::test]
async fn binance_settles_eight_hourly_funding_as_computed_by_hand() {
    let v = venue(Venue::Binance, 7, BEFORE_FIRST);
    let r = v.place_order(&market_order("long-1", Side::Buy, dec!(0.5))).await.unwrap();
    assert_eq!(r.filled_qty, Qty(dec!(0.5)));
    v.clock().advance(2 * 60_000);
    let paid = v.funding_payments(0).await.unwrap();
    assert_eq!(paid.len(), 1, "{paid:?}");
    let p = &paid[0];
    // Recorded: BTCUSDT 2025-08-21 08:00, rate 7.757e-05 / 8 h, mark 113836.8 (tick 1 -> 113836).
    assert_eq!(p.time_ms, 1_755_763_200_000 + PERIOD_MS);
    assert_eq!(p.rate, app::FundingRate::new(dec!(0.00007757), FundingInterval::EIGHT_HOURS));
    assert_eq!(p.mark_price.0, dec!(113836));
    // Long 0.5 pays 0.5 x 113836 x 0.00007757 = 4.41512926.
    assert_eq!(p.amount, Usd(dec!(-4.41512926)));
    // Hours later, no second payment until the next 8-hour settlement (16:00).
    v.clock().advance(7 * 3_600_000);
    assert_eq!(v.funding_payments(0).await.unwrap().len(), 1);
    v.clock().advance(3_600_000);
    assert_eq!(v.funding_payments(0).await.unwrap().len(), 2);
}

#[tokio::test]
async fn lighter_settles_hourly_and_shorts_collect_positive_rates() {
    let v = venue(Venue::Lighter, 7, BEFORE_FIRST);
    v.place_order(&market_order("short-1", Side::Sell, dec!(0.2))).await.unwrap();
    v.clock().advance(3 * 3_600_000);
    let paid = v.funding_payments(0).await.unwrap();
    assert_eq!(paid.len(), 3, "{paid:?}");
    for p in &paid {
        assert_eq!(p.rate.interval, FundingInterval::HOURLY);
        assert_eq!(p.position_qty, Qty(dec!(-0.2)));
        // Short receives qty x mark x rate when the rate is positive.
        assert_eq!(p.amount.0, dec!(0.2) * p.mark_price.0 * p.rate.rate);
    }
    // Recorded Hyperliquid BTC at 2025-08-21 08:00: 1.25e-05 per hour.
    assert_eq!(paid[0].rate.rate, dec!(0.0000125));
    let balance = v.balance().await.unwrap();
    let fees = Decimal::ZERO; // Lighter standard accounts pay no fees.
    let funding: Decimal = paid.iter().map(|p| p.amount.0).sum();
    let upnl: Decimal = v.positions().await.unwrap().iter().map(|p| p.unrealized_pnl.0).sum();
    assert_eq!(balance.wallet.0, dec!(100000) + funding - fees);
    assert_eq!(balance.equity.0, balance.wallet.0 + upnl);
}

async fn run_script(seed: u64) -> Vec<String> {
    let mut out = Vec::new();
    for v in [
        venue(Venue::Binance, seed, ORIGIN_MS + 5 * 86_400_000),
        venue(Venue::Lighter, seed, ORIGIN_MS + 5 * 86_400_000),
    ] {
        for step in 0..50 {
            v.clock().advance(37_000);
            out.push(format!("{:?}", v.funding(&btc()).await.unwrap()));
            out.push(format!("{:?}", v.mark_price(&btc()).await.unwrap()));
            if step % 10 == 0 {
                let side = if step % 20 == 0 { Side::Buy } else { Side::Sell };
                out.push(format!("{:?}", v.place_order(&market_order(&format!("o{step}"), side, dec!(0.01))).await));
            }
        }
        out.push(format!("{:?}", v.balance().await.unwrap()));
    }
    out
}

#[tokio::test]
async fn same_seed_same_run_other_seed_other_path() {
    let a = run_script(11).await;
    let b = run_script(11).await;
    assert_eq!(a, b);
    let c = run_script(12).await;
    assert_ne!(a, c);
}

#[tokio::test]
async fn a_retried_client_order_id_never_trades_twice() {
    let v = venue(Venue::Binance, 1, BEFORE_FIRST);
    let first = v.place_order(&market_order("dup-1", Side::Buy, dec!(0.01))).await.unwrap();
    let fills_after_first = v.fills(0).await.unwrap().len();
    let again = v.place_order(&market_order("dup-1", Side::Buy, dec!(0.01))).await.unwrap();
    assert_eq!(first, again);
    assert_eq!(v.fills(0).await.unwrap().len(), fills_after_first);
    assert_eq!(v.positions().await.unwrap()[0].qty, Qty(dec!(0.01)));
}

#[tokio::test]
async fn injected_faults_reject_partially_fill_and_hide_outcomes() {
    let faults = FaultSettings { reject_rate: 1.0, ..FaultSettings::default() };
    let v = SimVenue::new(
        Venue::Binance,
        history(),
        SimClock::manual(BEFORE_FIRST),
        SimConfig { seed: 3, starting_balance: dec!(100000), faults },
    );
    assert!(matches!(
        v.place_order(&market_order("r1", Side::Buy, dec!(0.01))).await,
        Err(VenueError::Rejected { .. })
    ));

    let faults = FaultSettings { partial_fill_rate: 1.0, ..FaultSettings::default() };
    let v = SimVenue::new(
        Venue::Binance,
        history(),
        SimClock::manual(BEFORE_FIRST),
        SimConfig { seed: 3, starting_balance: dec!(100000), faults },
    );
    let r = v.place_order(&market_order("p1", Side::Buy, dec!(1))).await.unwrap();
    assert!(r.filled_qty.0 > Decimal::ZERO && r.filled_qty.0 < dec!(1), "{r:?}");
    assert_eq!(r.status, app::order::VenueOrderStatus::Expired);

    let faults = FaultSettings { outcome_unknown_rate: 1.0, ..FaultSettings::default() };
    let v = SimVenue::new(
        Venue::Binance,
        history(),
        SimClock::manual(BEFORE_FIRST),
        SimConfig { seed: 3, starting_balance: dec!(100000), faults },
    );
    let id = ClientOrderId::new("u1").unwrap();
    assert!(matches!(
        v.place_order(&market_order("u1", Side::Buy, dec!(0.01))).await,
        Err(VenueError::OutcomeUnknown { .. })
    ));
    // The order did reach the venue: querying by client order id resolves it.
    let found = v.query_order(&btc(), &id).await.unwrap().unwrap();
    assert_eq!(found.filled_qty, Qty(dec!(0.01)));
}

#[tokio::test]
async fn the_journal_keeps_the_venue_across_a_restart_and_settles_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let path = journal::path(dir.path(), Venue::Binance);
    let clock = SimClock::manual(BEFORE_FIRST);
    let config = || SimConfig { seed: 7, starting_balance: dec!(100000), faults: FaultSettings::default() };
    let first = SimVenue::new(Venue::Binance, history(), clock.clone(), config());
    first.journal_at(path.clone()).unwrap();
    first.place_order(&market_order("long-1", Side::Buy, dec!(0.5))).await.unwrap();
    clock.advance(2 * 60_000);
    assert_eq!(first.funding_payments(0).await.unwrap().len(), 1, "one settlement at 08:00");
    let before = first.balance().await.unwrap();
    drop(first);

    // "Restart": a new venue object on the same journal and clock.
    let second = SimVenue::new(Venue::Binance, history(), clock.clone(), config());
    second.journal_at(path).unwrap();
    let positions = second.positions().await.unwrap();
    assert_eq!(positions.len(), 1);
    assert_eq!(positions[0].qty, Qty(dec!(0.5)));
    assert_eq!(second.funding_payments(0).await.unwrap().len(), 1, "the 08:00 settlement is not paid twice");
    assert_eq!(second.balance().await.unwrap().wallet, before.wallet);
    // A retry of the same client order id finds the order and trades nothing.
    second.place_order(&market_order("long-1", Side::Buy, dec!(0.5))).await.unwrap();
    assert_eq!(second.positions().await.unwrap()[0].qty, Qty(dec!(0.5)));
    assert_eq!(second.exchange().submissions()[&ClientOrderId::new("long-1").unwrap()], 2);
}

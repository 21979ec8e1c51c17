//! Injected venue faults never leave more than one slice naked, and each ends hedged or flat.

use super::harness::*;
use crate::settings::FaultSettings;
use app::Venue;
use app::trading::{OrderPurpose, OrderStatus, PositionStatus};
use rust_decimal::Decimal;
use std::collections::HashMap;

fn faults(venue: Venue, f: FaultSettings) -> HashMap<Venue, FaultSettings> {
    HashMap::from([(venue, f)])
}

async fn hedged(h: &Harness, symbol: &str) -> (Decimal, Decimal) {
    let (l, b) = (h.venue_qty(Venue::Lighter, symbol).await, h.venue_qty(Venue::Binance, symbol).await);
    assert_eq!(l, -b, "venue legs must be equal: lighter {l}, binance {b}");
    (l, b)
}

#[tokio::test]
async fn second_leg_rejects_unwind_the_first_and_the_open_fails() {
    let mut h = Harness::new(faults(Venue::Lighter, FaultSettings { reject_rate: 1.0, ..Default::default() })).await;
    let id = h.open("ETH", 4_000).await.unwrap().positions[0];
    h.settle(40).await;
    let p = h.position(id);
    assert_eq!(p.status, PositionStatus::Failed, "{p:?}");
    assert_eq!(hedged(&h, "ETH").await, (Decimal::ZERO, Decimal::ZERO));
    let slice = h.slice_bound(id);
    assert!(h.max_naked() <= slice, "naked {} > slice {slice}", h.max_naked());
    assert!(h.engine.orders().iter().any(|o| o.purpose == OrderPurpose::Unwind && o.status == OrderStatus::Filled));
}

#[tokio::test]
async fn partial_fills_are_repaired_to_hedged() {
    let mut h =
        Harness::new(faults(Venue::Binance, FaultSettings { partial_fill_rate: 0.5, ..Default::default() })).await;
    let id = h.open("SOL", 4_000).await.unwrap().positions[0];
    h.settle(60).await;
    let p = h.position(id);
    assert_eq!(p.status, PositionStatus::Open, "{p:?}");
    let (l, _) = hedged(&h, "SOL").await;
    assert_eq!(l, p.legs[0].qty.0);
    assert!(h.engine.orders().iter().any(|o| o.purpose == OrderPurpose::Repair), "a repair should have happened");
    let slice = h.slice_bound(id);
    assert!(h.max_naked() <= slice, "naked {} > slice {slice}", h.max_naked());
}

#[tokio::test]
async fn unknown_outcomes_are_resolved_by_query_and_never_resent() {
    let mut h =
        Harness::new(faults(Venue::Binance, FaultSettings { outcome_unknown_rate: 1.0, ..Default::default() })).await;
    let id = h.open("ETH", 3_000).await.unwrap().positions[0];
    h.settle(30).await;
    let p = h.position(id);
    assert_eq!(p.status, PositionStatus::Open, "{p:?}");
    hedged(&h, "ETH").await;
    let mut sent = h.sends.clone();
    sent.sort();
    sent.dedup();
    assert_eq!(sent.len(), h.sends.len(), "an order was sent twice");
    assert!(h.outputs.iter().any(|o| matches!(o, crate::engine::Output::Query { .. })));
    assert!(h.engine.orders().iter().all(|o| o.status == OrderStatus::Filled));
}

/// A re-query that reaches the venue before the order does hears "no such order". That is
/// not an answer while the send itself has not answered: the order fills a moment later and
/// must count. (Seen on the simulators at 60×, where 2 s of venue time is 33 ms.)
#[tokio::test]
async fn a_query_that_overtakes_its_send_does_not_reject_the_order() {
    let mut h = Harness::new(HashMap::new()).await;
    h.query_before_send = true;
    let id = h.open("ETH", 3_000).await.unwrap().positions[0];
    h.settle(30).await;
    let p = h.position(id);
    assert_eq!(p.status, PositionStatus::Open, "{p:?}");
    hedged(&h, "ETH").await;
    assert!(h.engine.orders().iter().all(|o| o.status == OrderStatus::Filled), "{:?}", h.engine.orders());
}

/// The same race when every send then times out: the early "no such order" is not taken as
/// an answer, and the query after the timeout finds the order filled.
#[tokio::test]
async fn an_early_not_found_before_a_timed_out_send_is_not_an_answer() {
    let mut h =
        Harness::new(faults(Venue::Binance, FaultSettings { outcome_unknown_rate: 1.0, ..Default::default() })).await;
    h.query_before_send = true;
    let id = h.open("ETH", 3_000).await.unwrap().positions[0];
    h.settle(60).await;
    assert_eq!(h.position(id).status, PositionStatus::Open);
    hedged(&h, "ETH").await;
    assert!(h.engine.orders().iter().all(|o| o.status == OrderStatus::Filled), "{:?}", h.engine.orders());
}

#[tokio::test]
async fn a_stale_venue_blocks_opens_until_fresh() {
    let mut h = Harness::new(HashMap::new()).await;
    let stale = "lighter market data is stale or disconnected: its stream is down";
    let verdict = |stale: Option<&str>| {
        crate::engine::EngineEvent::Freshness(vec![app::market::Freshness {
            venue: Venue::Lighter,
            stale: stale.map(str::to_owned),
        }])
    };
    h.feed(verdict(Some(stale))).await;
    let err = h.open("ETH", 3_000).await.unwrap_err();
    assert!(err.contains(stale), "{err}");
    h.feed(verdict(None)).await;
    assert!(h.open("ETH", 3_000).await.is_ok());
}

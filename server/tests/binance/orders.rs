//! Orders against the fake: placement, resting, cancel, lookup by client id, the venue's
//! filter and margin rejections, idempotent client ids, and unknown outcomes (5xx, -1007,
//! timeout after accept) resolved by client id — never sent twice.

use crate::helpers::*;
use app::order::{Side, TimeInForce, VenueOrderStatus};
use app::{Price, Qty};
use fakes::binance::AfterAccept;
use server::venue::{VenueClient, VenueError};
use std::time::Duration;

fn rejected_with(r: Result<app::order::OrderReport, VenueError>, expected: &str) {
    match r {
        Err(VenueError::Rejected { code, .. }) => assert_eq!(code, expected),
        other => panic!("expected rejection {expected}, got {other:?}"),
    }
}

#[tokio::test]
async fn market_order_fills() {
    let env = env();
    let r = env.venue.place_order(&market("m1", "BTC", Side::Buy, "0.01")).await.unwrap();
    assert_eq!(r.status, VenueOrderStatus::Filled);
    assert_eq!(r.filled_qty, Qty(d("0.01")));
    assert_eq!(r.avg_price, Some(Price(d("60000.1"))));
    assert_eq!(env.fake.position("BTCUSDT"), d("0.01"));
    assert_eq!(env.fake.order_submissions("m1"), 1);
}

#[tokio::test]
async fn limit_order_rests_fills_when_the_market_moves_and_can_be_cancelled() {
    let env = env();
    let r = env.venue.place_order(&limit("l1", "ETH", Side::Buy, "1", "2990", TimeInForce::Gtc)).await.unwrap();
    assert_eq!(r.status, VenueOrderStatus::New);
    let open = env.venue.open_orders().await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].client_order_id, cid("l1"));
    let q = env.venue.query_order(&sym("ETH"), &cid("l1")).await.unwrap().unwrap();
    assert_eq!(q.status, VenueOrderStatus::New);
    // The market falls through the bid: it fills as maker at its price.
    env.fake.set_mark("ETHUSDT", d("2980"));
    let q = env.venue.query_order(&sym("ETH"), &cid("l1")).await.unwrap().unwrap();
    assert_eq!(q.status, VenueOrderStatus::Filled);
    assert_eq!(q.avg_price, Some(Price(d("2990"))));

    env.venue.place_order(&limit("l2", "ETH", Side::Sell, "1", "3100", TimeInForce::Gtc)).await.unwrap();
    let c = env.venue.cancel_order(&sym("ETH"), &cid("l2")).await.unwrap();
    assert_eq!(c.status, VenueOrderStatus::Canceled);
    // Cancelling again meets -2011; the connector reports the final state instead.
    let again = env.venue.cancel_order(&sym("ETH"), &cid("l2")).await.unwrap();
    assert_eq!(again.status, VenueOrderStatus::Canceled);
    assert_eq!(env.fake.error_count(-2011), 1);
    assert!(env.venue.open_orders().await.unwrap().is_empty());
}

#[tokio::test]
async fn ioc_takes_what_crosses_and_expires_the_rest() {
    let env = env();
    // Asks: 2 @ 60000.1, 4 @ 60001.1; a cap at 60000.5 takes only the first level.
    let r = env.venue.place_order(&limit("i1", "BTC", Side::Buy, "3", "60000.5", TimeInForce::Ioc)).await.unwrap();
    assert_eq!(r.status, VenueOrderStatus::Expired);
    assert_eq!(r.filled_qty, Qty(d("2")));
}

#[tokio::test]
async fn unknown_order_is_none() {
    let env = env();
    assert_eq!(env.venue.query_order(&sym("BTC"), &cid("never")).await.unwrap(), None);
    assert_eq!(env.fake.error_count(-2013), 1);
    let err = env.venue.cancel_order(&sym("BTC"), &cid("never")).await.unwrap_err();
    assert!(matches!(err, VenueError::Rejected { ref code, .. } if code == "-2011"), "{err:?}");
}

#[tokio::test]
async fn filters_and_margin_are_enforced_by_the_venue() {
    let env = env();
    let v = &env.venue;
    rejected_with(v.place_order(&market("r1", "BTC", Side::Buy, "0.001")).await, "-4164");
    rejected_with(v.place_order(&limit("r2", "BTC", Side::Buy, "0.01", "59000.051", TimeInForce::Gtc)).await, "-1111");
    rejected_with(v.place_order(&limit("r2b", "BTC", Side::Buy, "0.01", "59000.05", TimeInForce::Gtc)).await, "-4014");
    rejected_with(v.place_order(&limit("r3", "ETH", Side::Buy, "1", "2900.005", TimeInForce::Gtc)).await, "-1111");
    rejected_with(v.place_order(&limit("r4", "SOL", Side::Buy, "1", "149.995", TimeInForce::Gtc)).await, "-4014");
    rejected_with(v.place_order(&market("r5", "SOL", Side::Buy, "1.5")).await, "-1111");
    rejected_with(v.place_order(&market("r6", "BTC", Side::Buy, "130")).await, "-4005");
    rejected_with(v.place_order(&market("r7", "BTC", Side::Buy, "100")).await, "-2019");
    rejected_with(v.place_order(&limit("r8", "ETH", Side::Buy, "1", "3000.01", TimeInForce::PostOnly)).await, "-5022");
    let mut reduce = market("r9", "BTC", Side::Sell, "0.01");
    reduce.reduce_only = true;
    rejected_with(v.place_order(&reduce).await, "-2022");
    assert_eq!(env.fake.open_orders(), 0);
}

#[tokio::test]
async fn step_size_and_reduce_only_exemption() {
    let env = env();
    let mut fake_cfg = fake_config();
    fake_cfg.symbols[0].quantity_precision = 4; // lets a 0.0005 step violation reach the step check
    let env2 = env_with(fake_cfg, true, tuning(), false);
    rejected_with(env2.venue.place_order(&market("s1", "BTC", Side::Buy, "0.0105")).await, "-4023");
    // A tiny reduce-only close is exempt from MIN_NOTIONAL (§1.6).
    env.venue.place_order(&market("s2", "BTC", Side::Buy, "0.01")).await.unwrap();
    let mut close = market("s3", "BTC", Side::Sell, "0.001");
    close.reduce_only = true;
    let r = env.venue.place_order(&close).await.unwrap();
    assert_eq!(r.status, VenueOrderStatus::Filled);
    assert_eq!(env.fake.position("BTCUSDT"), d("0.009"));
}

#[tokio::test]
async fn resending_an_open_orders_client_id_returns_that_order() {
    let env = env();
    let order = limit("dup", "ETH", Side::Buy, "1", "2900", TimeInForce::Gtc);
    let first = env.venue.place_order(&order).await.unwrap();
    let second = env.venue.place_order(&order).await.unwrap();
    assert_eq!(first.venue_order_id, second.venue_order_id);
    assert_eq!(env.fake.error_count(-4116), 1);
    assert_eq!(env.fake.open_orders(), 1);
}

#[tokio::test]
async fn server_error_after_accept_is_resolved_by_client_id_and_never_resent() {
    let env = env();
    env.fake.fail_next_order_after_accept(AfterAccept::ServerError);
    let r = env.venue.place_order(&market("u1", "BTC", Side::Buy, "0.01")).await.unwrap();
    assert_eq!(r.status, VenueOrderStatus::Filled);
    assert_eq!(r.client_order_id, cid("u1"));
    assert_eq!(env.fake.order_submissions("u1"), 1, "looked up, not sent again");
    assert_eq!(env.fake.position("BTCUSDT"), d("0.01"), "one position, not two");
}

#[tokio::test]
async fn unknown_status_code_after_accept_is_resolved_too() {
    let env = env();
    env.fake.fail_next_order_after_accept(AfterAccept::UnknownStatus);
    let r = env.venue.place_order(&limit("u2", "ETH", Side::Buy, "1", "2900", TimeInForce::Gtc)).await.unwrap();
    assert_eq!(r.status, VenueOrderStatus::New);
    assert_eq!(env.fake.error_count(-1007), 1);
    assert_eq!(env.fake.order_submissions("u2"), 1);
    assert_eq!(env.fake.open_orders(), 1);
}

#[tokio::test]
async fn timeout_after_accept_is_resolved_by_client_id() {
    let mut t = tuning();
    t.request_timeout = Duration::from_millis(300);
    let env = env_with(fake_config(), true, t, false);
    env.fake.fail_next_order_after_accept(AfterAccept::Stall(Duration::from_secs(2)));
    let r = env.venue.place_order(&market("u3", "SOL", Side::Sell, "2")).await.unwrap();
    assert_eq!(r.status, VenueOrderStatus::Filled);
    assert_eq!(env.fake.order_submissions("u3"), 1);
    assert_eq!(env.fake.position("SOLUSDT"), d("-2"));
}

#[tokio::test]
async fn an_order_that_never_arrived_stays_unknown_and_is_not_resent() {
    let env = env();
    env.fake.lose_next_orders(1);
    let err = env.venue.place_order(&market("u4", "BTC", Side::Buy, "0.01")).await.unwrap_err();
    assert!(
        matches!(err, VenueError::OutcomeUnknown { ref message, .. } if message.contains("not re-sent")),
        "{err:?}"
    );
    assert_eq!(env.fake.order_submissions("u4"), 1);
    assert_eq!(env.fake.position("BTCUSDT"), d("0"));
    // The caller's later reconciliation sees that it does not exist.
    assert_eq!(env.venue.query_order(&sym("BTC"), &cid("u4")).await.unwrap(), None);
}

#[tokio::test]
async fn limit_without_price_is_refused_locally() {
    let env = env();
    let mut o = limit("np", "BTC", Side::Buy, "0.01", "1", TimeInForce::Gtc);
    o.price = None;
    let err = env.venue.place_order(&o).await.unwrap_err();
    assert!(matches!(err, VenueError::Rejected { ref code, .. } if code == "invalid_order"));
    assert_eq!(env.fake.order_submissions("np"), 0);
}

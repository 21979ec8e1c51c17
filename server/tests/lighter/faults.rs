//! Faults: back-off under 429/23000 storms, 5xx on reads, and the unknown outcome (5xx after
//! the venue accepted the tx) resolved by client order index — never sent twice.

use std::time::{Duration, Instant};

use app::order::{Side, VenueOrderStatus};
use server::venue::lighter::{LighterVenue, client_order_index};
use server::venue::{VenueClient, VenueError};

use crate::helpers::*;

#[tokio::test]
async fn rate_limit_storms_are_backed_off_then_reported() {
    let fake = start_fake(fake_config()).await;
    let venue = LighterVenue::new(connector_config(&fake, &KEYS)).expect("builds");
    fake.faults().rate_limit_next = 3;
    let started = Instant::now();
    assert_eq!(venue.markets().await.expect("succeeds after backing off").len(), 3);
    // 20 + 40 + 80 ms of back-off before the fourth try.
    assert!(started.elapsed() >= Duration::from_millis(140), "backed off {:?}", started.elapsed());
    assert_eq!(fake.requests(), 4);

    fake.faults().rate_limit_next = 50;
    match venue.markets().await {
        Err(VenueError::Connectivity { message, .. }) => assert!(message.contains("rate limit"), "{message}"),
        other => panic!("expected Connectivity, got {other:?}"),
    }
    fake.faults().rate_limit_next = 0;

    // The standard profile's 60/min, enforced by the fake: a burst past it is throttled.
    fake.set_rate_limit(Some(2));
    let r = venue.markets().await;
    assert!(r.is_ok());
    assert!(venue.markets().await.is_ok());
    assert!(matches!(venue.markets().await, Err(VenueError::Connectivity { .. })));
    fake.set_rate_limit(None);

    // A sendTx under a storm is retried with the same nonce: nothing is lost or doubled.
    fake.faults().rate_limit_next = 2;
    venue.place_order(&limit("rl-1", "ETH", Side::Buy, "0.01", "2000")).await.expect("placed after back-off");
    assert_eq!(fake.submissions(ACCOUNT, client_order_index(&cid("rl-1"))), 1);
}

#[tokio::test]
async fn server_errors_on_reads_are_connectivity() {
    let fake = start_fake(fake_config()).await;
    let venue = LighterVenue::new(connector_config(&fake, &KEYS)).expect("builds");
    fake.faults().unavailable_next = 1;
    assert!(matches!(venue.markets().await, Err(VenueError::Connectivity { .. })));
    assert!(venue.markets().await.is_ok());
}

#[tokio::test]
async fn a_5xx_after_accept_is_resolved_by_client_order_index_and_never_resent() {
    let (fake, venue) = setup().await;
    let order = market("unk-1", "BTC", Side::Buy, "0.2");
    let coi = client_order_index(&order.client_order_id);
    fake.faults().error_after_accept = 1;
    let r = venue.place_order(&order).await.expect("resolved by lookup");
    assert_eq!((r.status, r.filled_qty.0), (VenueOrderStatus::Filled, d("0.2")));
    assert_eq!(fake.submissions(ACCOUNT, coi), 1);
    // Asking again with the same id returns the same order and sends nothing.
    let again = venue.place_order(&order).await.expect("idempotent");
    assert_eq!(again.venue_order_id, r.venue_order_id);
    assert_eq!(fake.submissions(ACCOUNT, coi), 1);
    assert_eq!(fake.position(ACCOUNT, 1), d("0.2"));
    venue.shutdown().await;
}

#[tokio::test]
async fn an_unresolvable_outcome_is_reported_unknown_and_still_not_resent() {
    let (fake, venue) = setup().await;
    let order = limit("unk-2", "ETH", Side::Buy, "0.01", "2000");
    let coi = client_order_index(&order.client_order_id);
    fake.faults().error_after_accept = 1;
    fake.set_apply_delay(Duration::from_millis(1500)); // slower than the resolve window
    match venue.place_order(&order).await {
        Err(VenueError::OutcomeUnknown { message, .. }) => assert!(message.contains("do not resend"), "{message}"),
        other => panic!("expected OutcomeUnknown, got {other:?}"),
    }
    fake.set_apply_delay(Duration::ZERO);
    assert!(wait_until(Duration::from_secs(3), || fake.order_status(ACCOUNT, coi).is_some()).await);
    // The engine retries with the same id: the connector looks, and finds it once applied.
    let r = venue.place_order(&order).await.expect("found after the delay");
    assert_eq!(r.status, VenueOrderStatus::New);
    assert_eq!(fake.submissions(ACCOUNT, coi), 1, "sent exactly once");
    assert_eq!(
        venue.query_order(&sym("ETH"), &order.client_order_id).await.expect("q").map(|r| r.status),
        Some(VenueOrderStatus::New)
    );
    venue.shutdown().await;
}

#[tokio::test]
async fn a_restarted_connector_finds_its_order_through_21728() {
    let (fake, venue) = setup().await;
    let order = limit("dup-1", "ETH", Side::Buy, "0.01", "2000");
    venue.place_order(&order).await.expect("placed");
    venue.shutdown().await;
    // A new process (empty memory) is asked to place the same order again.
    let fresh = LighterVenue::connect(connector_config(&fake, &KEYS)).await.expect("connects");
    let r = fresh.place_order(&order).await.expect("the existing order is returned");
    assert_eq!((r.client_order_id.as_str(), r.status), ("dup-1", VenueOrderStatus::New));
    assert_eq!(fake.rejections(21728), 1);
    assert_eq!(fake.order_status(ACCOUNT, client_order_index(&order.client_order_id)).as_deref(), Some("open"));
    fresh.shutdown().await;
}

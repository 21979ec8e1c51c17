//! The WebSocket feed against the fake: pings answered, market_stats pushed, order-book gaps
//! repaired by resubscribing, a dropped socket reconnected without losing an update, and
//! garbage frames skipped without dropping the connection.

use std::time::Duration;

use app::order::{Side, VenueOrderStatus};
use server::venue::lighter::LighterVenue;
use server::venue::{VenueClient, VenueEvent};

use crate::helpers::*;

#[tokio::test]
async fn pings_are_answered_with_pongs() {
    let mut config = fake_config();
    config.ping_interval = Duration::from_millis(50);
    let fake = start_fake(config).await;
    let venue = LighterVenue::connect(connector_config(&fake, &KEYS)).await.expect("connects");
    assert!(wait_until(Duration::from_secs(3), || fake.pongs() >= 3).await, "pongs: {}", fake.pongs());
    venue.shutdown().await;
}

#[tokio::test]
async fn book_gaps_are_repaired_by_resubscribing() {
    let (fake, venue) = setup().await;
    assert!(wait_until(Duration::from_secs(2), || venue.local_book(&btc(), 10).is_some()).await);
    fake.inject_book_gap(1);
    // The first change is dropped on the way out; the second shows the gap.
    fake.set_book(1, &[("64990", "1"), ("64980", "2")], &[("65010", "1.5")]);
    fake.set_book(1, &[("64995", "0.7"), ("64990", "1")], &[("65005", "0.25"), ("65010", "1.5")]);
    let same = || {
        let (bids, asks) = fake.book(1, 10);
        venue.local_book(&btc(), 10).is_some_and(|b| {
            b.bids.iter().map(|l| (l.price.0, l.qty.0)).collect::<Vec<_>>() == bids
                && b.asks.iter().map(|l| (l.price.0, l.qty.0)).collect::<Vec<_>>() == asks
        })
    };
    assert!(
        wait_until(Duration::from_secs(3), same).await,
        "local {:?} vs fake {:?}",
        venue.local_book(&btc(), 10),
        fake.book(1, 10)
    );
    assert_eq!(venue.book_resyncs(), 1);
    // Later updates apply normally on the fresh snapshot.
    fake.set_book(1, &[("64000", "3")], &[("66000", "3")]);
    assert!(wait_until(Duration::from_secs(2), same).await);
    assert_eq!(venue.book_resyncs(), 1);
    let top = venue.top_of_book(&btc()).await.expect("top from the local book");
    assert_eq!((top.bid.price.0, top.ask.price.0), (d("64000"), d("66000")));
    venue.shutdown().await;
}

#[tokio::test]
async fn a_dropped_socket_reconnects_and_loses_no_update() {
    let (fake, venue) = setup().await;
    let mut events = venue.subscribe();
    let r = venue.place_order(&limit("rc-1", "BTC", Side::Sell, "0.1", "65500")).await.expect("rests");
    assert_eq!(r.status, VenueOrderStatus::New);
    // The socket drops, and the account frames of what happens next are lost on the way.
    fake.faults().lose_account_frames = 100;
    fake.drop_sockets();
    // A buyer lifts our ask while we are away.
    fake.set_book(1, &[("65600", "0.1")], &[("66000", "1")]);
    assert!(
        wait_until(Duration::from_secs(2), || fake
            .order_status(ACCOUNT, server::venue::lighter::client_order_index(&cid("rc-1")))
            .as_deref()
            == Some("filled"))
        .await
    );
    let down = next_event(&mut events, Duration::from_secs(2), |e| {
        matches!(e, VenueEvent::Connection { connected: false, .. }).then_some(())
    })
    .await;
    assert!(down.is_some(), "disconnect reported");
    let filled = next_event(&mut events, Duration::from_secs(5), |e| match e {
        VenueEvent::Order(o) if o.client_order_id.as_str() == "rc-1" && o.status == VenueOrderStatus::Filled => {
            Some(o.clone())
        }
        _ => None,
    })
    .await
    .expect("the fill that happened while disconnected is reported after the reconnect");
    assert_eq!(filled.filled_qty.0, d("0.1"));
    assert!(fake.sessions() >= 2, "reconnected");
    assert!(wait_until(Duration::from_secs(2), || venue.account_stream_live()).await, "account channels resubscribed");
    let fills = venue.fills(T0 - 1).await.expect("fills");
    assert!(fills.iter().any(|f| f.client_order_id.as_str() == "rc-1" && f.is_maker));
    venue.shutdown().await;
}

#[tokio::test]
async fn garbage_frames_are_skipped_and_the_feed_goes_on() {
    let (fake, venue) = setup().await;
    let mut events = venue.subscribe();
    let sessions = fake.sessions();
    for junk in [
        "not json at all {{{",
        "{\"type\":\"update/order_book\",\"channel\":\"order_book:1\",\"order_book\":{\"nonce\":\"x\"}}",
        "{\"type\":\"update/market_stats\",\"channel\":\"market_stats:1\",\"market_stats\":{\"market_id\":1,\"index_price\":\"NaN?\",\"mark_price\":\"1\",\"current_funding_rate\":\"1\",\"funding_rate\":\"1\"}}",
        "{\"type\":\"update/account_orders\",\"channel\":\"account_orders:1:1\",\"orders\":{\"1\":[{\"bogus\":true}]}}",
        "[1,2,3]",
        "{\"error\":{\"code\":30003,\"message\":\"injected\"}}",
    ] {
        fake.send_raw(junk);
    }
    fake.set_funding(1, "0.0030", "0.0012");
    let f = next_event(&mut events, Duration::from_secs(2), |e| match e {
        VenueEvent::Funding(f) if f.symbol.as_str() == "BTC" => Some(f.clone()),
        _ => None,
    })
    .await
    .expect("updates still flow");
    assert_eq!(f.predicted.rate, d("0.000030"));
    assert_eq!(fake.sessions(), sessions, "no reconnect was needed");
    venue.shutdown().await;
}

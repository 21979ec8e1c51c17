//! Nonce discipline: many concurrent orders over three API keys reach the fake without a
//! single 21104; a nonce consumed behind the connector's back is re-read after one 21104.

use app::order::{Side, VenueOrderStatus};
use server::venue::VenueClient;
use server::venue::lighter::client_order_index;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_orders_on_three_keys_never_hit_21104() {
    let (fake, venue) = setup().await;
    let mut tasks = Vec::new();
    for i in 0..24 {
        let venue = venue.clone();
        tasks.push(tokio::spawn(async move {
            let price = format!("{}", 60_000 + i);
            venue.place_order(&limit(&format!("conc-{i}"), "BTC", Side::Buy, "0.001", &price)).await
        }));
    }
    for t in tasks {
        let r = t.await.expect("task").expect("order accepted");
        assert_eq!(r.status, VenueOrderStatus::New);
    }
    assert_eq!(fake.rejections(21104), 0, "no invalid nonce under concurrency");
    let used: i64 = KEYS.iter().map(|k| fake.next_nonce(ACCOUNT, *k)).sum();
    assert_eq!(used, 24);
    assert!(KEYS.iter().all(|k| fake.next_nonce(ACCOUNT, *k) > 0), "all three keys were used");
    for i in 0..24 {
        assert_eq!(fake.order_status(ACCOUNT, client_order_index(&cid(&format!("conc-{i}")))).as_deref(), Some("open"));
    }
    venue.shutdown().await;
}

#[tokio::test]
async fn a_forced_21104_rereads_the_nonce_and_succeeds() {
    let fake = start_fake(fake_config()).await;
    let venue = server::venue::lighter::LighterVenue::connect(connector_config(&fake, &[2])).await.expect("connects");
    venue.place_order(&limit("n-1", "ETH", Side::Buy, "0.01", "2000")).await.expect("first");
    fake.bump_nonce(ACCOUNT, 2, 7); // another process used key 2 seven times
    let r = venue.place_order(&limit("n-2", "ETH", Side::Buy, "0.01", "2001")).await.expect("second after re-read");
    assert_eq!(r.status, VenueOrderStatus::New);
    assert_eq!(fake.rejections(21104), 1, "exactly one 21104, then the re-read nonce is right");
    assert_eq!(fake.next_nonce(ACCOUNT, 2), 9);
    assert_eq!(fake.submissions(ACCOUNT, client_order_index(&cid("n-2"))), 2, "re-signed and re-sent once");
    venue.shutdown().await;
}

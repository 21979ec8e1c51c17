//! Without an API key the connector is read-only: market data works, every trading or
//! private call fails with `Fatal` and the message the operator needs to see.

use app::order::Side;
use server::venue::lighter::LighterVenue;
use server::venue::{VenueClient, VenueError};

use crate::helpers::*;

#[tokio::test]
async fn trading_calls_are_fatal_without_a_key() {
    let fake = start_fake(fake_config()).await;
    let mut config = connector_config(&fake, &[]);
    config.account_index = None;
    let venue = LighterVenue::connect(config).await.expect("read-only connects");
    assert_eq!(venue.markets().await.expect("markets").len(), 3);
    assert!(venue.funding(&btc()).await.is_ok(), "market data needs no key");
    let fatal = |r: Result<(), VenueError>| match r {
        Err(VenueError::Fatal { message, .. }) => assert_eq!(message, "no API key configured: Lighter runs read-only"),
        other => panic!("expected Fatal, got {other:?}"),
    };
    fatal(venue.place_order(&market("ro-1", "BTC", Side::Buy, "0.01")).await.map(|_| ()));
    fatal(venue.cancel_order(&btc(), &cid("ro-1")).await.map(|_| ()));
    fatal(venue.query_order(&btc(), &cid("ro-1")).await.map(|_| ()));
    fatal(venue.open_orders().await.map(|_| ()));
    fatal(venue.fills(0).await.map(|_| ()));
    fatal(venue.funding_payments(0).await.map(|_| ()));
    assert_eq!(fake.submissions(ACCOUNT, server::venue::lighter::client_order_index(&cid("ro-1"))), 0);
    venue.shutdown().await;
}

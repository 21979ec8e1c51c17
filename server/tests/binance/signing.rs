//! Signing: Binance's published HMAC example, and the fake's independent verification of what
//! the connector actually sends (right secret accepted, wrong secret or key refused as fatal).

use crate::helpers::*;
use server::venue::binance::sign::{Credentials, encode_query, signature};
use server::venue::{VenueClient, VenueError};

#[test]
fn binance_documentation_example() {
    let secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
    let query = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
    assert_eq!(signature(secret, query), "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
    let creds = Credentials::new("key".into(), secret.into());
    assert_eq!(
        creds.signed_query(query),
        format!("{query}&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71")
    );
    assert!(!format!("{creds:?}").contains(secret));
}

#[test]
fn parameters_are_encoded_in_order() {
    let q = encode_query(&[
        ("symbol", "BTCUSDT".into()),
        ("newClientOrderId", "arb-1:a/b".into()),
        ("quantity", "0.001".into()),
    ]);
    assert_eq!(q, "symbol=BTCUSDT&newClientOrderId=arb-1%3Aa%2Fb&quantity=0.001");
}

#[tokio::test]
async fn fake_accepts_the_connectors_signature_over_escaped_ids() {
    let env = env();
    // ':' and '/' are escaped in the query; the signature must cover the escaped bytes.
    let r = env.venue.place_order(&market("arb-1:a/b", "BTC", app::order::Side::Buy, "0.01")).await.unwrap();
    assert_eq!(r.client_order_id.as_str(), "arb-1:a/b");
    assert_eq!(env.fake.error_count(-1022), 0);
}

#[tokio::test]
async fn wrong_secret_is_fatal() {
    let env = env();
    let mut cfg = config(&env.fake, true, tuning());
    cfg.api_secret = Some("not-the-secret".into());
    let venue = server::venue::binance::BinanceVenue::new(cfg).unwrap();
    let err = venue.balance().await.unwrap_err();
    assert!(matches!(err, VenueError::Fatal { ref message, .. } if message.contains("-1022")), "{err:?}");
    assert_eq!(env.fake.error_count(-1022), 1);
}

#[tokio::test]
async fn wrong_key_is_fatal() {
    let env = env();
    let mut cfg = config(&env.fake, true, tuning());
    cfg.api_key = Some("someone-else".into());
    let venue = server::venue::binance::BinanceVenue::new(cfg).unwrap();
    let err = venue.positions().await.unwrap_err();
    assert!(matches!(err, VenueError::Fatal { ref message, .. } if message.contains("-2015")), "{err:?}");
}

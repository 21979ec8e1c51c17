//! Without keys the connector reads market data and refuses everything else with a fatal,
//! explicit error — before anything is sent — and opens no user stream.

use crate::helpers::*;
use fakes::binance::WsRoute;
use server::venue::binance::{BinanceVenue, StreamSelection};
use server::venue::{VenueClient, VenueError};
use std::time::Duration;

fn read_only(e: VenueError) {
    match e {
        VenueError::Fatal { message, .. } => {
            assert!(message.contains("no API key configured: Binance runs read-only"), "{message}")
        }
        other => panic!("expected fatal read-only, got {other:?}"),
    }
}

#[tokio::test]
async fn trading_and_account_calls_are_refused() {
    let env = env_with(fake_config(), false, tuning(), false);
    let v = &env.venue;
    assert!(!v.can_trade());
    assert_eq!(v.markets().await.unwrap().len(), 3);
    v.funding(&sym("BTC")).await.unwrap();
    let before = env.fake.requests();
    read_only(v.place_order(&market("ro", "BTC", app::order::Side::Buy, "0.01")).await.unwrap_err());
    read_only(v.cancel_order(&sym("BTC"), &cid("ro")).await.unwrap_err());
    read_only(v.query_order(&sym("BTC"), &cid("ro")).await.unwrap_err());
    read_only(v.open_orders().await.unwrap_err());
    read_only(v.positions().await.unwrap_err());
    read_only(v.balance().await.unwrap_err());
    read_only(v.fills(0).await.unwrap_err());
    read_only(v.funding_payments(0).await.unwrap_err());
    read_only(v.set_leverage(&sym("BTC"), 5).await.unwrap_err());
    assert_eq!(env.fake.requests(), before, "refused locally");
}

#[tokio::test]
async fn read_only_opens_market_streams_only() {
    let mut t = tuning();
    t.streams = StreamSelection::Symbols(vec![sym("BTC")]);
    let env = env_with(fake_config(), false, t, false);
    let mut rx = env.venue.subscribe();
    env.start();
    assert!(
        wait_for(&mut rx, Duration::from_secs(3), |e| matches!(e, server::venue::VenueEvent::Mark(_))).await.is_some()
    );
    assert_eq!(env.fake.requests_to("/fapi/v1/listenKey"), 0);
    assert_eq!(env.fake.ws_connections(WsRoute::Private), 0);
}

#[test]
fn key_without_secret_is_a_configuration_error() {
    let mut cfg = server::venue::binance::BinanceConfig::new(app::VenueMode::Mainnet);
    cfg.api_key = Some("k".into());
    assert!(matches!(BinanceVenue::new(cfg), Err(VenueError::Fatal { .. })));
    let sim = server::venue::binance::BinanceConfig::new(app::VenueMode::Sim);
    assert!(matches!(BinanceVenue::new(sim), Err(VenueError::Fatal { .. })), "sim needs explicit URLs");
}

#[test]
fn empty_keys_mean_read_only() {
    let mut cfg = server::venue::binance::BinanceConfig::new(app::VenueMode::Mainnet);
    cfg.api_key = Some("".into());
    cfg.api_secret = Some("".into());
    assert!(!BinanceVenue::new(cfg).unwrap().can_trade(), "unset environment variables are not keys");
}

//! Account endpoints against the fake: balance, per-asset balances, leverage, margin type and
//! position mode (with their "no change needed" codes), positions, fills with commissions,
//! and FUNDING_FEE income joined with its settlement.

use crate::helpers::*;
use app::order::Side;
use app::{FundingInterval, Price, Qty, Usd};
use server::venue::{VenueClient, VenueError};

#[tokio::test]
async fn balance_and_asset_balances() {
    let env = env();
    let b = env.venue.balance().await.unwrap();
    assert_eq!(b.wallet, Usd(d("100000")));
    assert_eq!(b.equity, Usd(d("100000")));
    assert_eq!(b.available, Usd(d("100000")));
    let assets = env.venue.asset_balances().await.unwrap();
    assert_eq!(assets.len(), 1);
    assert_eq!(assets[0].asset, "USDT");
}

#[tokio::test]
async fn leverage_margin_type_and_position_mode() {
    let env = env();
    assert_eq!(env.venue.set_leverage(&sym("BTC"), 10).await.unwrap(), 10);
    let err = env.venue.set_leverage(&sym("BTC"), 500).await.unwrap_err();
    assert!(matches!(err, VenueError::Rejected { ref code, .. } if code == "-4028"), "{err:?}");
    env.venue.set_margin_type(&sym("BTC"), true).await.unwrap();
    env.venue.set_margin_type(&sym("BTC"), true).await.unwrap(); // -4046: already isolated
    assert_eq!(env.fake.error_count(-4046), 1);
    env.venue.set_margin_type(&sym("BTC"), false).await.unwrap();
    env.venue.ensure_one_way_mode().await.unwrap(); // -4059: already one-way
    assert_eq!(env.fake.error_count(-4059), 1);
    assert!(!env.venue.rest().dual_side().await.unwrap().dual_side_position);
}

#[tokio::test]
async fn positions_follow_fills() {
    let env = env();
    env.venue.set_leverage(&sym("ETH"), 5).await.unwrap();
    assert!(env.venue.positions().await.unwrap().is_empty());
    env.venue.place_order(&market("p1", "ETH", Side::Sell, "2")).await.unwrap();
    let positions = env.venue.positions().await.unwrap();
    assert_eq!(positions.len(), 1);
    let p = &positions[0];
    assert_eq!(p.symbol, sym("ETH"));
    assert_eq!(p.qty, Qty(d("-2")), "short is negative");
    assert_eq!(p.entry_price, Price(d("2999.99")));
    assert_eq!(p.leverage, 5);
    assert_eq!(p.margin, Usd(d("1200")), "cross: |notional| / leverage");
    assert_eq!(env.fake.position("ETHUSDT"), d("-2"));
}

#[tokio::test]
async fn fills_carry_our_id_and_the_commission() {
    let env = env();
    let t0 = env.fake.now_ms() - 1;
    env.venue.place_order(&market("f1", "BTC", Side::Buy, "0.01")).await.unwrap();
    // Two levels: 0.01 fits in the first (2 BTC at 60000.1).
    env.venue.place_order(&market("f2", "BTC", Side::Sell, "3")).await.unwrap();
    let fills = env.venue.fills(t0).await.unwrap();
    assert_eq!(fills.len(), 3, "one fill, then a sweep of two levels: {fills:?}");
    assert_eq!(fills[0].client_order_id, cid("f1"));
    assert_eq!(fills[0].price, Price(d("60000.1")));
    assert_eq!(fills[0].fee, Usd(d("0.30000050")), "0.05% taker on 600.001");
    assert!(fills[1..].iter().all(|f| f.client_order_id == cid("f2") && f.side == Side::Sell));
    assert_eq!(fills[1].qty.0 + fills[2].qty.0, d("3"));
    assert!(!fills[0].is_maker);
}

#[tokio::test]
async fn fills_of_orders_made_elsewhere_are_found_by_commission_income() {
    let env = env();
    let t0 = env.fake.now_ms() - 1;
    // Another connector instance (a restart) traded; this one never saw the order.
    let other = server::venue::binance::BinanceVenue::new(config(&env.fake, true, tuning())).unwrap();
    other.place_order(&market("elsewhere", "SOL", Side::Buy, "3")).await.unwrap();
    let fills = env.venue.fills(t0).await.unwrap();
    assert_eq!(fills.len(), 1);
    assert_eq!(fills[0].client_order_id, cid("elsewhere"), "order id resolved by orderId lookup");
}

#[tokio::test]
async fn funding_payments_join_income_with_the_settlement() {
    // Settlement runs the fake clock forward; sharing it keeps signed requests in recvWindow.
    let env = env_with(fake_config(), true, tuning(), true);
    let t0 = env.fake.now_ms() - 1;
    env.venue.place_order(&market("fp1", "SOL", Side::Buy, "10")).await.unwrap();
    env.fake.set_mark("SOLUSDT", d("160"));
    env.fake.set_funding_rate("SOLUSDT", d("0.0003"));
    env.fake.settle_funding("SOLUSDT");
    let payments = env.venue.funding_payments(t0).await.unwrap();
    assert_eq!(payments.len(), 1);
    let p = &payments[0];
    assert_eq!(p.symbol, sym("SOL"));
    assert_eq!(p.amount, Usd(d("-0.48")), "a long pays a positive rate: 10 x 160 x 0.0003");
    assert_eq!(p.rate.rate, d("0.0003"));
    assert_eq!(p.rate.interval, FundingInterval::FOUR_HOURS);
    assert_eq!(p.mark_price, Price(d("160")));
    assert_eq!(p.position_qty, Qty(d("10")));
    // The clock passing two settlements adds two more rows, each with its own tranId.
    env.fake.advance(8 * 3_600_000);
    let payments = env.venue.funding_payments(t0).await.unwrap();
    assert_eq!(payments.len(), 3);
    let mut ids: Vec<&str> = payments.iter().map(|p| p.payment_id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 3);
}

/// Our estimate of the venue's clock trails it (as under load, or after drift between
/// resyncs): the newest trades must still be found, not cut off by an endTime of "now".
#[tokio::test]
async fn fills_are_found_when_our_clock_estimate_trails_the_venue() {
    let env = env();
    let t0 = env.fake.now_ms() - 1;
    env.venue.place_order(&market("s0", "BTC", Side::Buy, "0.01")).await.unwrap();
    // The venue's clock jumps 2 s ahead of what the connector measured at its last sync.
    env.fake.skew_clock(2_000);
    env.venue.place_order(&market("s1", "BTC", Side::Buy, "0.01")).await.unwrap();
    let fills = env.venue.fills(t0).await.unwrap();
    let ids: Vec<&str> = fills.iter().map(|f| f.client_order_id.as_str()).collect();
    assert_eq!(ids, ["s0", "s1"]);
}

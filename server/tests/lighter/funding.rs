//! Funding units and signs end to end: percent-per-hour strings become hourly fractions,
//! settlements write positionFunding credits with the right sign, and the history's
//! `direction` gives the rate its sign.

use std::time::Duration;

use app::order::Side;
use app::{FundingInterval, FundingRate};
use server::venue::{VenueClient, VenueEvent};

use crate::helpers::*;

#[tokio::test]
async fn percent_per_hour_becomes_an_hourly_fraction() {
    let (fake, venue) = setup().await;
    fake.set_funding(1, "0.0012", "-0.0004");
    let mut snap = venue.funding(&btc()).await.expect("funding");
    for _ in 0..100 {
        if snap.last_settled.map(|r| r.rate) == Some(d("-0.000004")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        snap = venue.funding(&btc()).await.expect("funding");
    }
    assert_eq!(snap.predicted, FundingRate { rate: d("0.000012"), interval: FundingInterval::HOURLY });
    assert_eq!(snap.last_settled, Some(FundingRate { rate: d("-0.000004"), interval: FundingInterval::HOURLY }));
    assert_eq!(snap.next_funding_ms, T0 + 30 * 60_000, "next top of the hour");
    let mark = venue.mark_price(&btc()).await.expect("mark");
    assert_eq!(mark.mark.0, d("65000"));
    venue.shutdown().await;
}

#[tokio::test]
async fn settlements_credit_and_debit_with_the_right_sign() {
    let (fake, venue) = setup().await;
    let mut events = venue.subscribe();
    // Long 0.01 BTC at a positive rate (longs pay); short 1 SOL at a negative rate (shorts pay);
    // short 0.1 ETH at a positive rate (shorts receive).
    fake.set_funding(1, "0.0012", "0.0000");
    fake.set_funding(2, "-0.0005", "0.0000");
    fake.set_funding(0, "0.0008", "0.0000");
    venue.place_order(&market("f-btc", "BTC", Side::Buy, "0.01")).await.expect("btc");
    venue.place_order(&market("f-sol", "SOL", Side::Sell, "1")).await.expect("sol");
    venue.place_order(&market("f-eth", "ETH", Side::Sell, "0.1")).await.expect("eth");
    let before = fake.collateral(ACCOUNT);
    fake.advance_clock(30 * 60_000); // to the top of the hour: one settlement
    let paid = next_event(&mut events, Duration::from_secs(3), |e| match e {
        VenueEvent::FundingPaid(p) if p.symbol.as_str() == "BTC" => Some(p.clone()),
        _ => None,
    })
    .await
    .expect("the settlement is pushed on account_all");
    // 0.01 × 65000 × 0.0012 % = 0.0078 paid by the long.
    assert_eq!(paid.amount.0, d("-0.0078"));
    assert_eq!(paid.rate, FundingRate::from_percent_per_hour(d("0.0012")));
    assert_eq!(paid.time_ms, T0 + 30 * 60_000);

    let payments = venue.funding_payments(T0).await.expect("positionFunding");
    let by = |s: &str| payments.iter().find(|p| p.symbol.as_str() == s).cloned().expect("row");
    assert_eq!(by("BTC").amount.0, d("-0.0078"));
    assert_eq!((by("BTC").position_qty.0, by("BTC").mark_price.0), (d("0.01"), d("65000")));
    assert_eq!(by("SOL").amount.0, d("-0.00075"), "1 × 150 × 0.0005 %: shorts pay at a negative rate");
    assert_eq!(by("SOL").rate.rate, d("-0.000005"));
    assert_eq!(by("ETH").amount.0, d("0.00192"), "0.1 × 2400 × 0.0008 %: shorts receive at a positive rate");
    assert_eq!(by("ETH").position_qty.0, d("-0.1"));
    let total: rust_decimal::Decimal = payments.iter().map(|p| p.amount.0).sum();
    assert_eq!(fake.collateral(ACCOUNT) - before, total);

    // The market history carries magnitude + direction; the connector signs it.
    fake.advance_clock(3_600_000);
    let history = venue.funding_history(&sym("SOL"), T0, T0 + 2 * 3_600_000).await.expect("fundings");
    assert_eq!(history.len(), 2);
    assert!(history.iter().all(|h| h.rate.rate == d("-0.000005")), "{history:?}");
    assert_eq!(history[0].time_ms, T0 + 30 * 60_000);
    let btc_history = venue.funding_history(&btc(), T0, T0 + 2 * 3_600_000).await.expect("fundings");
    assert!(btc_history.iter().all(|h| h.rate.rate == d("0.000012")));
    // After settling, the market's last settled rate is the one just paid.
    let snap = venue.funding(&btc()).await.expect("funding");
    assert_eq!(snap.last_settled.map(|r| r.rate), Some(d("0.000012")));
    venue.shutdown().await;
}

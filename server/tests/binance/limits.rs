//! Rate limits and time: the local weight budget from exchangeInfo, back-off under a 429
//! storm and a 418 ban with nothing sent while banned (the fake counts), and the -1021 clock
//! resync with a single retry.

use crate::helpers::*;
use server::venue::{VenueClient, VenueError};

/// Move the (shared) clock to just after a window boundary, so a test cannot straddle one.
fn align_to_window(env: &Env, len: i64) {
    let now = env.fake.now_ms();
    env.fake.skew_clock(len - now.rem_euclid(len) + 50);
}

fn connectivity(e: &VenueError) -> bool {
    matches!(e, VenueError::Connectivity { .. })
}

#[tokio::test]
async fn storm_then_ban_sends_nothing_while_banned() {
    // The connector's local clock is the fake's, so bans expire when the test says so.
    let env = env_with(fake_config(), true, tuning(), true);
    let v = &env.venue;
    v.mark_price(&sym("BTC")).await.unwrap();
    env.fake.rate_limit_storm(2, 5, Some(120));

    // First 429: backing off for Retry-After (5 s).
    assert!(connectivity(&v.mark_price(&sym("BTC")).await.unwrap_err()));
    let reached = env.fake.requests();
    for _ in 0..5 {
        let e = v.mark_price(&sym("BTC")).await.unwrap_err();
        assert!(connectivity(&e) && e.to_string().contains("not sent"), "{e}");
    }
    assert_eq!(env.fake.requests(), reached, "nothing reaches the venue during the back-off");

    // After Retry-After: one request, the second 429.
    env.fake.skew_clock(5_001);
    assert!(connectivity(&v.mark_price(&sym("BTC")).await.unwrap_err()));
    assert_eq!(env.fake.requests(), reached + 1);

    // Then 418: a 120 s ban. Signed and public calls alike stay local.
    env.fake.skew_clock(5_001);
    let e = v.mark_price(&sym("BTC")).await.unwrap_err();
    assert!(connectivity(&e), "{e}");
    let reached = env.fake.requests();
    for _ in 0..3 {
        assert!(connectivity(&v.balance().await.unwrap_err()));
        assert!(connectivity(&v.place_order(&market("b1", "BTC", app::order::Side::Buy, "0.01")).await.unwrap_err()));
    }
    env.fake.skew_clock(60_000);
    assert!(connectivity(&v.markets().await.unwrap_err()));
    assert_eq!(env.fake.requests(), reached, "still banned after 60 s");
    assert_eq!(env.fake.order_submissions("b1"), 0);

    env.fake.skew_clock(60_001);
    v.mark_price(&sym("BTC")).await.expect("the ban is over");
    assert_eq!(env.fake.requests_while_banned(), 0, "the fake never saw a request during its ban");
}

#[tokio::test]
async fn weight_budget_from_exchange_info_is_kept_locally() {
    let mut cfg = fake_config();
    cfg.weight_limit = 30;
    let env = env_with(cfg, true, tuning(), true);
    align_to_window(&env, 60_000);
    let v = &env.venue;
    v.markets().await.unwrap(); // exchangeInfo (1) + fundingInfo (1)
    assert_eq!(v.rest().limiter().limits().weight_per_minute, 30);
    v.funding_board().await.unwrap(); // premiumIndex for all: 10
    v.funding_board().await.unwrap(); // 10 more: 22 used
    let e = v.funding_board().await.unwrap_err();
    assert!(connectivity(&e) && e.to_string().contains("weight"), "{e}");
    assert_eq!(env.fake.error_count(-1003), 0, "the venue never had to say 429");
    // Cheap calls still fit; the next minute restores the budget.
    v.mark_price(&sym("BTC")).await.unwrap();
    env.fake.skew_clock(60_000);
    v.funding_board().await.unwrap();
}

#[tokio::test]
async fn clock_skew_is_resynced_after_1021_and_retried_once() {
    let env = env();
    let v = &env.venue;
    v.balance().await.unwrap(); // first signed call syncs the clock
    // The venue's clock jumps 10 minutes ahead of ours.
    env.fake.skew_clock(600_000);
    v.balance().await.expect("retried after resync");
    assert_eq!(env.fake.error_count(-1021), 1, "exactly one rejection, then the retry");
    assert!((v.now_ms() - env.fake.now_ms()).abs() < 2_000, "server time tracks the venue");
    // And behind.
    env.fake.skew_clock(-1_200_000);
    v.positions().await.expect("retried after resync");
    assert_eq!(env.fake.error_count(-1021), 2);
}

#[tokio::test]
async fn order_budget_from_exchange_info_is_kept_locally() {
    let mut cfg = fake_config();
    cfg.orders_per_10s = 2;
    let env = env_with(cfg, true, tuning(), true);
    align_to_window(&env, 10_000);
    let v = &env.venue;
    v.markets().await.unwrap();
    assert_eq!(v.rest().limiter().limits().orders_per_10s, 2);
    v.place_order(&market("o1", "SOL", app::order::Side::Buy, "1")).await.unwrap();
    v.place_order(&market("o2", "SOL", app::order::Side::Buy, "1")).await.unwrap();
    let e = v.place_order(&market("o3", "SOL", app::order::Side::Buy, "1")).await.unwrap_err();
    assert!(connectivity(&e) && e.to_string().contains("order budget"), "{e}");
    assert_eq!(env.fake.order_submissions("o3"), 0);
}

#[tokio::test]
async fn order_count_headers_carry_other_clients_orders() {
    // Two connector instances on one account: B learns A's orders from X-MBX-ORDER-COUNT-10S.
    let mut cfg = fake_config();
    cfg.orders_per_10s = 3;
    let env = env_with(cfg, true, tuning(), true);
    align_to_window(&env, 10_000);
    let a = &env.venue;
    let mut b_cfg = config(&env.fake, true, tuning());
    let clock = env.fake.clock();
    b_cfg.local_time = server::venue::binance::clock::LocalTime::from_fn(move || clock.now_ms());
    let b = server::venue::binance::BinanceVenue::new(b_cfg).unwrap();
    a.markets().await.unwrap();
    b.markets().await.unwrap();
    a.place_order(&market("a1", "SOL", app::order::Side::Buy, "1")).await.unwrap();
    a.place_order(&market("a2", "SOL", app::order::Side::Buy, "1")).await.unwrap();
    b.place_order(&market("b1", "SOL", app::order::Side::Buy, "1")).await.unwrap();
    let e = b.place_order(&market("b2", "SOL", app::order::Side::Buy, "1")).await.unwrap_err();
    assert!(connectivity(&e) && e.to_string().contains("order budget"), "{e}");
    assert_eq!(env.fake.order_submissions("b2"), 0, "B counted A's orders from the header");
}

//! Daily equity over HTTP: today's snapshot is taken at start-up; earlier days read back per
//! venue with their total, decimals as strings.

use crate::helpers::{call, spawn_app};
use app::equity::{MS_PER_DAY, VenueEquity, day_start};
use app::{Usd, Venue};
use axum::http::StatusCode;
use rust_decimal_macros::dec;
use serde_json::{Value, json};
use server::db;
use std::time::Duration;

#[tokio::test]
async fn equity_per_day_per_venue_with_total() {
    let t = spawn_app(&[("ARB__SIM__STARTING_BALANCE", "25000")]).await;
    let r = crate::helpers::admin_app(&t.running.state).await;
    // Start-up snapshots today's equity on both venues (nothing traded: equity = wallet).
    let mut today = Value::Null;
    for _ in 0..50 {
        let (s, v) = call(&r, "GET", "/api/v1/equity", None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        if v[0]["venues"].as_array().is_some_and(|a| a.len() == 2) {
            today = v;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let day = &today[0];
    assert_eq!(day["day_ms"].as_i64(), Some(day_start(t.running.state.clock.venue_ms())), "{today}");
    assert_eq!((day["total"].clone(), day["venues"][0]["venue"].clone()), (json!("50000"), json!("binance")));
    assert_eq!(
        (day["venues"][1]["equity"].clone(), day["venues"][1]["unrealised"].clone()),
        (json!("25000"), json!("0"))
    );

    // Two earlier days, one with only Binance, read back in a window.
    let d0 = day_start(t.running.state.clock.venue_ms()) - 3 * MS_PER_DAY;
    let row = |venue, equity, wallet| VenueEquity {
        venue,
        equity: Usd(equity),
        wallet: Usd(wallet),
        unrealised: Usd(equity - wallet),
        taken_ms: d0,
    };
    let db = &t.running.state.db;
    db::equity::upsert(db, d0, &row(Venue::Binance, dec!(10100.5), dec!(10000))).await.unwrap();
    db::equity::upsert(db, d0, &row(Venue::Lighter, dec!(9899.25), dec!(9900))).await.unwrap();
    db::equity::upsert(db, d0 + MS_PER_DAY, &row(Venue::Binance, dec!(10200), dec!(10000))).await.unwrap();
    let uri = format!("/api/v1/equity?from={}&to={}", d0 + 5, d0 + MS_PER_DAY);
    let (s, v) = call(&r, "GET", &uri, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v.as_array().map(Vec::len), Some(2), "the day `from` falls in counts: {v}");
    assert_eq!((v[0]["total"].clone(), v[0]["venues"][1]["unrealised"].clone()), (json!("19999.75"), json!("-0.75")));
    assert_eq!((v[1]["total"].clone(), v[1]["venues"].as_array().map(Vec::len)), (json!("10200"), Some(1)));

    let (s, e) = call(&r, "GET", "/api/v1/equity?from=10&to=5", None).await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("from")));
    let (s, e) = call(&r, "GET", "/api/v1/equity?from=yesterday", None).await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("from")));
    t.running.stop().await;
}

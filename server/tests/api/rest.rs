//! REST routes through `oneshot`, including bad parameters.

use crate::helpers::spawn_app;
use app::api::{ErrorBody, FundingBoard, FundingHistory, Status, SymbolInfo};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;
use tower::ServiceExt;

async fn get<T: DeserializeOwned>(router: axum::Router, uri: &str) -> (StatusCode, T) {
    let res = router.oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let body =
        serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{uri}: {e}: {}", String::from_utf8_lossy(&bytes)));
    (status, body)
}

#[tokio::test]
async fn health_status_symbols_and_board() {
    let t = spawn_app(&[]).await;
    let router = crate::helpers::admin_app(&t.running.state).await;
    let (s, h): (_, app::api::Health) = get(router.clone(), "/api/v1/health").await;
    assert_eq!((s, h.status.as_str()), (StatusCode::OK, "ok"));

    let (s, status): (_, Status) = get(router.clone(), "/api/v1/status").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(status.venues.len(), 2);
    assert!(status.venues.iter().all(|v| v.symbols == 18), "{status:?}");

    let (_, symbols): (_, Vec<SymbolInfo>) = get(router.clone(), "/api/v1/symbols").await;
    assert_eq!(symbols.len(), 18);
    assert!(symbols.iter().all(|s| s.venues.len() == 2));

    let (_, board): (_, FundingBoard) = get(router.clone(), "/api/v1/funding-rates").await;
    assert_eq!(board.rows.len(), 18);
    for row in &board.rows {
        let (b, l) = (row.binance.as_ref().unwrap(), row.lighter.as_ref().unwrap());
        assert!(matches!(b.rate.interval.hours(), 4 | 8), "{row:?}");
        assert_eq!(l.rate.interval.hours(), 1);
        assert_eq!(b.per_hour, b.rate.rate / rust_decimal::Decimal::from(b.rate.interval.hours()));
        assert!(row.spread.is_some());
    }
    t.running.stop().await;
}

#[tokio::test]
async fn history_has_a_week_of_settled_rates_from_both_venues() {
    let t = spawn_app(&[]).await;
    let router = crate::helpers::admin_app(&t.running.state).await;
    let (s, h): (_, FundingHistory) = get(router.clone(), "/api/v1/funding-rates/BTC/history").await;
    assert_eq!(s, StatusCode::OK);
    let count = |v| h.points.iter().filter(|p| p.venue == v).count();
    // 7 days: 21 Binance settlements (8 h), 168 Lighter (hourly), give or take the edges.
    assert!((20..=22).contains(&count(app::Venue::Binance)), "{}", count(app::Venue::Binance));
    assert!((167..=169).contains(&count(app::Venue::Lighter)), "{}", count(app::Venue::Lighter));
    assert!(h.points.windows(2).all(|w| w[0].time_ms <= w[1].time_ms));

    let (_, only): (_, FundingHistory) = get(
        router.clone(),
        &format!("/api/v1/funding-rates/BTC/history?venue=binance&from={}&to={}", h.from_ms, h.to_ms),
    )
    .await;
    assert!(only.points.iter().all(|p| p.venue == app::Venue::Binance));
    t.running.stop().await;
}

#[tokio::test]
async fn bad_parameters_get_a_400_naming_the_field() {
    let t = spawn_app(&[]).await;
    let router = crate::helpers::admin_app(&t.running.state).await;
    let cases = [
        ("/api/v1/funding-rates/BTC/history?from=yesterday", "from"),
        ("/api/v1/funding-rates/BTC/history?to=1.5", "to"),
        ("/api/v1/funding-rates/BTC/history?venue=bybit", "venue"),
        ("/api/v1/funding-rates/BTC/history?kind=guessed", "kind"),
        ("/api/v1/funding-rates/BTC/history?from=20&to=10", "from"),
        ("/api/v1/funding-rates/BTC/history?from=0&to=99999999999", "from"),
        ("/api/v1/funding-rates/b-t-c/history", "symbol"),
    ];
    for (uri, field) in cases {
        let (s, e): (_, ErrorBody) = get(router.clone(), uri).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(e.error.code, "bad_request");
        assert_eq!(e.error.field.as_deref(), Some(field), "{uri}: {e:?}");
    }
    let (s, e): (_, ErrorBody) = get(router.clone(), "/api/v1/funding-rates/DOGS/history").await;
    assert_eq!((s, e.error.code.as_str()), (StatusCode::NOT_FOUND, "not_found"));
    let (s, _): (_, ErrorBody) = get(router, "/api/v1/nope").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    t.running.stop().await;
}

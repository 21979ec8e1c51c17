//! `GET /quotes/{symbol}` and `GET /balances`: what the engine would size with right now. A
//! viewer may read both.

use crate::helpers::{call, router_with, spawn_app, users};
use app::auth::Role;
use app::order::Balance;
use app::sizing::LegQuote;
use app::{Usd, Venue};
use axum::http::StatusCode;
use std::time::Duration;

#[tokio::test]
async fn quotes_and_balances_come_from_the_engine() {
    let t = spawn_app(&[]).await;
    let tokens = users(&t.running.state).await;
    let r = router_with(&t.running.state, tokens.token(Role::Viewer));
    // The engine needs markets, a book, a mark and a funding rate on both venues.
    let mut quotes = None;
    for _ in 0..100 {
        let (s, v) = call(&r, "GET", "/api/v1/quotes/ETH", None).await;
        if s == StatusCode::OK {
            quotes = Some(serde_json::from_value::<Vec<LegQuote>>(v).unwrap());
            break;
        }
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let quotes = quotes.expect("quotes for ETH");
    assert_eq!(quotes.iter().map(|q| q.venue).collect::<Vec<_>>(), [Venue::Binance, Venue::Lighter]);
    // The engine's default leverage (the parameters') unless asked otherwise.
    assert!(quotes.iter().all(|q| q.leverage == 3 && q.bid.0 < q.ask.0), "{quotes:?}");
    let (s, v) = call(&r, "GET", "/api/v1/quotes/ETH?leverage_binance=7&leverage_lighter=2", None).await;
    assert_eq!(s, StatusCode::OK);
    let q: Vec<LegQuote> = serde_json::from_value(v).unwrap();
    assert_eq!((q[0].leverage, q[1].leverage), (7, 2));

    for (uri, status, field) in [
        ("/api/v1/quotes/DOGS", StatusCode::NOT_FOUND, None),
        ("/api/v1/quotes/eth", StatusCode::BAD_REQUEST, Some("symbol")),
        ("/api/v1/quotes/ETH?leverage_binance=0", StatusCode::BAD_REQUEST, Some("leverage_binance")),
        ("/api/v1/quotes/ETH?leverage_lighter=x", StatusCode::BAD_REQUEST, Some("leverage_lighter")),
    ] {
        let (s, e) = call(&r, "GET", uri, None).await;
        assert_eq!((s, e["error"]["field"].as_str()), (status, field), "{uri}: {e}");
    }

    let mut balances = Vec::new();
    for _ in 0..100 {
        let (s, v) = call(&r, "GET", "/api/v1/balances", None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        balances = serde_json::from_value::<Vec<Balance>>(v).unwrap();
        if balances.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(balances.iter().map(|b| b.venue).collect::<Vec<_>>(), [Venue::Binance, Venue::Lighter]);
    assert!(balances.iter().all(|b| b.equity > Usd::ZERO && b.available > Usd::ZERO), "{balances:?}");
    t.running.stop().await;
}

//! One verdict on market data: `/status` and the risk gate agree at every simulator speed,
//! when a venue goes quiet and when it comes back.

use crate::helpers::{admin_app, call, spawn_app};
use app::Venue;
use app::notification::{Kind, Level, Notification};
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// `/status`'s row for `venue`.
async fn venue_status(r: &axum::Router, venue: &str) -> Value {
    let (_, status) = call(r, "GET", "/api/v1/status", None).await;
    status["venues"].as_array().unwrap().iter().find(|v| v["venue"] == venue).cloned().unwrap()
}

/// Poll `/status` until `venue`'s freshness is `fresh`; the row as it then read.
async fn until_status(r: &axum::Router, venue: &str, fresh: bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let row = venue_status(r, venue).await;
        if row["connected"] == fresh {
            return row;
        }
        assert!(Instant::now() < deadline, "{venue} never became fresh={fresh}: {row}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn open_eth() -> Value {
    json!({"symbol": "ETH", "direction": "long_lighter_short_binance", "notional": "3000", "slices": 2})
}

/// At every speed, the README's demo one among them, a manual open on the simulators goes
/// through: staleness is judged on wall time, not on a compressed venue clock.
#[tokio::test]
async fn a_manual_open_succeeds_at_speeds_1_60_and_3600() {
    for speed in ["1", "60", "3600"] {
        let t = spawn_app(&[("ARB__SIM__SPEED", speed), ("ARB__SIM__TICK_MS", "1000")]).await;
        let r = admin_app(&t.running.state).await;
        for venue in ["binance", "lighter"] {
            until_status(&r, venue, true).await;
        }
        let (s, ack) = call(&r, "POST", "/api/v1/orders/open", Some(open_eth())).await;
        assert_eq!(s, StatusCode::OK, "speed {speed}: {ack}");
        t.running.stop().await;
    }
}

#[tokio::test]
async fn status_and_the_risk_gate_turn_stale_and_fresh_together() {
    let t = spawn_app(&[("ARB__SIM__SPEED", "60"), ("ARB__COLLECTOR__STALE_AFTER_SECS", "1")]).await;
    let r = admin_app(&t.running.state).await;
    until_status(&r, "binance", true).await;
    until_status(&r, "lighter", true).await;
    let lighter = t
        .running
        .sims
        .iter()
        .find(|s| server::venue::VenueClient::venue(s.as_ref()) == Venue::Lighter)
        .unwrap()
        .clone();
    let mut notes = t.running.state.notifier.subscribe();

    lighter.stall_market_data(true);
    let row = until_status(&r, "lighter", false).await;
    let reason = row["stale_reason"].as_str().unwrap().to_owned();
    assert_eq!(reason, "lighter market data is stale or disconnected: no market update for over 1 s");
    // The first open after /status said stale is refused with the same words.
    let (s, body) = call(&r, "POST", "/api/v1/orders/open", Some(open_eth())).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["message"], format!("cannot open: {reason}"));
    let (_, engine) = call(&r, "GET", "/api/v1/engine/status", None).await;
    assert_eq!(engine["blocked"], json!([reason]), "{engine}");
    let stale = next_of(&mut notes, Kind::VenueStale).await;
    assert_eq!((stale.level, stale.dedup_key.as_str()), (Level::Warning, "venue_stale:lighter"));
    assert!(stale.text().starts_with("WARNING lighter market data stale\n"), "{}", stale.text());

    lighter.stall_market_data(false);
    let row = until_status(&r, "lighter", true).await;
    assert_eq!(row["stale_reason"], Value::Null);
    // And the first open after /status said fresh goes through.
    let (s, ack) = call(&r, "POST", "/api/v1/orders/open", Some(open_eth())).await;
    assert_eq!(s, StatusCode::OK, "{ack}");
    let (_, engine) = call(&r, "GET", "/api/v1/engine/status", None).await;
    assert_eq!(engine["blocked"], json!([]), "{engine}");
    assert_eq!(next_of(&mut notes, Kind::VenueFresh).await.level, Level::Info);
    t.running.stop().await;
}

/// The next notification of `kind` on the stream.
async fn next_of(rx: &mut tokio::sync::broadcast::Receiver<Notification>, kind: Kind) -> Notification {
    let wait = async {
        loop {
            match rx.recv().await {
                Ok(n) if n.kind == Some(kind) => return n,
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(e) => panic!("notifications ended: {e}"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), wait).await.expect("the notification")
}

//! The trading API through `oneshot` on the real server (simulated venues): open, watch,
//! close half, close all, parameters, pause/resume, and bad input naming its field.

use crate::helpers::{call, spawn_app};
use app::api::ErrorBody;
use app::trading::{CommandAck, PositionId, PositionStatus, PositionView};
use axum::http::StatusCode;
use serde_json::json;
use std::time::Duration;

async fn wait_for_status(router: &axum::Router, id: PositionId, want: PositionStatus) -> PositionView {
    for _ in 0..200 {
        let (_, v) = call(router, "GET", &format!("/api/v1/positions/{id}"), None).await;
        if let Ok(p) = serde_json::from_value::<PositionView>(v)
            && p.status == want
        {
            return p;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("position {id} never reached {want:?}");
}

#[tokio::test]
async fn open_watch_close_half_then_close_all() {
    let t = spawn_app(&[("ARB__SIM__SPEED", "1")]).await;
    let r = crate::helpers::admin_app(&t.running.state).await;
    // Let the engine see a few seconds of market data.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (s, opps) = call(&r, "GET", "/api/v1/opportunities", None).await;
    assert_eq!(s, StatusCode::OK);
    let direction =
        opps.as_array().unwrap().iter().find(|o| o["symbol"] == "ETH").map(|o| o["direction"].clone()).unwrap();

    let open = json!({"symbol": "ETH", "direction": direction, "notional": "3000", "slices": 3});
    let (s, ack) = call(&r, "POST", "/api/v1/orders/open", Some(open)).await;
    assert_eq!(s, StatusCode::OK, "{ack}");
    let ack: CommandAck = serde_json::from_value(ack).unwrap();
    let id = ack.positions[0];
    let p = wait_for_status(&r, id, PositionStatus::Open).await;
    assert_eq!(p.legs[0].qty.0, -p.legs[1].qty.0);
    let (_, orders) = call(&r, "GET", "/api/v1/orders", None).await;
    assert_eq!(orders.as_array().unwrap().len(), 6, "{orders}");

    let (s, _) = call(&r, "POST", "/api/v1/orders/close", Some(json!({"position_id": id, "percent": "50"}))).await;
    assert_eq!(s, StatusCode::OK);
    let half = wait_for_status(&r, id, PositionStatus::Open).await;
    let half =
        if half.legs[0].qty == p.legs[0].qty { wait_for_status(&r, id, PositionStatus::Open).await } else { half };
    assert!(half.legs[0].qty.0.abs() <= p.legs[0].qty.0.abs());

    let (s, ack) = call(&r, "POST", "/api/v1/positions/close-all", Some(json!({}))).await;
    assert_eq!(s, StatusCode::OK, "{ack}");
    let closed = wait_for_status(&r, id, PositionStatus::Closed).await;
    assert!(closed.legs.iter().all(|l| l.qty.0.is_zero()));
    let (_, pnl) = call(&r, "GET", "/api/v1/pnl?group=symbol", None).await;
    assert_eq!(pnl[0]["key"], "ETH");
    t.running.stop().await;
}

#[tokio::test]
async fn bad_trading_input_names_the_field_and_refusals_say_why() {
    let t = spawn_app(&[]).await;
    let r = crate::helpers::admin_app(&t.running.state).await;
    let cases = [
        (json!({"symbol": "ETH", "direction": "long_lighter_short_binance", "notional": "-5"}), "notional"),
        (json!({"symbol": "ETH", "direction": "long_lighter_short_binance", "notional": "100", "slices": 0}), "slices"),
        (json!({"symbol": "DOGS", "direction": "long_lighter_short_binance", "notional": "100"}), "symbol"),
        (json!({"symbol": "eth", "direction": "long_lighter_short_binance", "notional": "100"}), "symbol"),
        (json!({"symbol": "ETH", "direction": "sideways", "notional": "100"}), "direction"),
    ];
    for (body, field) in cases {
        let (s, e) = call(&r, "POST", "/api/v1/orders/open", Some(body.clone())).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
        let e: ErrorBody = serde_json::from_value(e).unwrap();
        assert_eq!(e.error.field.as_deref(), Some(field), "{body}: {e:?}");
    }
    let (s, e) = call(&r, "POST", "/api/v1/orders/close", Some(json!({"position_id": 1, "percent": "150"}))).await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("percent")));
    let (s, _) = call(&r, "POST", "/api/v1/orders/close", Some(json!({"position_id": 999, "percent": "50"}))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Pause: an open is refused with the reason, as a 409.
    let (s, _) = call(&r, "POST", "/api/v1/engine/pause", None).await;
    assert_eq!(s, StatusCode::OK);
    let open = json!({"symbol": "ETH", "direction": "long_lighter_short_binance", "notional": "2000"});
    let (s, e) = call(&r, "POST", "/api/v1/orders/open", Some(open)).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("paused"), "{e}");
    let (_, st) = call(&r, "GET", "/api/v1/engine/status", None).await;
    assert_eq!(st["paused"], true);
    call(&r, "POST", "/api/v1/engine/resume", None).await;

    // Parameters: every bad field listed; a good change is a new version, in effect at once.
    let (_, cfg) = call(&r, "GET", "/api/v1/config", None).await;
    assert_eq!(cfg["version"], 1);
    let mut bad = cfg["params"].clone();
    bad["slices"] = json!(0);
    bad["leverage_lighter"] = json!(99);
    let (s, e) = call(&r, "PUT", "/api/v1/config", Some(bad)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let fields: Vec<&str> =
        e["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["leverage_lighter", "slices"]);
    let mut good = cfg["params"].clone();
    good["slices"] = json!(7);
    let (s, c) = call(&r, "PUT", "/api/v1/config", Some(good)).await;
    assert_eq!((s, c["version"].as_i64()), (StatusCode::OK, Some(2)));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (_, cfg) = call(&r, "GET", "/api/v1/config", None).await;
    assert_eq!((cfg["version"].as_i64(), cfg["params"]["slices"].as_i64()), (Some(2), Some(7)));
    t.running.stop().await;
}

//! Symbol rules over HTTP: everything trades by default; an ignore rule stops opens on its
//! symbols with the rule as the reason; rules survive a restart; bad patterns name the field.

use crate::helpers::{call, start_in};
use app::symbols::{SymbolRulesBody, SymbolStatus};
use axum::http::StatusCode;
use serde_json::{Value, json};

async fn symbols(r: &axum::Router) -> Vec<SymbolStatus> {
    let (s, v) = call(r, "GET", "/api/v1/symbols", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    serde_json::from_value(v).unwrap()
}

fn entry<'a>(list: &'a [SymbolStatus], symbol: &str) -> &'a SymbolStatus {
    list.iter().find(|s| s.symbol.as_str() == symbol).unwrap_or_else(|| panic!("{symbol} not listed"))
}

#[tokio::test]
async fn rules_gate_opens_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let running = start_in(&dir, &[]).await;
    let r = crate::helpers::admin_app(&running.state).await;

    // Defaults: every listed symbol trades, by `include *`.
    let all = symbols(&r).await;
    assert_eq!(all.len(), 18);
    assert!(all.iter().all(|s| s.trading && s.rule.as_deref() == Some("include *") && s.venues.len() == 2));

    let (s, v) = call(&r, "PUT", "/api/v1/symbols", Some(json!({"include": ["*"], "ignore": ["*DOWN*", "eth"]}))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let body: SymbolRulesBody = serde_json::from_value(v).unwrap();
    assert_eq!(body.version, 1);
    assert!(!entry(&body.symbols, "ETH").trading);

    // Read back: ETH excluded by its rule, the rest untouched; opening it is refused with why.
    let now = symbols(&r).await;
    assert_eq!((entry(&now, "ETH").trading, entry(&now, "ETH").rule.as_deref()), (false, Some("ignore ETH")));
    assert!(entry(&now, "BTC").trading);
    let open = json!({"symbol": "ETH", "direction": "long_lighter_short_binance", "notional": "2000"});
    let (s, e) = call(&r, "POST", "/api/v1/orders/open", Some(open)).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["error"]["message"], "symbol ETH is excluded by rule ignore ETH");

    // POST appends (upper-cased, no duplicates).
    let (s, v) = call(&r, "POST", "/api/v1/symbols", Some(json!({"ignore": ["btc*", "ETH"]}))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!((v["version"].clone(), v["rules"]["ignore"].clone()), (json!(2), json!(["*DOWN*", "ETH", "BTC*"])));
    assert!(!entry(&symbols(&r).await, "BTC").trading);
    running.stop().await;

    // A restart on the same database keeps the rules and their version.
    let running = start_in(&dir, &[]).await;
    let r = crate::helpers::admin_app(&running.state).await;
    let after = symbols(&r).await;
    assert!(!entry(&after, "ETH").trading && !entry(&after, "BTC").trading && entry(&after, "SOL").trading);
    let open = json!({"symbol": "BTC", "direction": "long_lighter_short_binance", "notional": "2000"});
    let (s, e) = call(&r, "POST", "/api/v1/orders/open", Some(open)).await;
    assert_eq!(
        (s, e["error"]["message"].as_str()),
        (StatusCode::CONFLICT, Some("symbol BTC is excluded by rule ignore BTC*"))
    );
    // The rule set itself, as an editor loads it.
    let (s, v) = call(&r, "GET", "/api/v1/symbols/rules", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!((v["version"].clone(), v["rules"]["ignore"].clone()), (json!(2), json!(["*DOWN*", "ETH", "BTC*"])));
    assert_eq!(v["symbols"].as_array().map(Vec::len), Some(18));
    let (_, v) = call(&r, "PUT", "/api/v1/symbols", Some(json!({}))).await;
    assert_eq!((v["version"].clone(), v["rules"].clone()), (json!(3), json!({"include": ["*"], "ignore": []})));
    assert!(symbols(&r).await.iter().all(|s| s.trading));
    running.stop().await;
}

#[tokio::test]
async fn bad_rules_name_the_field_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let running = start_in(&dir, &[]).await;
    let r = crate::helpers::admin_app(&running.state).await;
    let long = "A".repeat(40);
    let cases: [(&str, Value, &str); 6] = [
        ("PUT", json!({"include": ["*"], "ignore": ["*DOWN*", "LUNA-USD"]}), "ignore[1]"),
        ("PUT", json!({"include": [""]}), "include[0]"),
        ("PUT", json!({"ignore": [long]}), "ignore[0]"),
        ("POST", json!({"ignore": ["OK", "OK", "ß"]}), "ignore[2]"),
        ("POST", json!({}), "ignore"),
        ("PUT", json!({"ignore": "LUNA"}), "ignore"),
    ];
    for (method, body, field) in cases {
        let (s, e) = call(&r, method, "/api/v1/symbols", Some(body.clone())).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{method} {body}: {e}");
        assert_eq!(e["error"]["field"].as_str(), Some(field), "{method} {body}: {e}");
    }
    // A misspelt field must not pass as an empty rule set.
    let (s, e) = call(&r, "PUT", "/api/v1/symbols", Some(json!({"ignored": ["LUNA"]}))).await;
    assert_eq!((s, e["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("ignored")), "{e}");
    assert!(symbols(&r).await.iter().all(|s| s.trading));
    running.stop().await;
}

use super::*;
use serde_json::json;

fn parse(v: serde_json::Value) -> Result<SignalRequest, String> {
    serde_json::from_value(v).map_err(|e| e.to_string())
}

fn fields(r: &SignalRequest) -> Vec<String> {
    r.validate().into_iter().map(|e| e.field).collect()
}

#[test]
fn an_open_needs_symbol_direction_and_notional_and_nothing_of_a_close() {
    let ok = parse(json!({"signal_id": "s-1", "strategy": "carry-1", "action": "open", "symbol": "BTC",
        "direction": "long_lighter_short_binance", "notional": "1000"}))
    .unwrap();
    assert!(ok.validate().is_empty());
    let bare = parse(json!({"signal_id": "s-1", "strategy": "carry-1", "action": "open", "percent": "50"})).unwrap();
    assert_eq!(fields(&bare), ["symbol", "direction", "notional", "percent"]);
}

#[test]
fn a_close_needs_a_position_or_a_symbol() {
    let by_symbol =
        parse(json!({"signal_id": "c", "strategy": "carry-1", "action": "close", "symbol": "ETH"})).unwrap();
    assert!(by_symbol.validate().is_empty());
    let nothing = parse(json!({"signal_id": "c", "strategy": "carry-1", "action": "close", "percent": "0",
        "notional": "5"}))
    .unwrap();
    assert_eq!(fields(&nothing), ["position_id", "percent", "notional"]);
}

#[test]
fn malformed_signals_name_their_field() {
    let e = parse(json!({"signal_id": "x", "strategy": "Carry", "action": "open"})).unwrap_err();
    assert!(e.contains("lower-case"), "{e}");
    let e = parse(json!({"signal_id": "x", "strategy": "c", "action": "buy"})).unwrap_err();
    assert!(e.contains("unknown variant"), "{e}");
    let e = parse(json!({"signal_id": "x", "strategy": "c", "action": "open", "qty": 1})).unwrap_err();
    assert!(e.contains("unknown field `qty`"), "{e}");
    let bad_id =
        parse(json!({"signal_id": "has space", "strategy": "auto", "action": "close", "symbol": "BTC"})).unwrap();
    assert_eq!(fields(&bad_id), ["signal_id", "strategy"]);
}

#[test]
fn the_signing_string_is_the_timestamp_a_line_feed_and_the_body() {
    assert_eq!(signing_string("1700000000000", b"{\"a\":1}"), b"1700000000000\n{\"a\":1}".to_vec());
}

fn source() -> SourceRequest {
    serde_json::from_value(json!({"name": "research", "strategies": ["carry-1"], "symbols": ["BTC", "*ETH*"],
        "max_notional": "5000", "actions": ["open", "close"]}))
    .unwrap()
}

#[test]
fn a_source_checks_its_own_settings() {
    assert!(source().validate().is_empty());
    let bad: SourceRequest = serde_json::from_value(json!({"name": "Bad Name", "strategies": ["manual"],
        "symbols": [], "max_notional": "0", "max_total_notional": "-1", "actions": [],
        "exits": {"close_after_hours": 0}}))
    .unwrap();
    let f: Vec<String> = bad.validate().into_iter().map(|e| e.field).collect();
    assert_eq!(
        f,
        ["name", "strategies", "symbols", "max_notional", "max_total_notional", "actions", "exits.close_after_hours"]
    );
}

#[test]
fn a_source_limits_strategy_action_symbol_and_notional() {
    let s = source();
    let open = |strategy: &str, symbol: &str, notional: &str| SignalRequest {
        signal_id: "x".into(),
        strategy: StrategyId::new(strategy).unwrap(),
        action: SignalAction::Open,
        symbol: Some(Symbol::new(symbol).unwrap()),
        direction: Some(SpreadDirection::LongBinanceShortLighter),
        notional: Some(Usd(notional.parse().unwrap())),
        percent: None,
        position_id: None,
        slices: None,
        slippage_cap_bps: None,
        expires_at_ms: None,
    };
    assert_eq!(s.refusal(&open("carry-1", "BTC", "5000")), None);
    assert_eq!(s.refusal(&open("carry-1", "WETH", "1")), None, "patterns match");
    let field = |r: SignalRequest| s.refusal(&r).map(|e| e.field);
    assert_eq!(field(open("other", "BTC", "1")).as_deref(), Some("strategy"));
    assert_eq!(field(open("carry-1", "SOL", "1")).as_deref(), Some("symbol"));
    assert_eq!(field(open("carry-1", "BTC", "5000.01")).as_deref(), Some("notional"));
    let closer = SourceRequest { actions: vec![SignalAction::Close], ..source() };
    assert_eq!(closer.refusal(&open("carry-1", "BTC", "1")).map(|e| e.field).as_deref(), Some("action"));
}

#[test]
fn statuses_are_the_documented_words() {
    let words: Vec<String> = SignalStatus::ALL.iter().map(|s| s.name()).collect();
    assert_eq!(words, ["received", "executing", "done", "failed", "expired", "cancelled", "rejected"]);
    assert!(SignalStatus::ALL.iter().filter(|s| !s.is_final()).count() == 2);
}

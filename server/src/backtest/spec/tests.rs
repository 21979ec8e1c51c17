//! Requests checked into specs: every refusal names its field; grids expand in order.

use super::*;
use crate::backtest::data;
use serde_json::json;

fn ctx_plan(req: &BacktestRequest) -> Result<Plan, Invalid> {
    let history = data::embedded().unwrap();
    let current = StrategyParams::default();
    let ctx = Context { history: &history, current: &current, seed: 42, starting_balance: Decimal::from(100_000) };
    plan(req, &ctx)
}

fn req(from: &str, to: &str) -> BacktestRequest {
    BacktestRequest { from: from.into(), to: to.into(), ..Default::default() }
}

fn field(r: Result<Plan, Invalid>) -> (String, String) {
    let e = r.unwrap_err();
    (e.field, e.message)
}

#[test]
fn a_plain_request_is_one_run_over_every_symbol_trading_by_itself() {
    let p = ctx_plan(&req("2025-09-01", "2025-09-08")).unwrap();
    assert!(!p.is_sweep());
    let (_, spec) = &p.points[0];
    assert_eq!(spec.symbols.len(), 18);
    assert_eq!(spec.to_ms - spec.from_ms, 7 * 86_400_000);
    assert!(spec.params.auto_open, "a backtest opens by itself");
    assert_eq!(spec.resolution, Resolution::Minute);
}

#[test]
fn bad_windows_name_from_or_to() {
    let cases = [
        (req("2025-9-1", "2025-09-08"), "from", "not a day"),
        (req("2025-09-01", "2025-09-31"), "to", "not a day"),
        (req("2025-09-08", "2025-09-01"), "to", "not after"),
        (req("2024-01-01", "2025-09-08"), "from", "before the data"),
        (req("2025-09-01", "2027-01-01"), "to", "after the data"),
    ];
    for (r, want_field, want_text) in cases {
        let (f, m) = field(ctx_plan(&r));
        assert_eq!(f, want_field, "{m}");
        assert!(m.contains(want_text), "{m}");
    }
}

#[test]
fn an_unknown_symbol_is_named() {
    let r = BacktestRequest { symbols: vec![Symbol::new("NOPE").unwrap()], ..req("2025-09-01", "2025-09-08") };
    let (f, m) = field(ctx_plan(&r));
    assert_eq!(f, "symbols");
    assert!(m.contains("unknown symbol NOPE") && m.contains("BTC"), "{m}");
}

#[test]
fn parameters_that_do_not_validate_name_their_field() {
    let mut r = req("2025-09-01", "2025-09-08");
    r.set.insert("slices".into(), json!("0"));
    assert_eq!(field(ctx_plan(&r)).0, "slices");
    let mut r = req("2025-09-01", "2025-09-08");
    r.set.insert("entry_min_apr".into(), json!("lots"));
    assert_eq!(field(ctx_plan(&r)).0, "entry_min_apr");
    let mut r = req("2025-09-01", "2025-09-08");
    r.set.insert("no_such_field".into(), json!("1"));
    let (f, m) = field(ctx_plan(&r));
    assert_eq!(f, "set");
    assert!(m.contains("no_such_field"), "{m}");
    let bad = StrategyParams { leverage_lighter: 99, ..Default::default() };
    let r = BacktestRequest { params: Some(bad), ..req("2025-09-01", "2025-09-08") };
    assert_eq!(field(ctx_plan(&r)).0, "leverage_lighter");
}

#[test]
fn set_takes_each_fields_own_type_from_text() {
    let p = StrategyParams::default();
    let p = set(&p, "slices", &json!("8")).unwrap();
    let p = set(&p, "auto_open", &json!("true")).unwrap();
    let p = set(&p, "entry_min_apr", &json!(0.3)).unwrap();
    assert_eq!((p.slices, p.auto_open, p.entry_min_apr), (8, true, Decimal::new(3, 1)));
}

#[test]
fn a_sweep_expands_every_combination_and_refuses_a_grid_too_large() {
    let mut r = req("2025-09-01", "2025-09-08");
    r.sweep.insert("slices".into(), vec![json!("2"), json!("4")]);
    r.sweep.insert("entry_confirmations".into(), vec![json!(1), json!(2), json!(3)]);
    let p = ctx_plan(&r).unwrap();
    assert!(p.is_sweep());
    assert_eq!(p.points.len(), 6);
    let first: Vec<String> = p.points.iter().take(3).map(|(s, _)| describe(s)).collect();
    assert_eq!(
        first,
        ["entry_confirmations=1, slices=2", "entry_confirmations=1, slices=4", "entry_confirmations=2, slices=2"]
    );
    assert_eq!(p.points[5].1.params.slices, 4);
    assert_eq!(p.points[5].1.params.entry_confirmations, 3);

    let mut r = req("2025-09-01", "2025-09-08");
    for key in ["slices", "entry_confirmations", "horizon_hours"] {
        r.sweep.insert(key.into(), (1..=5).map(|i| json!(i.to_string())).collect());
    }
    let (f, m) = field(ctx_plan(&r));
    assert_eq!(f, "sweep");
    assert!(m.contains("125 points") && m.contains("limit of 64"), "{m}");

    let mut r = req("2025-09-01", "2025-09-08");
    r.sweep.insert("slices".into(), vec![json!("4"), json!("0")]);
    let (f, m) = field(ctx_plan(&r));
    assert_eq!(f, "slices");
    assert!(m.contains("slices=0"), "{m}");
}

//! Table-driven checks of the matcher, the verdicts and the request validation.

use super::*;

fn p(s: &str) -> Pattern {
    Pattern::new(s).unwrap()
}

fn sym(s: &str) -> Symbol {
    Symbol::new(s).unwrap()
}

fn rules(include: &[&str], ignore: &[&str]) -> SymbolRules {
    SymbolRules { include: include.iter().map(|s| p(s)).collect(), ignore: ignore.iter().map(|s| p(s)).collect() }
}

#[test]
fn wildcard_matching_table() {
    let cases = [
        ("*", "BTC", true),
        ("*", "A", true),
        ("BTC", "BTC", true),
        ("BTC", "BTCDOWN", false),
        ("BTC", "XBTC", false),
        ("BTC*", "BTCDOWN", true),
        ("BTC*", "BTC", true),
        ("*DOWN*", "BTCDOWN", true),
        ("*DOWN*", "DOWN", true),
        ("*DOWN*", "DOWNUP", true),
        ("*DOWN*", "BTCDOWNX", true),
        ("*DOWN*", "DOWM", false),
        ("*DOWN", "BTCDOWNUP", false),
        ("*UP", "BTCUPUP", true),
        ("1000*", "1000PEPE", true),
        ("1000*", "100PEPE", false),
        ("A*B*C", "AXXBYYC", true),
        ("A*B*C", "ABC", true),
        ("A*B*C", "ACB", false),
        ("A*A*A", "AAAA", true),
        ("A*A*A", "AA", false),
        ("**", "ETH", true),
        ("E*H", "ETH", true),
        ("E*H", "ETHH", true),
        ("E*H", "ETHX", false),
    ];
    for (pattern, symbol, want) in cases {
        assert_eq!(p(pattern).matches(symbol), want, "{pattern} vs {symbol}");
    }
}

#[test]
fn patterns_are_upper_cased_and_checked() {
    assert_eq!(p("*down*").as_str(), "*DOWN*");
    let bad = [("", "empty"), ("BTC-USDT", "only"), ("BTC ", "only"), ("ß", "only"), ("É*", "only"), ("?", "only")];
    for (raw, want) in bad {
        let e = Pattern::new(raw).unwrap_err();
        assert!(e.contains(want), "{raw:?}: {e}");
    }
    assert!(Pattern::new(&"A".repeat(MAX_PATTERN_LEN)).is_ok());
    assert!(Pattern::new(&"A".repeat(MAX_PATTERN_LEN + 1)).unwrap_err().contains("at most"));
    // Stored rules are re-checked on the way back in.
    assert!(serde_json::from_str::<Pattern>("\"*up\"").is_ok_and(|x| x.as_str() == "*UP"));
    assert!(serde_json::from_str::<Pattern>("\"a-b\"").is_err());
}

#[test]
fn verdicts_table() {
    // (include, ignore, symbol, trades, rule)
    type Case<'a> = (&'a [&'a str], &'a [&'a str], &'a str, bool, Option<&'a str>);
    let cases: [Case; 7] = [
        (&["*"], &[], "BTC", true, Some("include *")),
        (&["*"], &["*DOWN*", "LUNA"], "BTCDOWN", false, Some("ignore *DOWN*")),
        (&["*"], &["*DOWN*", "LUNA"], "LUNA", false, Some("ignore LUNA")),
        (&["*"], &["*DOWN*", "LUNA"], "LUNA2", true, Some("include *")),
        (&["BTC", "ETH"], &[], "SOL", false, None),
        (&["BTC", "ETH"], &[], "ETH", true, Some("include ETH")),
        // Ignore wins over an exact include.
        (&["XYZ"], &["*XYZ*"], "XYZ", false, Some("ignore *XYZ*")),
    ];
    for (include, ignore, symbol, trades, rule) in cases {
        let r = rules(include, ignore);
        let v = r.verdict(&sym(symbol));
        assert_eq!((v.trades(), v.rule().as_deref()), (trades, rule), "{include:?} {ignore:?} {symbol}");
        assert_eq!(r.refusal(&sym(symbol)).is_none(), trades);
    }
}

#[test]
fn refusals_name_the_rule() {
    let r = rules(&["BTC", "ETH"], &["*XYZ*"]);
    assert_eq!(r.refusal(&sym("XYZ")).unwrap(), "symbol XYZ is excluded by rule ignore *XYZ*");
    assert_eq!(r.refusal(&sym("SOL")).unwrap(), "symbol SOL matches no include rule (include: BTC, ETH)");
    assert!(SymbolRules::default().trades(&sym("ANY")));
}

fn req(include: Option<&[&str]>, ignore: Option<&[&str]>) -> SymbolRulesRequest {
    let list = |l: Option<&[&str]>| l.map(|v| v.iter().map(|s| s.to_string()).collect());
    SymbolRulesRequest { include: list(include), ignore: list(ignore) }
}

fn fields(errors: Vec<FieldError>) -> Vec<String> {
    errors.into_iter().map(|e| e.field).collect()
}

#[test]
fn replacement_defaults_include_and_names_bad_fields() {
    let r = req(None, Some(&["*down*", "LUNA", "LUNA"])).replacement().unwrap();
    assert_eq!(r, rules(&["*"], &["*DOWN*", "LUNA"]));
    assert_eq!(req(Some(&[]), None).replacement().unwrap(), rules(&[], &[]));
    let e = req(Some(&["BTC", ""]), Some(&["OK", "bad!"])).replacement().unwrap_err();
    assert_eq!(fields(e), ["include[1]", "ignore[1]"]);
    let many: Vec<String> = (0..=MAX_PATTERNS).map(|i| format!("S{i}")).collect();
    let e = SymbolRulesRequest { include: None, ignore: Some(many) }.replacement().unwrap_err();
    assert_eq!(fields(e), ["ignore"]);
}

#[test]
fn additions_append_without_duplicates() {
    let current = rules(&["*"], &["*DOWN*"]);
    let r = req(None, Some(&["xyz*", "*DOWN*"])).added_to(&current).unwrap();
    assert_eq!(r, rules(&["*"], &["*DOWN*", "XYZ*"]));
    let r = req(Some(&["BTC"]), None).added_to(&current).unwrap();
    assert_eq!(r, rules(&["*", "BTC"], &["*DOWN*"]));
    assert_eq!(fields(req(None, None).added_to(&current).unwrap_err()), ["ignore"]);
    assert_eq!(fields(req(None, Some(&["A", "*/"])).added_to(&current).unwrap_err()), ["ignore[1]"]);
    // Unknown fields are refused rather than silently ignored (a typo would add nothing).
    assert!(serde_json::from_str::<SymbolRulesRequest>(r#"{"ignored": ["X"]}"#).is_err());
}

//! Strategy parameters: what an admin tunes. Validated field by field so the API and the form
//! can show each message beside its field; stored versioned in the database.
//!
//! Shares of a whole (take-profit, stop-loss, liquidation buffer, imbalance tolerance,
//! drawdown) are [`Fraction`]s: 0.2 means 20 %. Earlier builds named them `*_pct` although
//! they held fractions; versions stored then, and requests still using those names, are read
//! through serde aliases. Only the new names are written.

use crate::TimestampMs;
use crate::fraction::Fraction;
use crate::money::Usd;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrategyParams {
    /// Open positions automatically when the entry rule fires (manual opens always allowed).
    pub auto_open: bool,
    /// Net edge over the horizon, as an APR fraction (0.1 = 10 %), needed to enter.
    pub entry_min_apr: Decimal,
    /// Consecutive observations above the threshold before entering.
    pub entry_confirmations: u32,
    /// Hours of expected funding counted in the entry edge (against round-trip fees).
    pub horizon_hours: u32,
    /// Exit when the spread in the held direction falls below this APR (reversal).
    pub exit_below_apr: Decimal,
    /// Take profit / stop loss as fractions of the position's margin (0.2 = +20 %).
    #[serde(alias = "take_profit_pct")]
    pub take_profit: Fraction,
    #[serde(alias = "stop_loss_pct")]
    pub stop_loss: Fraction,
    pub max_holding_hours: u32,
    pub target_notional: Usd,
    pub leverage_binance: u32,
    pub leverage_lighter: u32,
    pub max_notional_per_symbol: Usd,
    pub max_notional_total: Usd,
    pub slices: u32,
    /// Largest notional one slice may carry (0 = no limit beyond `slices`).
    pub max_slice_notional: Usd,
    pub slice_pause_ms: u64,
    /// Worst price an IOC leg accepts, in basis points from the touch.
    pub slippage_cap_bps: u32,
    /// Act when a leg's mark is within this fraction of its liquidation price (0.05 = 5 %).
    #[serde(alias = "liquidation_buffer_pct")]
    pub liquidation_buffer: Fraction,
    /// Legs may differ by at most this fraction of the position before a repair.
    #[serde(alias = "imbalance_tolerance_pct")]
    pub imbalance_tolerance: Fraction,
    /// Portfolio drawdown from peak equity that trips the breaker (0.1 = 10 %).
    #[serde(alias = "max_drawdown_pct")]
    pub max_drawdown: Fraction,
}

impl Default for StrategyParams {
    fn default() -> Self {
        Self {
            auto_open: false,
            entry_min_apr: Decimal::new(15, 2),
            entry_confirmations: 3,
            horizon_hours: 72,
            exit_below_apr: Decimal::ZERO,
            take_profit: Fraction::from_percent(20),
            stop_loss: Fraction::from_percent(20),
            max_holding_hours: 24 * 14,
            target_notional: Usd(Decimal::from(1_000)),
            leverage_binance: 3,
            leverage_lighter: 3,
            max_notional_per_symbol: Usd(Decimal::from(10_000)),
            max_notional_total: Usd(Decimal::from(50_000)),
            slices: 4,
            max_slice_notional: Usd::ZERO,
            slice_pause_ms: 500,
            slippage_cap_bps: 20,
            liquidation_buffer: Fraction::from_percent(5),
            imbalance_tolerance: Fraction::from_percent(1),
            max_drawdown: Fraction::from_percent(10),
        }
    }
}

/// One invalid field and why.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

fn check(errors: &mut Vec<FieldError>, ok: bool, field: &str, message: &str) {
    if !ok {
        errors.push(FieldError { field: field.into(), message: message.into() });
    }
}

impl StrategyParams {
    /// Every problem at once, so a form can mark all bad fields in one round trip.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        let zero = Decimal::ZERO;
        let one = Decimal::ONE;
        // Fractions are never negative (their type refuses it); these are the upper bounds
        // and the ones that must not be zero.
        let (f0, f1) = (Fraction::ZERO, Fraction::ONE);
        check(
            &mut e,
            self.entry_min_apr >= zero && self.entry_min_apr <= Decimal::from(10),
            "entry_min_apr",
            "must be between 0 and 10 (1000 % APR)",
        );
        check(&mut e, (1..=100).contains(&self.entry_confirmations), "entry_confirmations", "must be 1 to 100");
        check(&mut e, (1..=24 * 90).contains(&self.horizon_hours), "horizon_hours", "must be 1 to 2160 hours");
        check(
            &mut e,
            self.exit_below_apr >= -one && self.exit_below_apr <= self.entry_min_apr,
            "exit_below_apr",
            "must be between -1 and the entry threshold",
        );
        check(
            &mut e,
            self.take_profit > f0 && self.take_profit <= Fraction::from_percent(1000),
            "take_profit",
            "must be above 0 and at most 10 (1000 %)",
        );
        check(
            &mut e,
            self.stop_loss > f0 && self.stop_loss <= f1,
            "stop_loss",
            "must be above 0 and at most 1 (100 % of margin)",
        );
        check(&mut e, (1..=24 * 365).contains(&self.max_holding_hours), "max_holding_hours", "must be 1 to 8760 hours");
        check(&mut e, self.target_notional > Usd::ZERO, "target_notional", "must be positive");
        check(&mut e, (1..=50).contains(&self.leverage_binance), "leverage_binance", "must be 1 to 50");
        check(&mut e, (1..=50).contains(&self.leverage_lighter), "leverage_lighter", "must be 1 to 50");
        check(
            &mut e,
            self.max_notional_per_symbol >= self.target_notional,
            "max_notional_per_symbol",
            "must be at least the target notional",
        );
        check(
            &mut e,
            self.max_notional_total >= self.max_notional_per_symbol,
            "max_notional_total",
            "must be at least the per-symbol cap",
        );
        check(&mut e, (1..=100).contains(&self.slices), "slices", "must be 1 to 100");
        check(&mut e, self.max_slice_notional >= Usd::ZERO, "max_slice_notional", "must be 0 (no limit) or positive");
        check(&mut e, self.slice_pause_ms <= 600_000, "slice_pause_ms", "must be at most 600000 ms");
        check(&mut e, (1..=1000).contains(&self.slippage_cap_bps), "slippage_cap_bps", "must be 1 to 1000 bps");
        check(
            &mut e,
            self.liquidation_buffer > f0 && self.liquidation_buffer < f1,
            "liquidation_buffer",
            "must be between 0 and 1",
        );
        check(&mut e, self.imbalance_tolerance < f1, "imbalance_tolerance", "must be at least 0 and below 1");
        check(
            &mut e,
            self.max_drawdown > f0 && self.max_drawdown <= f1,
            "max_drawdown",
            "must be above 0 and at most 1",
        );
        if e.is_empty() { Ok(()) } else { Err(e) }
    }
}

/// The fields of [`StrategyParams`] in declaration order: the order of the form and of a
/// diff. A test checks it against the serialised struct, so a new field cannot be forgotten.
pub const FIELDS: [&str; 20] = [
    "auto_open",
    "entry_min_apr",
    "entry_confirmations",
    "horizon_hours",
    "exit_below_apr",
    "take_profit",
    "stop_loss",
    "max_holding_hours",
    "target_notional",
    "leverage_binance",
    "leverage_lighter",
    "max_notional_per_symbol",
    "max_notional_total",
    "slices",
    "max_slice_notional",
    "slice_pause_ms",
    "slippage_cap_bps",
    "liquidation_buffer",
    "imbalance_tolerance",
    "max_drawdown",
];

/// `GET`/`PUT /api/v1/config`: the parameters in effect and their version.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigBody {
    pub version: i64,
    pub params: StrategyParams,
}

/// One field that differs between two versions, each side as its JSON text ("0.15", "3",
/// "true"); decimals are shown without trailing zeros.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// One entry of `GET /api/v1/config/history` (newest first): who stored which parameters
/// when, and what changed against the version before it (empty for the first).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamsVersion {
    pub version: i64,
    pub created_ms: TimestampMs,
    pub author: String,
    pub params: StrategyParams,
    pub changes: Vec<ParamChange>,
}

/// The fields whose values differ, in [`FIELDS`] order. Compared on the serialised form, field
/// by field, so that a field added to the struct shows up here without touching this code;
/// decimals compare by value (0.15 and 0.150 are the same setting).
pub fn diff(before: &StrategyParams, after: &StrategyParams) -> Vec<ParamChange> {
    let (b, a) = (fields_of(before), fields_of(after));
    let mut names: Vec<&String> = a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))).collect();
    names.sort_by_key(|n| (FIELDS.iter().position(|f| f == n).unwrap_or(FIELDS.len()), n.as_str()));
    names
        .into_iter()
        .filter_map(|name| {
            let (before, after) = (text(b.get(name)), text(a.get(name)));
            (before != after).then(|| ParamChange { field: name.clone(), before, after })
        })
        .collect()
}

/// Fill each version's `changes` against the next older one. `newest_first` is the whole
/// history or its newest part; the oldest entry given has nothing to compare with.
pub fn link_changes(newest_first: &mut [ParamsVersion]) {
    for i in 0..newest_first.len() {
        let changes = match newest_first.get(i + 1) {
            Some(older) => diff(&older.params, &newest_first[i].params),
            None => Vec::new(),
        };
        newest_first[i].changes = changes;
    }
}

fn fields_of(p: &StrategyParams) -> serde_json::Map<String, Value> {
    match serde_json::to_value(p) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

fn text(v: Option<&Value>) -> String {
    match v {
        None => "—".to_owned(),
        Some(Value::String(s)) => match s.parse::<Decimal>() {
            Ok(d) => d.normalize().to_string(),
            Err(_) => s.clone(),
        },
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_each_bad_field_is_named() {
        assert_eq!(StrategyParams::default().validate(), Ok(()));
        let bad = StrategyParams { slices: 0, leverage_lighter: 99, stop_loss: Fraction::ZERO, ..Default::default() };
        let fields: Vec<String> = bad.validate().unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["stop_loss", "leverage_lighter", "slices"]);
    }

    /// A version stored before the fractions lost their `_pct` names, as the database holds it.
    const STORED_WITH_PCT_NAMES: &str = r#"{"auto_open":true,"entry_min_apr":"0.15","entry_confirmations":3,
        "horizon_hours":72,"exit_below_apr":"0","take_profit_pct":"0.25","stop_loss_pct":"0.3",
        "max_holding_hours":336,"target_notional":"1000","leverage_binance":3,"leverage_lighter":3,
        "max_notional_per_symbol":"10000","max_notional_total":"50000","slices":4,
        "max_slice_notional":"0","slice_pause_ms":500,"slippage_cap_bps":20,
        "liquidation_buffer_pct":"0.06","imbalance_tolerance_pct":"0.02","stale_after_ms":30000,
        "max_drawdown_pct":"0.12"}"#;

    #[test]
    fn versions_stored_with_the_pct_names_still_load_and_are_written_with_the_new_ones() {
        let p: StrategyParams = serde_json::from_str(STORED_WITH_PCT_NAMES).unwrap();
        let want = StrategyParams {
            auto_open: true,
            take_profit: Fraction::from_percent(25),
            stop_loss: Fraction::from_percent(30),
            liquidation_buffer: Fraction::from_percent(6),
            imbalance_tolerance: Fraction::from_percent(2),
            max_drawdown: Fraction::from_percent(12),
            ..Default::default()
        };
        assert_eq!(p, want);
        let written = serde_json::to_string(&p).unwrap();
        assert!(!written.contains("_pct"), "{written}");
        assert!(written.contains(r#""stop_loss":"0.3""#), "{written}");
    }

    #[test]
    fn a_negative_fraction_is_refused_on_the_way_in() {
        let text = STORED_WITH_PCT_NAMES.replace(r#""stop_loss_pct":"0.3""#, r#""stop_loss":"-0.3""#);
        let e = serde_json::from_str::<StrategyParams>(&text).unwrap_err().to_string();
        assert!(e.contains("must not be negative"), "{e}");
    }

    #[test]
    fn the_defaults_serialise_as_before_the_types() {
        let v = serde_json::to_value(StrategyParams::default()).unwrap();
        let cases = [
            ("take_profit", "0.20"),
            ("stop_loss", "0.20"),
            ("liquidation_buffer", "0.05"),
            ("imbalance_tolerance", "0.01"),
            ("max_drawdown", "0.10"),
            ("target_notional", "1000"),
            ("max_slice_notional", "0"),
        ];
        for (field, text) in cases {
            assert_eq!(v[field], text, "{field}");
        }
    }

    #[test]
    fn fields_lists_every_serialised_field_in_order() {
        let map = fields_of(&StrategyParams::default());
        let mut names: Vec<&str> = map.keys().map(String::as_str).collect();
        let mut listed = FIELDS.to_vec();
        names.sort_unstable();
        listed.sort_unstable();
        assert_eq!(names, listed);
    }

    fn change(field: &str, before: &str, after: &str) -> ParamChange {
        ParamChange { field: field.into(), before: before.into(), after: after.into() }
    }

    #[test]
    fn diff_names_each_changed_field_in_form_order() {
        let base = StrategyParams::default();
        let cases: Vec<(&str, StrategyParams, Vec<ParamChange>)> = vec![
            ("nothing changed", base.clone(), vec![]),
            (
                "a decimal",
                StrategyParams { entry_min_apr: Decimal::new(2, 1), ..base.clone() },
                vec![change("entry_min_apr", "0.15", "0.2")],
            ),
            ("same value, other scale", StrategyParams { entry_min_apr: Decimal::new(150, 3), ..base.clone() }, vec![]),
            (
                "bool, integers and a decimal, in declaration order",
                StrategyParams {
                    max_drawdown: Fraction::from_percent(5),
                    slices: 8,
                    auto_open: true,
                    slice_pause_ms: 0,
                    ..base.clone()
                },
                vec![
                    change("auto_open", "false", "true"),
                    change("slices", "4", "8"),
                    change("slice_pause_ms", "500", "0"),
                    change("max_drawdown", "0.1", "0.05"),
                ],
            ),
            (
                "a negative decimal",
                StrategyParams { exit_below_apr: Decimal::new(-5, 2), ..base.clone() },
                vec![change("exit_below_apr", "0", "-0.05")],
            ),
        ];
        for (what, after, want) in cases {
            assert_eq!(diff(&base, &after), want, "{what}");
        }
    }

    #[test]
    fn link_changes_compares_each_version_with_the_one_before() {
        let v = |version: i64, slices: u32| ParamsVersion {
            version,
            created_ms: version * 1000,
            author: "api".into(),
            params: StrategyParams { slices, ..Default::default() },
            changes: vec![change("stale", "x", "y")],
        };
        let mut history = vec![v(3, 6), v(2, 4), v(1, 4)];
        link_changes(&mut history);
        let changes: Vec<Vec<ParamChange>> = history.into_iter().map(|h| h.changes).collect();
        assert_eq!(changes, vec![vec![change("slices", "4", "6")], vec![], vec![]]);
    }
}

//! The strategy-parameter form's fields: label, unit and help for each name in
//! `app::params::FIELDS`, and the pure step from the inputs' text to `StrategyParams` with a
//! message per bad field. No DOM here, so it is unit-tested natively.

use app::params::{FIELDS, FieldError, StrategyParams};
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// How a field is typed and shown. Taken from the serialised parameters, so a new field gets
/// a working input even before it has a label here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bool,
    Integer,
    Decimal,
}

impl Kind {
    pub fn of(value: &Value) -> Self {
        match value {
            Value::Bool(_) => Kind::Bool,
            Value::Number(_) => Kind::Integer,
            _ => Kind::Decimal,
        }
    }
}

/// What the number means, for the hint beside the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    None,
    /// A fraction shown also as a percentage (0.15 = 15 %).
    Fraction,
    Usd,
    Hours,
    Ms,
    Bps,
    Times,
}

pub struct Meta {
    pub label: &'static str,
    pub unit: Unit,
    pub help: &'static str,
}

/// The form's sections: a title and the fields in it (in `FIELDS` order).
pub const SECTIONS: [(&str, &[&str]); 4] = [
    (
        "Entry and exit",
        &[
            "auto_open",
            "entry_min_apr",
            "entry_confirmations",
            "horizon_hours",
            "exit_below_apr",
            "take_profit",
            "stop_loss",
            "max_holding_hours",
        ],
    ),
    (
        "Size and leverage",
        &["target_notional", "leverage_binance", "leverage_lighter", "max_notional_per_symbol", "max_notional_total"],
    ),
    ("Execution", &["slices", "max_slice_notional", "slice_pause_ms", "slippage_cap_bps"]),
    ("Risk", &["liquidation_buffer", "imbalance_tolerance", "max_drawdown"]),
];

pub fn meta(field: &str) -> Meta {
    let m = |label, unit, help| Meta { label, unit, help };
    match field {
        "auto_open" => m("Open automatically", Unit::None, "Open when the entry rule fires; manual opens always work."),
        "entry_min_apr" => m("Entry threshold (APR)", Unit::Fraction, "Net edge needed to enter, as a fraction."),
        "entry_confirmations" => m("Confirmations", Unit::Times, "Consecutive observations above the threshold."),
        "horizon_hours" => m("Horizon", Unit::Hours, "Hours of funding counted against round-trip fees."),
        "exit_below_apr" => m("Exit below (APR)", Unit::Fraction, "Close when the held spread falls below this."),
        "take_profit" => m("Take profit", Unit::Fraction, "Net gain as a fraction of the position's margin."),
        "stop_loss" => m("Stop loss", Unit::Fraction, "Net loss as a fraction of the position's margin."),
        "max_holding_hours" => m("Max holding time", Unit::Hours, "Close a position held longer than this."),
        "target_notional" => m("Target notional", Unit::Usd, "Size of an automatic open, per leg."),
        "leverage_binance" => m("Leverage Binance", Unit::Times, "1 to 50."),
        "leverage_lighter" => m("Leverage Lighter", Unit::Times, "1 to 50."),
        "max_notional_per_symbol" => m("Max per symbol", Unit::Usd, "Cap on one symbol's notional."),
        "max_notional_total" => m("Max total", Unit::Usd, "Cap on all positions' notional."),
        "slices" => m("Slices", Unit::None, "An open or close is sent in this many slices."),
        "max_slice_notional" => m("Max slice notional", Unit::Usd, "0 = no limit beyond the slice count."),
        "slice_pause_ms" => m("Pause between slices", Unit::Ms, "At most 600000 ms."),
        "slippage_cap_bps" => m("Slippage cap", Unit::Bps, "Worst price an IOC leg accepts, from the touch."),
        "liquidation_buffer" => {
            m("Liquidation buffer", Unit::Fraction, "Act when a leg's mark is this fraction of it from liquidation.")
        }
        "imbalance_tolerance" => {
            m("Imbalance tolerance", Unit::Fraction, "Leg size difference, as a fraction, before a repair.")
        }
        "max_drawdown" => m("Max drawdown", Unit::Fraction, "Fraction of peak equity lost that trips the breaker."),
        _ => m("", Unit::None, ""),
    }
}

/// The text each input starts with, and each field's kind, from parameters as served.
pub fn texts_of(params: &StrategyParams) -> Vec<(&'static str, Kind, String)> {
    let map = match serde_json::to_value(params) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    FIELDS
        .iter()
        .filter_map(|f| {
            let v = map.get(*f)?;
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            Some((*f, Kind::of(v), text))
        })
        .collect()
}

/// The parameters the inputs describe, or every problem: text that is not a number of the
/// field's kind, then the domain rules of `StrategyParams::validate` (the server's own).
pub fn parse(inputs: &[(&'static str, Kind, String)]) -> Result<StrategyParams, Vec<FieldError>> {
    let mut map = Map::new();
    let mut errors = Vec::new();
    for (field, kind, text) in inputs {
        let t = text.trim();
        let value = match kind {
            Kind::Bool => Ok(Value::Bool(t == "true")),
            Kind::Integer => match t.parse::<u32>() {
                Ok(n) => Ok(Value::from(n)),
                Err(_) if t.is_empty() => Err("required"),
                Err(_) if t.starts_with('-') => Err("must not be negative"),
                Err(_) if t.chars().all(|c| c.is_ascii_digit()) => Err("too large"),
                Err(_) => Err("must be a whole number"),
            },
            Kind::Decimal => match t.parse::<Decimal>() {
                Ok(d) => Ok(Value::String(d.to_string())),
                Err(_) if t.is_empty() => Err("required"),
                Err(_) => Err("must be a number, e.g. 0.15"),
            },
        };
        match value {
            Ok(v) => {
                map.insert((*field).to_owned(), v);
            }
            Err(message) => errors.push(FieldError { field: (*field).to_owned(), message: message.to_owned() }),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let params: StrategyParams = serde_json::from_value(Value::Object(map.clone())).map_err(|e| {
        vec![FieldError { field: field_refused_by_its_type(&map).unwrap_or_default(), message: e.to_string() }]
    })?;
    params.validate()?;
    Ok(params)
}

/// A value its type refuses on the way in (a negative fraction) fails the whole map, and
/// serde_json's error names no field: find it by trying each value alone in the defaults.
fn field_refused_by_its_type(map: &Map<String, Value>) -> Option<String> {
    let Ok(Value::Object(defaults)) = serde_json::to_value(StrategyParams::default()) else { return None };
    map.iter()
        .find(|(field, value)| {
            let mut one = defaults.clone();
            one.insert((*field).clone(), (*value).clone());
            serde_json::from_value::<StrategyParams>(Value::Object(one)).is_err()
        })
        .map(|(field, _)| field.clone())
}

/// Errors keyed by field, for lookup beside each input.
pub fn by_field(errors: &[FieldError]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in errors {
        out.entry(e.field.clone()).or_insert_with(|| e.message.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(field: &str, text: &str) -> Vec<(&'static str, Kind, String)> {
        let mut inputs = texts_of(&StrategyParams::default());
        for (f, _, t) in inputs.iter_mut() {
            if *f == field {
                *t = text.to_owned();
            }
        }
        inputs
    }

    #[test]
    fn every_field_has_a_section_and_a_label() {
        let listed: Vec<&str> = SECTIONS.iter().flat_map(|(_, fields)| fields.iter().copied()).collect();
        assert_eq!(listed, FIELDS);
        assert!(FIELDS.iter().all(|f| !meta(f).label.is_empty()));
    }

    #[test]
    fn the_defaults_round_trip() {
        assert_eq!(parse(&texts_of(&StrategyParams::default())), Ok(StrategyParams::default()));
    }

    #[test]
    fn bad_text_and_bad_values_name_their_field() {
        let cases = [
            ("entry_min_apr", "abc", "must be a number, e.g. 0.15"),
            ("entry_min_apr", "", "required"),
            ("entry_min_apr", "-1", "must be between 0 and 10 (1000 % APR)"),
            ("slices", "2.5", "must be a whole number"),
            ("slices", "-3", "must not be negative"),
            ("slices", "99999999999", "too large"),
            ("slices", "0", "must be 1 to 100"),
            ("stop_loss", "0", "must be above 0 and at most 1 (100 % of margin)"),
            ("stop_loss", "-0.1", "must not be negative (a fraction: 0.2 = 20 %), got -0.1"),
            ("max_drawdown", "1.5", "must be above 0 and at most 1"),
        ];
        for (field, text, message) in cases {
            let errors = parse(&with(field, text)).unwrap_err();
            assert_eq!(by_field(&errors).get(field).map(String::as_str), Some(message), "{field}={text:?}");
        }
    }

    #[test]
    fn good_edits_parse() {
        let p = parse(&with("entry_min_apr", " 0.2 ")).unwrap();
        assert_eq!(p.entry_min_apr, Decimal::new(2, 1));
        let p = parse(&with("auto_open", "true")).unwrap();
        assert!(p.auto_open);
    }
}

//! From a request to runnable backtests: the window checked against the data, the symbols
//! against the history, the parameters (the base set, single overrides, a grid) each validated
//! as the Config page validates them. Every refusal names the field at fault, so the API
//! answers 400 with it and the command line names the argument.

use crate::venue::sim::history::History;
use app::backtest::{BacktestRequest, MAX_SWEEP_POINTS, Metric, Resolution, parse_day};
use app::history::iso_utc;
use app::params::{FIELDS, StrategyParams};
use app::{Symbol, TimestampMs};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::BTreeMap;

/// One backtest, ready to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub from_ms: TimestampMs,
    pub to_ms: TimestampMs,
    pub symbols: Vec<Symbol>,
    pub params: StrategyParams,
    pub resolution: Resolution,
    pub strict: bool,
    pub seed: u64,
    /// Each simulated venue's starting wallet.
    pub starting_balance: Decimal,
}

/// The runs a request asks for: one, or a sweep's points (each with the values it set).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub points: Vec<(BTreeMap<String, Value>, Spec)>,
    pub rank_by: Metric,
}

impl Plan {
    pub fn is_sweep(&self) -> bool {
        self.points.len() > 1 || self.points.first().is_some_and(|(set, _)| !set.is_empty())
    }
}

/// A field of the request and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

fn invalid(field: &str, message: impl Into<String>) -> Invalid {
    Invalid { field: field.to_owned(), message: message.into() }
}

/// What the request is read against: the data, the parameters in effect, the simulators' seed
/// and starting balance.
pub struct Context<'a> {
    pub history: &'a History,
    pub current: &'a StrategyParams,
    pub seed: u64,
    pub starting_balance: Decimal,
}

pub fn plan(req: &BacktestRequest, ctx: &Context<'_>) -> Result<Plan, Invalid> {
    let from_ms =
        parse_day(&req.from).ok_or_else(|| invalid("from", format!("`{}` is not a day (YYYY-MM-DD)", req.from)))?;
    let to_ms = parse_day(&req.to).ok_or_else(|| invalid("to", format!("`{}` is not a day (YYYY-MM-DD)", req.to)))?;
    if to_ms <= from_ms {
        return Err(invalid("to", format!("{} is not after {}", req.to, req.from)));
    }
    let symbols = symbols(&req.symbols, ctx.history)?;
    let (first, last) = ctx
        .history
        .coverage(&symbols)
        .ok_or_else(|| invalid("symbols", "these symbols have no common history on both venues"))?;
    let covers = format!("the data covers {} to {} for these symbols", iso_utc(first), iso_utc(last));
    if from_ms < first {
        return Err(invalid("from", format!("{} is before the data: {covers}", req.from)));
    }
    if to_ms > last {
        return Err(invalid("to", format!("{} is after the data: {covers}", req.to)));
    }
    let mut base = req.params.clone().unwrap_or_else(|| ctx.current.clone());
    for (key, value) in &req.set {
        base = set(&base, key, value)?;
    }
    // A backtest is the strategy trading by itself.
    base.auto_open = true;
    check(&base, None)?;
    let spec = |params| Spec {
        from_ms,
        to_ms,
        symbols: symbols.clone(),
        params,
        resolution: req.resolution,
        strict: req.strict,
        seed: ctx.seed,
        starting_balance: ctx.starting_balance,
    };
    let mut points = Vec::new();
    for set_values in grid(&req.sweep)? {
        let mut params = base.clone();
        for (key, value) in &set_values {
            params = set(&params, key, value)?;
        }
        params.auto_open = true;
        check(&params, Some(&set_values))?;
        points.push((set_values, spec(params)));
    }
    Ok(Plan { points, rank_by: req.rank_by })
}

/// Every symbol with history on both venues when none are named; else the named ones, each
/// of which must have it.
fn symbols(named: &[Symbol], history: &History) -> Result<Vec<Symbol>, Invalid> {
    let known = history.symbols();
    if named.is_empty() {
        return Ok(known);
    }
    let mut out: Vec<Symbol> = Vec::new();
    for s in named {
        if !known.contains(s) {
            let list: Vec<&str> = known.iter().map(Symbol::as_str).collect();
            return Err(invalid("symbols", format!("unknown symbol {s}: the history has {}", list.join(", "))));
        }
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
    out.sort();
    Ok(out)
}

/// Every field's problem, the first one named.
fn check(params: &StrategyParams, point: Option<&BTreeMap<String, Value>>) -> Result<(), Invalid> {
    let Err(errors) = params.validate() else { return Ok(()) };
    let first = &errors[0];
    let message = match point {
        Some(set) if !set.is_empty() => format!("{} (in the sweep point {})", first.message, describe(set)),
        _ => first.message.clone(),
    };
    Err(Invalid { field: first.field.clone(), message })
}

/// `slices=4, entry_min_apr=0.2`.
pub fn describe(set: &BTreeMap<String, Value>) -> String {
    set.iter().map(|(k, v)| format!("{k}={}", text(v))).collect::<Vec<_>>().join(", ")
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `params` with one field replaced. A value given as text (the command line's `key=value`)
/// takes the field's own type: `true`, `4`, `0.2`.
pub fn set(params: &StrategyParams, key: &str, value: &Value) -> Result<StrategyParams, Invalid> {
    if !FIELDS.contains(&key) {
        return Err(invalid("set", format!("unknown parameter `{key}`; the parameters are {}", FIELDS.join(", "))));
    }
    let Ok(Value::Object(mut map)) = serde_json::to_value(params) else {
        return Err(invalid(key, "the parameters could not be read"));
    };
    let current = map.get(key).cloned().unwrap_or(Value::Null);
    map.insert(key.to_owned(), coerce(value, &current));
    serde_json::from_value(Value::Object(map)).map_err(|e| invalid(key, format!("`{}`: {e}", text(value))))
}

fn coerce(value: &Value, like: &Value) -> Value {
    match (value, like) {
        (Value::String(s), Value::Bool(_)) => s.parse::<bool>().map_or_else(|_| value.clone(), Value::Bool),
        (Value::String(s), Value::Number(_)) => s.parse::<u64>().map_or_else(|_| value.clone(), Value::from),
        (Value::Number(n), Value::String(_)) => Value::String(n.to_string()),
        _ => value.clone(),
    }
}

/// Every combination of the sweep's values (one empty point without a sweep).
fn grid(sweep: &BTreeMap<String, Vec<Value>>) -> Result<Vec<BTreeMap<String, Value>>, Invalid> {
    let mut size: usize = 1;
    for (key, values) in sweep {
        if !FIELDS.contains(&key.as_str()) {
            return Err(invalid("sweep", format!("unknown parameter `{key}`")));
        }
        if values.is_empty() {
            return Err(invalid("sweep", format!("`{key}` has no values")));
        }
        size = size.saturating_mul(values.len());
    }
    if size > MAX_SWEEP_POINTS {
        return Err(invalid(
            "sweep",
            format!(
                "the grid has {size} points, above the limit of {MAX_SWEEP_POINTS}: each point is a whole backtest; \
                 sweep fewer values or fewer parameters at once"
            ),
        ));
    }
    let mut points = vec![BTreeMap::new()];
    for (key, values) in sweep {
        points = points
            .into_iter()
            .flat_map(|p| {
                values.iter().map(move |v| {
                    let mut p = p.clone();
                    p.insert(key.clone(), v.clone());
                    p
                })
            })
            .collect();
    }
    Ok(points)
}

/// The command line's `key=value` and `key=a,b,c`.
pub fn parse_assignment(flag: &str, text: &str) -> Result<(String, String), Invalid> {
    match text.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.trim().to_owned())),
        _ => Err(invalid(flag, format!("`{text}` is not key=value"))),
    }
}

#[cfg(test)]
mod tests;

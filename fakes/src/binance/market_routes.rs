//! Market-data handlers: time, exchangeInfo, premiumIndex (one or all, with a funding-less
//! quarterly contract in the array), fundingRate history, fundingInfo, bookTicker, depth.

use super::core::Fake;
use super::error::ApiError;
use super::params::Params;
use super::render;
use serde_json::{Value, json};

pub fn ping(_: &Fake, _: &Params, _: i64) -> Result<Value, ApiError> {
    Ok(json!({}))
}

pub fn time(_: &Fake, _: &Params, now: i64) -> Result<Value, ApiError> {
    Ok(json!({ "serverTime": now }))
}

pub fn exchange_info(fake: &Fake, _: &Params, now: i64) -> Result<Value, ApiError> {
    let c = &fake.config;
    let limits =
        render::Limits { weight: c.weight_limit, orders_10s: c.orders_per_10s, orders_1m: c.orders_per_minute };
    Ok(render::exchange_info(&fake.ex(), &limits, now))
}

pub fn premium_index(fake: &Fake, p: &Params, now: i64) -> Result<Value, ApiError> {
    let ex = fake.ex();
    match p.get("symbol") {
        Some(sym) => ex.symbols.get(sym).map(|s| render::premium_index(s, now)).ok_or_else(ApiError::invalid_symbol),
        None => {
            let mut rows: Vec<Value> = ex.symbols.values().map(|s| render::premium_index(s, now)).collect();
            if let Some(btc) = ex.symbols.values().next() {
                rows.push(render::premium_index_quarterly(btc.spec.mark, now));
            }
            Ok(Value::Array(rows))
        }
    }
}

/// Ascending by time. Without `startTime` the most recent `limit` rows are returned.
pub fn funding_rate(fake: &Fake, p: &Params, _: i64) -> Result<Value, ApiError> {
    let limit = p.int("limit")?.unwrap_or(100).clamp(1, 1000) as usize;
    let (start, end) = (p.int("startTime")?, p.int("endTime")?);
    let ex = fake.ex();
    let symbols: Vec<&str> = match p.get("symbol") {
        Some(sym) if ex.symbols.contains_key(sym) => vec![sym],
        Some(_) => return Err(ApiError::invalid_symbol()),
        None => ex.symbols.keys().map(String::as_str).collect(),
    };
    let mut rows: Vec<(i64, &str, (i64, rust_decimal::Decimal, rust_decimal::Decimal))> = Vec::new();
    for sym in symbols {
        if let Some(s) = ex.symbols.get(sym) {
            for h in &s.history {
                if start.is_none_or(|t| h.0 >= t) && end.is_none_or(|t| h.0 <= t) {
                    rows.push((h.0, sym, *h));
                }
            }
        }
    }
    rows.sort_by_key(|r| r.0);
    let picked: Vec<_> = if start.is_some() {
        rows.into_iter().take(limit).collect()
    } else {
        let skip = rows.len().saturating_sub(limit);
        rows.into_iter().skip(skip).collect()
    };
    Ok(Value::Array(picked.into_iter().map(|(_, sym, h)| render::funding_rate_row(sym, h)).collect()))
}

pub fn funding_info(fake: &Fake, _: &Params, _: i64) -> Result<Value, ApiError> {
    Ok(render::funding_info(&fake.ex()))
}

pub fn book_ticker(fake: &Fake, p: &Params, now: i64) -> Result<Value, ApiError> {
    let ex = fake.ex();
    match p.get("symbol") {
        Some(sym) => ex.symbols.get(sym).map(|s| render::book_ticker(s, now)).ok_or_else(ApiError::invalid_symbol),
        None => Ok(Value::Array(ex.symbols.values().map(|s| render::book_ticker(s, now)).collect())),
    }
}

pub fn depth(fake: &Fake, p: &Params, now: i64) -> Result<Value, ApiError> {
    let sym = p.required("symbol")?;
    let limit = p.int("limit")?.unwrap_or(500);
    if ![5, 10, 20, 50, 100, 500, 1000].contains(&limit) {
        return Err(ApiError::new(-1130, "Invalid data sent for a parameter."));
    }
    let ex = fake.ex();
    let s = ex.symbols.get(sym).ok_or_else(ApiError::invalid_symbol)?;
    Ok(render::depth(s, limit as usize, now))
}

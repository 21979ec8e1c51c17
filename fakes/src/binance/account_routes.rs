//! Signed handlers: account, balance, positionRisk, leverage, margin type, position mode,
//! commission, orders (new/query/cancel/open), userTrades, income, and the listenKey calls.

use super::core::Fake;
use super::core::count_order;
use super::error::ApiError;
use super::matching::{self, OrderArgs};
use super::params::Params;
use super::render;
use super::state::{Exchange, FakeOrder, HOUR_MS, Side};
use serde_json::{Value, json};
use sha2::Digest;

const DAY_MS: i64 = 24 * HOUR_MS;
const LISTEN_KEY_MS: i64 = 60 * 60_000;

fn success() -> Value {
    json!({"code": 200, "msg": "success"})
}

fn symbol<'a>(ex: &'a Exchange, p: &Params) -> Result<&'a super::state::SymbolState, ApiError> {
    ex.symbols.get(p.required("symbol")?).ok_or_else(ApiError::invalid_symbol)
}

pub fn account(fake: &Fake, _: &Params, now: i64) -> Result<Value, ApiError> {
    Ok(render::account(&fake.ex(), now))
}

pub fn balance(fake: &Fake, _: &Params, now: i64) -> Result<Value, ApiError> {
    Ok(render::balance(&fake.ex(), now))
}

fn position_rows(fake: &Fake, p: &Params, v3: bool) -> Result<Value, ApiError> {
    let ex = fake.ex();
    let wanted = p.get("symbol");
    if wanted.is_some_and(|s| !ex.symbols.contains_key(s)) {
        return Err(ApiError::invalid_symbol());
    }
    let rows = ex
        .symbols
        .values()
        .filter(|s| wanted.is_none_or(|w| w == s.spec.symbol))
        .filter(|s| !v3 || !ex.position(&s.spec.symbol).qty.is_zero())
        .map(|s| render::position_risk(&ex, s, v3))
        .collect();
    Ok(Value::Array(rows))
}

pub fn position_risk_v2(fake: &Fake, p: &Params, _: i64) -> Result<Value, ApiError> {
    position_rows(fake, p, false)
}

pub fn position_risk_v3(fake: &Fake, p: &Params, _: i64) -> Result<Value, ApiError> {
    position_rows(fake, p, true)
}

pub fn leverage(fake: &Fake, p: &Params, _: i64) -> Result<Value, ApiError> {
    let lev = p.int("leverage")?.ok_or_else(|| ApiError::mandatory("leverage"))?;
    if !(1..=125).contains(&lev) {
        return Err(ApiError::new(-4028, format!("Leverage {lev} is not valid")));
    }
    let mut ex = fake.ex();
    let sym = symbol(&ex, p)?.spec.symbol.clone();
    if let Some(s) = ex.symbols.get_mut(&sym) {
        s.leverage = lev as u32;
    }
    Ok(json!({"leverage": lev, "maxNotionalValue": "250000", "symbol": sym}))
}

pub fn margin_type(fake: &Fake, p: &Params, _: i64) -> Result<Value, ApiError> {
    let isolated = match p.required("marginType")? {
        "ISOLATED" => true,
        "CROSSED" => false,
        _ => return Err(ApiError::new(-1130, "Invalid data sent for a parameter.")),
    };
    let mut ex = fake.ex();
    let sym = symbol(&ex, p)?.spec.symbol.clone();
    let has_position = !ex.position(&sym).qty.is_zero();
    let s = ex.symbols.get_mut(&sym).ok_or_else(ApiError::invalid_symbol)?;
    if s.isolated == isolated {
        return Err(ApiError::new(-4046, "No need to change margin type."));
    }
    if has_position {
        return Err(ApiError::new(-4048, "Margin type cannot be changed if there exists position."));
    }
    s.isolated = isolated;
    Ok(success())
}

pub fn set_dual(fake: &Fake, p: &Params, _: i64) -> Result<Value, ApiError> {
    let dual = match p.required("dualSidePosition")? {
        "true" => true,
        "false" => false,
        _ => return Err(ApiError::new(-1130, "Invalid data sent for a parameter.")),
    };
    let mut ex = fake.ex();
    if ex.dual_side == dual {
        return Err(ApiError::new(-4059, "No need to change position side."));
    }
    if ex.orders.values().any(FakeOrder::is_open) {
        return Err(ApiError::new(-4067, "Position side cannot be changed if there exists open orders."));
    }
    if ex.positions.values().any(|p| !p.qty.is_zero()) {
        return Err(ApiError::new(-4068, "Position side cannot be changed if there exists position."));
    }
    ex.dual_side = dual;
    Ok(success())
}

pub fn get_dual(fake: &Fake, _: &Params, _: i64) -> Result<Value, ApiError> {
    Ok(json!({"dualSidePosition": fake.ex().dual_side}))
}

pub fn commission_rate(fake: &Fake, p: &Params, _: i64) -> Result<Value, ApiError> {
    let ex = fake.ex();
    let s = symbol(&ex, p)?;
    Ok(json!({"symbol": s.spec.symbol, "makerCommissionRate": render::plain(ex.maker_fee),
              "takerCommissionRate": render::plain(ex.taker_fee)}))
}

fn valid_client_id(id: &str) -> bool {
    (1..=36).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || ".:/_-".contains(c))
}

fn order_args(p: &Params, dual_side: bool, order_id_hint: i64) -> Result<(OrderArgs, bool), ApiError> {
    let symbol = p.required("symbol")?.to_owned();
    let side = match p.required("side")? {
        "BUY" => Side::Buy,
        "SELL" => Side::Sell,
        _ => return Err(ApiError::new(-1117, "Invalid side.")),
    };
    let order_type = match p.required("type")? {
        "LIMIT" => "LIMIT",
        "MARKET" => "MARKET",
        "STOP" | "STOP_MARKET" | "TAKE_PROFIT" | "TAKE_PROFIT_MARKET" | "TRAILING_STOP_MARKET" => {
            return Err(ApiError::new(
                -4120,
                "Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.",
            ));
        }
        _ => return Err(ApiError::new(-1116, "Invalid orderType.")),
    };
    let position_side = p.get("positionSide").unwrap_or("BOTH");
    if (position_side == "BOTH") == dual_side {
        return Err(ApiError::new(-4061, "Order's position side does not match user's setting."));
    }
    let qty = p.decimal("quantity")?.ok_or_else(|| ApiError::mandatory("quantity"))?;
    let (price, time_in_force) = if order_type == "LIMIT" {
        let price = p.decimal("price")?.ok_or_else(|| ApiError::mandatory("price"))?;
        let tif = match p.required("timeInForce")? {
            "GTC" => "GTC",
            "IOC" => "IOC",
            "GTX" => "GTX",
            _ => return Err(ApiError::new(-1115, "Invalid timeInForce.")),
        };
        (Some(price), tif)
    } else {
        if p.get("price").is_some() {
            return Err(ApiError::new(-1106, "Parameter 'price' sent when not required."));
        }
        (None, "GTC")
    };
    let reduce_only = match p.get("reduceOnly") {
        None | Some("false") => false,
        Some("true") if !dual_side => true,
        Some("true") => return Err(ApiError::new(-1106, "Parameter 'reduceOnly' sent when not required.")),
        Some(_) => return Err(ApiError::new(-1130, "Invalid data sent for a parameter.")),
    };
    let client_order_id =
        p.get("newClientOrderId").map(str::to_owned).unwrap_or_else(|| format!("autogen{order_id_hint}"));
    if !valid_client_id(&client_order_id) {
        return Err(ApiError::new(-4015, "Client order id is not valid."));
    }
    let ack = p.get("newOrderRespType").unwrap_or("ACK") == "ACK";
    Ok((OrderArgs { symbol, side, order_type, time_in_force, qty, price, reduce_only, client_order_id }, ack))
}

pub fn new_order(fake: &Fake, p: &Params, now: i64) -> Result<Value, ApiError> {
    if let Some(id) = p.get("newClientOrderId") {
        *fake.counters().submissions.entry(id.to_owned()).or_default() += 1;
    }
    let (placed, ack) = {
        let mut ex = fake.ex();
        let (args, ack) = order_args(p, ex.dual_side, ex.next_id + 1)?;
        (matching::place(&mut ex, args, now)?, ack)
    };
    count_order(fake, now);
    fake.emit_order_events(placed.events);
    Ok(render::order(if ack { &placed.accepted } else { &placed.result }))
}

fn find_order(ex: &Exchange, p: &Params) -> Result<Option<i64>, ApiError> {
    let sym = symbol(ex, p)?.spec.symbol.clone();
    if let Some(id) = p.int("orderId")? {
        return Ok(ex.orders.get(&id).filter(|o| o.symbol == sym).map(|o| o.order_id));
    }
    match p.get("origClientOrderId") {
        Some(cid) => Ok(ex.by_client_id.get(&(sym, cid.to_owned())).copied()),
        None => {
            Err(ApiError::new(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"))
        }
    }
}

pub fn query_order(fake: &Fake, p: &Params, _: i64) -> Result<Value, ApiError> {
    let ex = fake.ex();
    let id = find_order(&ex, p)?.ok_or_else(|| ApiError::new(-2013, "Order does not exist."))?;
    ex.orders.get(&id).map(render::order).ok_or_else(|| ApiError::new(-2013, "Order does not exist."))
}

pub fn cancel_order(fake: &Fake, p: &Params, now: i64) -> Result<Value, ApiError> {
    let (order, events) = {
        let mut ex = fake.ex();
        let id = find_order(&ex, p)?.ok_or_else(|| ApiError::new(-2011, "Unknown order sent."))?;
        matching::cancel(&mut ex, id, now)?
    };
    fake.emit_order_events(events);
    Ok(render::order(&order))
}

pub fn open_orders(fake: &Fake, p: &Params, _: i64) -> Result<Value, ApiError> {
    let ex = fake.ex();
    let wanted = p.get("symbol");
    if wanted.is_some_and(|s| !ex.symbols.contains_key(s)) {
        return Err(ApiError::invalid_symbol());
    }
    let rows = ex.orders.values().filter(|o| o.is_open() && wanted.is_none_or(|w| w == o.symbol)).map(render::order);
    Ok(Value::Array(rows.collect()))
}

/// The window: `startTime`/`endTime` (at most 7 days apart), or the last 7 days.
fn window(p: &Params, now: i64, max_span: Option<i64>) -> Result<(i64, i64), ApiError> {
    let (start, end) = (p.int("startTime")?, p.int("endTime")?);
    let (start, end) = match (start, end) {
        (Some(s), Some(e)) => (s, e),
        (Some(s), None) => (s, max_span.map_or(i64::MAX, |m| s.saturating_add(m))),
        (None, Some(e)) => (e.saturating_sub(7 * DAY_MS), e),
        (None, None) => (now - 7 * DAY_MS, i64::MAX),
    };
    if max_span.is_some_and(|m| end != i64::MAX && end - start > m) {
        return Err(ApiError::new(-1127, "More than 7 days between startTime and endTime."));
    }
    Ok((start, end))
}

pub fn user_trades(fake: &Fake, p: &Params, now: i64) -> Result<Value, ApiError> {
    let ex = fake.ex();
    let sym = symbol(&ex, p)?.spec.symbol.clone();
    let (start, end) = window(p, now, Some(7 * DAY_MS))?;
    let order_id = p.int("orderId")?;
    let from_id = p.int("fromId")?;
    let limit = p.int("limit")?.unwrap_or(500).clamp(1, 1000) as usize;
    let rows = ex
        .trades
        .iter()
        .filter(|t| t.symbol == sym && order_id.is_none_or(|o| t.order_id == o))
        .filter(|t| match from_id {
            Some(f) => t.id >= f,
            None => t.time >= start && t.time <= end,
        })
        .take(limit)
        .map(render::trade);
    Ok(Value::Array(rows.collect()))
}

pub fn income(fake: &Fake, p: &Params, now: i64) -> Result<Value, ApiError> {
    let ex = fake.ex();
    let (start, end) = window(p, now, None)?;
    let (kind, sym) = (p.get("incomeType"), p.get("symbol"));
    let limit = p.int("limit")?.unwrap_or(100).clamp(1, 1000) as usize;
    let page = p.int("page")?.unwrap_or(1).max(1) as usize;
    let rows = ex
        .income
        .iter()
        .filter(|r| kind.is_none_or(|k| k == r.income_type) && sym.is_none_or(|s| s == r.symbol))
        .filter(|r| r.time >= start && r.time <= end)
        .skip((page - 1) * limit)
        .take(limit)
        .map(render::income);
    Ok(Value::Array(rows.collect()))
}

pub fn listen_key_create(fake: &Fake, _: &Params, now: i64) -> Result<Value, ApiError> {
    let mut ex = fake.ex();
    let key = match ex.listen_key.take() {
        Some((k, exp)) if exp > now => k,
        _ => {
            let n = ex.next_id();
            hex::encode(sha2::Sha256::digest(format!("listen-key-{n}-{now}")))
        }
    };
    ex.listen_key = Some((key.clone(), now + LISTEN_KEY_MS));
    Ok(json!({ "listenKey": key }))
}

pub fn listen_key_keepalive(fake: &Fake, _: &Params, now: i64) -> Result<Value, ApiError> {
    let mut ex = fake.ex();
    match ex.listen_key.as_mut() {
        Some((k, exp)) if *exp > now => {
            *exp = now + LISTEN_KEY_MS;
            Ok(json!({ "listenKey": k.clone() }))
        }
        _ => Err(ApiError::new(-1125, "This listenKey does not exist.")),
    }
}

pub fn listen_key_delete(fake: &Fake, _: &Params, _: i64) -> Result<Value, ApiError> {
    fake.ex().listen_key = None;
    Ok(json!({}))
}

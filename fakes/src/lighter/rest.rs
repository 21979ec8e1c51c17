//! The fake's REST API under `/api/v1`, with the venue's envelope and error codes. A gate in
//! front of every route applies the rate limit and the injected 429/503 faults. Auth routes
//! take the token from the `authorization` header or the `auth` query parameter.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::{Form, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::FakeInner;
use super::auth::authorize;
use super::codes::{self, ApiError};
use super::json as render;
use super::tx;

type Params = Query<HashMap<String, String>>;
type Fake = State<Arc<FakeInner>>;

pub fn router(fake: Arc<FakeInner>) -> Router {
    Router::new()
        .route("/api/v1/orderBookDetails", get(order_book_details))
        .route("/api/v1/orderBookOrders", get(order_book_orders))
        .route("/api/v1/fundings", get(fundings))
        .route("/api/v1/account", get(account))
        .route("/api/v1/apikeys", get(apikeys))
        .route("/api/v1/nextNonce", get(next_nonce))
        .route("/api/v1/accountActiveOrders", get(active_orders))
        .route("/api/v1/accountInactiveOrders", get(inactive_orders))
        .route("/api/v1/trades", get(trades))
        .route("/api/v1/positionFunding", get(position_funding))
        .route("/api/v1/tx", get(tx_status))
        .route("/api/v1/sendTx", post(send_tx))
        .route("/api/v1/sendTxBatch", post(send_tx_batch))
        .layer(middleware::from_fn_with_state(Arc::clone(&fake), gate))
        .route("/stream", get(super::ws::upgrade))
        .with_state(fake)
}

async fn gate(State(fake): Fake, req: Request, next: Next) -> Response {
    fake.requests.fetch_add(1, Ordering::SeqCst);
    {
        let mut f = fake.faults();
        if f.rate_limit_next > 0 {
            f.rate_limit_next -= 1;
            return ApiError::rate_limited().into_response();
        }
        if f.unavailable_next > 0 {
            f.unavailable_next -= 1;
            return (StatusCode::SERVICE_UNAVAILABLE, "upstream unavailable").into_response();
        }
    }
    if fake.over_rate_limit() {
        return ApiError::rate_limited().into_response();
    }
    next.run(req).await
}

fn ok(mut body: Value) -> Response {
    if let Value::Object(m) = &mut body {
        m.insert("code".into(), json!(200));
    }
    Json(body).into_response()
}

fn param<T: FromStr>(q: &HashMap<String, String>, name: &str) -> Result<T, ApiError> {
    let v = q.get(name).ok_or_else(|| ApiError::new(codes::INVALID_PARAM, format!("missing {name}")))?;
    v.parse().map_err(|_| ApiError::new(codes::INVALID_PARAM, format!("invalid {name}")))
}

fn opt<T: FromStr>(q: &HashMap<String, String>, name: &str) -> Result<Option<T>, ApiError> {
    q.get(name)
        .map(|v| v.parse().map_err(|_| ApiError::new(codes::INVALID_PARAM, format!("invalid {name}"))))
        .transpose()
}

fn token<'a>(headers: &'a HeaderMap, q: &'a HashMap<String, String>) -> Option<&'a str> {
    headers.get("authorization").and_then(|v| v.to_str().ok()).or(q.get("auth").map(String::as_str))
}

/// Offset-based paging: `cursor` is the index of the first row.
fn page<T: Clone>(rows: &[T], q: &HashMap<String, String>) -> Result<(Vec<T>, Option<String>), ApiError> {
    let limit: usize = opt(q, "limit")?.unwrap_or(100).clamp(1, 100);
    let start: usize = opt(q, "cursor")?.unwrap_or(0);
    let slice: Vec<T> = rows.iter().skip(start).take(limit).cloned().collect();
    let next = (start + limit < rows.len()).then(|| (start + limit).to_string());
    Ok((slice, next))
}

async fn order_book_details(State(fake): Fake, Query(q): Params) -> Result<Response, ApiError> {
    let market: Option<i16> = opt(&q, "market_id")?;
    let ex = fake.lock();
    let details: Vec<Value> =
        ex.markets.values().filter(|m| market.is_none_or(|id| id == m.market_id)).map(render::detail).collect();
    Ok(ok(json!({"order_book_details": details, "spot_order_book_details": []})))
}

async fn order_book_orders(State(fake): Fake, Query(q): Params) -> Result<Response, ApiError> {
    let market: i16 = param(&q, "market_id")?;
    let limit: usize = opt(&q, "limit")?.unwrap_or(50).min(250);
    let ex = fake.lock();
    let mk = ex.markets.get(&market).ok_or_else(|| ApiError::new(codes::MARKET_NOT_FOUND, "market not found"))?;
    let side = |is_ask: bool| -> Vec<Value> {
        let Some(book) = ex.books.get(&market) else { return Vec::new() };
        let levels = if is_ask { &book.asks } else { &book.bids };
        let ordered: Box<dyn Iterator<Item = _>> =
            if is_ask { Box::new(levels.iter()) } else { Box::new(levels.iter().rev()) };
        ordered
            .flat_map(|(_, ids)| ids.iter())
            .filter_map(|id| ex.orders.get(id))
            .take(limit)
            .map(|o| {
                json!({"order_index": o.order_index, "order_id": o.order_index.to_string(),
                "owner_account_index": o.account, "initial_base_amount": mk.size(o.initial).to_string(),
                "remaining_base_amount": mk.size(o.remaining).to_string(), "price": mk.price(o.price).to_string(),
                "order_expiry": o.expiry, "transaction_time": o.created_ms * 1000})
            })
            .collect()
    };
    let (asks, bids) = (side(true), side(false));
    Ok(ok(json!({"total_asks": asks.len(), "asks": asks, "total_bids": bids.len(), "bids": bids})))
}

async fn fundings(State(fake): Fake, Query(q): Params) -> Result<Response, ApiError> {
    let market: i16 = param(&q, "market_id")?;
    let start: i64 = opt(&q, "start_timestamp")?.unwrap_or(0);
    let end: i64 = opt(&q, "end_timestamp")?.unwrap_or(i64::MAX);
    let resolution: String = opt(&q, "resolution")?.unwrap_or_else(|| "1h".into());
    let ex = fake.lock();
    let rows: Vec<Value> = ex
        .fundings
        .get(&market)
        .into_iter()
        .flatten()
        .filter(|r| r.timestamp_s * 1000 >= start && r.timestamp_s * 1000 <= end)
        .map(|r| {
            json!({"timestamp": r.timestamp_s, "value": r.value.to_string(), "rate": r.rate.to_string(),
            "direction": if r.longs_paid { "long" } else { "short" }})
        })
        .collect();
    Ok(ok(json!({"resolution": resolution, "fundings": rows})))
}

async fn account(State(fake): Fake, Query(q): Params) -> Result<Response, ApiError> {
    let by: String = param(&q, "by")?;
    if by != "index" {
        return Err(ApiError::new(codes::INVALID_PARAM, "the fake looks accounts up by index only"));
    }
    let index: i64 = param(&q, "value")?;
    let ex = fake.lock();
    let acct =
        render::account(&ex, index).ok_or_else(|| ApiError::new(codes::ACCOUNT_NOT_FOUND, "account not found"))?;
    Ok(ok(json!({"total": 1, "accounts": [acct]})))
}

async fn apikeys(State(fake): Fake, Query(q): Params) -> Result<Response, ApiError> {
    let account: i64 = param(&q, "account_index")?;
    let key: u8 = opt(&q, "api_key_index")?.unwrap_or(255);
    let ex = fake.lock();
    let acct = ex.accounts.get(&account).ok_or_else(|| ApiError::new(codes::ACCOUNT_NOT_FOUND, "account not found"))?;
    let keys: Vec<Value> = acct
        .keys
        .iter()
        .filter(|(k, _)| key == 255 || **k == key)
        .map(|(k, pk)| {
            json!({"account_index": account, "api_key_index": k,
            "nonce": acct.next_nonce.get(k).copied().unwrap_or(0), "public_key": hex::encode(pk)})
        })
        .collect();
    Ok(ok(json!({"api_keys": keys})))
}

async fn next_nonce(State(fake): Fake, Query(q): Params) -> Result<Response, ApiError> {
    let account: i64 = param(&q, "account_index")?;
    let key: u8 = param(&q, "api_key_index")?;
    let ex = fake.lock();
    let acct = ex.accounts.get(&account).ok_or_else(|| ApiError::new(codes::ACCOUNT_NOT_FOUND, "account not found"))?;
    let nonce = acct
        .next_nonce
        .get(&key)
        .copied()
        .ok_or_else(|| ApiError::new(codes::API_KEY_NOT_FOUND, "api key not found"))?;
    Ok(ok(json!({"nonce": nonce})))
}

fn orders_json(fake: &FakeInner, account: i64, market: Option<i16>, open: bool) -> Vec<Value> {
    let ex = fake.lock();
    let mut orders: Vec<_> = ex
        .orders
        .values()
        .filter(|o| o.account == account && o.is_open() == open && market.is_none_or(|m| m == o.market))
        .collect();
    // Active: oldest first; inactive: newest first, as history pages are.
    orders.sort_by_key(|o| if open { o.order_index } else { -o.order_index });
    orders.iter().filter_map(|o| Some(render::order(o, ex.markets.get(&o.market)?))).collect()
}

async fn active_orders(State(fake): Fake, headers: HeaderMap, Query(q): Params) -> Result<Response, ApiError> {
    let account: i64 = param(&q, "account_index")?;
    let market: i16 = param(&q, "market_id")?;
    authorize(&fake, token(&headers, &q), account)?;
    Ok(ok(json!({"orders": orders_json(&fake, account, Some(market), true)})))
}

async fn inactive_orders(State(fake): Fake, headers: HeaderMap, Query(q): Params) -> Result<Response, ApiError> {
    let account: i64 = param(&q, "account_index")?;
    let market: Option<i16> = opt::<i16>(&q, "market_id")?.filter(|m| *m != 255);
    authorize(&fake, token(&headers, &q), account)?;
    let all = orders_json(&fake, account, market, false);
    let (orders, next) = page(&all, &q)?;
    Ok(ok(json!({"orders": orders, "next_cursor": next})))
}

async fn trades(State(fake): Fake, headers: HeaderMap, Query(q): Params) -> Result<Response, ApiError> {
    let account: i64 = param(&q, "account_index")?;
    authorize(&fake, token(&headers, &q), account)?;
    let market: Option<i16> = opt::<i16>(&q, "market_id")?.filter(|m| *m != 255);
    let asc = q.get("sort_dir").is_some_and(|d| d == "asc");
    let rows: Vec<Value> = {
        let ex = fake.lock();
        let mut rows: Vec<_> = ex
            .trades
            .iter()
            .filter(|t| (t.ask_account == account || t.bid_account == account) && market.is_none_or(|m| m == t.market))
            .collect();
        rows.sort_by_key(|t| (t.timestamp_ms, t.trade_id));
        if !asc {
            rows.reverse();
        }
        rows.iter().filter_map(|t| Some(render::trade(t, ex.markets.get(&t.market)?))).collect()
    };
    let (trades, next) = page(&rows, &q)?;
    Ok(ok(json!({"trades": trades, "next_cursor": next})))
}

async fn position_funding(State(fake): Fake, headers: HeaderMap, Query(q): Params) -> Result<Response, ApiError> {
    let account: i64 = param(&q, "account_index")?;
    let _: u32 = param(&q, "limit")?;
    authorize(&fake, token(&headers, &q), account)?;
    let market: Option<i16> = opt::<i16>(&q, "market_id")?.filter(|m| *m != 255);
    let side: String = opt(&q, "side")?.unwrap_or_else(|| "all".into());
    let rows: Vec<Value> = {
        let ex = fake.lock();
        let mut rows: Vec<_> = ex
            .position_fundings
            .iter()
            .filter(|r| r.account == account && market.is_none_or(|m| m == r.market))
            .filter(|r| side == "all" || (side == "long") == r.long)
            .collect();
        rows.sort_by_key(|r| std::cmp::Reverse((r.timestamp_s, r.funding_id)));
        rows.into_iter().map(render::position_funding).collect()
    };
    let (rows, next) = page(&rows, &q)?;
    Ok(ok(json!({"position_fundings": rows, "next_cursor": next})))
}

async fn tx_status(State(fake): Fake, Query(q): Params) -> Result<Response, ApiError> {
    let hash: String = param(&q, "value")?;
    let ex = fake.lock();
    let t = ex.txs.get(&hash).ok_or_else(|| ApiError::new(codes::TX_NOT_FOUND, "transaction not found"))?;
    Ok(ok(json!({"hash": hash, "type": t.tx_type, "status": t.status, "account_index": t.account, "nonce": t.nonce})))
}

/// A 502 with a proxy's HTML body: what a client sees when the tx went through but the answer did not.
fn lost_answer() -> Response {
    (StatusCode::BAD_GATEWAY, "<html><body>502 Bad Gateway</body></html>").into_response()
}

async fn send_tx(State(fake): Fake, Form(form): Form<HashMap<String, String>>) -> Result<Response, ApiError> {
    let tx_type: u8 = param(&form, "tx_type")?;
    let tx_info: String = param(&form, "tx_info")?;
    let accepted = tx::submit(&fake, tx_type, &tx_info).inspect_err(|e| fake.count_rejection(e.code))?;
    {
        let mut f = fake.faults();
        if f.error_after_accept > 0 {
            f.error_after_accept -= 1;
            return Ok(lost_answer());
        }
    }
    Ok(ok(json!({"message": "{\"ratelimit\": \"didn't use volume quota\"}", "tx_hash": accepted.tx_hash,
        "predicted_execution_time_ms": accepted.predicted_ms})))
}

async fn send_tx_batch(State(fake): Fake, Form(form): Form<HashMap<String, String>>) -> Result<Response, ApiError> {
    let types: String = param(&form, "tx_types")?;
    let infos: String = param(&form, "tx_infos")?;
    let bad = || ApiError::new(codes::INVALID_TX, "tx_types and tx_infos must be JSON arrays of equal length");
    let types: Vec<u8> = serde_json::from_str(&types).map_err(|_| bad())?;
    let infos: Vec<String> = serde_json::from_str(&infos).map_err(|_| bad())?;
    if types.len() != infos.len() || types.is_empty() || types.len() > 50 {
        return Err(bad());
    }
    let mut hashes = Vec::new();
    let mut predicted = 0;
    for (t, info) in types.iter().zip(&infos) {
        let a = tx::submit(&fake, *t, info).inspect_err(|e| fake.count_rejection(e.code))?;
        predicted = predicted.max(a.predicted_ms);
        hashes.push(a.tx_hash);
    }
    Ok(ok(json!({"message": "", "tx_hash": hashes, "predicted_execution_time_ms": predicted})))
}

//! The REST endpoint table: path, method, security, weight (§1.5) and handler. One table keeps
//! the fake's weights and security next to each other, where a reviewer can check them.

use super::core::Fake;
use super::error::ApiError;
use super::params::Params;
use super::{account_routes as acct, market_routes as mkt};
use axum::http::Method;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    Public,
    ApiKey,
    Signed,
}

pub type Handler = fn(&Fake, &Params, i64) -> Result<Value, ApiError>;

pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    pub security: Security,
    pub weight: fn(&Params) -> u32,
    /// Counts against the ORDERS limits and gets the order-count headers.
    pub order: bool,
    pub handler: Handler,
}

const fn ep(
    method: Method,
    path: &'static str,
    security: Security,
    weight: fn(&Params) -> u32,
    handler: Handler,
) -> Endpoint {
    Endpoint { method, path, security, weight, order: false, handler }
}

const fn order_ep(method: Method, path: &'static str, handler: Handler) -> Endpoint {
    Endpoint { method, path, security: Security::Signed, weight: w0, order: true, handler }
}

fn w1(_: &Params) -> u32 {
    1
}
fn w5(_: &Params) -> u32 {
    5
}
fn w20(_: &Params) -> u32 {
    20
}
fn w30(_: &Params) -> u32 {
    30
}
fn w_symbol_1_10(p: &Params) -> u32 {
    if p.get("symbol").is_some() { 1 } else { 10 }
}
fn w_symbol_2_5(p: &Params) -> u32 {
    if p.get("symbol").is_some() { 2 } else { 5 }
}
fn w_symbol_1_40(p: &Params) -> u32 {
    if p.get("symbol").is_some() { 1 } else { 40 }
}
fn w_depth(p: &Params) -> u32 {
    match p.get("limit").and_then(|l| l.parse::<u32>().ok()).unwrap_or(500) {
        0..=50 => 2,
        51..=100 => 5,
        101..=500 => 10,
        _ => 20,
    }
}
fn w0(_: &Params) -> u32 {
    0
}

use Security::{ApiKey, Public, Signed};

static ENDPOINTS: [Endpoint; 28] = [
    ep(Method::GET, "/fapi/v1/ping", Public, w1, mkt::ping),
    ep(Method::GET, "/fapi/v1/time", Public, w1, mkt::time),
    ep(Method::GET, "/fapi/v1/exchangeInfo", Public, w1, mkt::exchange_info),
    ep(Method::GET, "/fapi/v1/premiumIndex", Public, w_symbol_1_10, mkt::premium_index),
    ep(Method::GET, "/fapi/v1/fundingRate", Public, w1, mkt::funding_rate),
    ep(Method::GET, "/fapi/v1/fundingInfo", Public, w1, mkt::funding_info),
    ep(Method::GET, "/fapi/v1/ticker/bookTicker", Public, w_symbol_2_5, mkt::book_ticker),
    ep(Method::GET, "/fapi/v1/depth", Public, w_depth, mkt::depth),
    ep(Method::GET, "/fapi/v3/account", Signed, w5, acct::account),
    ep(Method::GET, "/fapi/v2/account", Signed, w5, acct::account),
    ep(Method::GET, "/fapi/v3/balance", Signed, w5, acct::balance),
    ep(Method::GET, "/fapi/v2/balance", Signed, w5, acct::balance),
    ep(Method::GET, "/fapi/v2/positionRisk", Signed, w5, acct::position_risk_v2),
    ep(Method::GET, "/fapi/v3/positionRisk", Signed, w5, acct::position_risk_v3),
    ep(Method::POST, "/fapi/v1/leverage", Signed, w1, acct::leverage),
    ep(Method::POST, "/fapi/v1/marginType", Signed, w1, acct::margin_type),
    ep(Method::POST, "/fapi/v1/positionSide/dual", Signed, w1, acct::set_dual),
    ep(Method::GET, "/fapi/v1/positionSide/dual", Signed, w30, acct::get_dual),
    ep(Method::GET, "/fapi/v1/commissionRate", Signed, w20, acct::commission_rate),
    order_ep(Method::POST, "/fapi/v1/order", acct::new_order),
    ep(Method::GET, "/fapi/v1/order", Signed, w1, acct::query_order),
    ep(Method::DELETE, "/fapi/v1/order", Signed, w1, acct::cancel_order),
    ep(Method::GET, "/fapi/v1/openOrders", Signed, w_symbol_1_40, acct::open_orders),
    ep(Method::GET, "/fapi/v1/userTrades", Signed, w5, acct::user_trades),
    ep(Method::GET, "/fapi/v1/income", Signed, w30, acct::income),
    ep(Method::POST, "/fapi/v1/listenKey", ApiKey, w1, acct::listen_key_create),
    ep(Method::PUT, "/fapi/v1/listenKey", ApiKey, w1, acct::listen_key_keepalive),
    ep(Method::DELETE, "/fapi/v1/listenKey", ApiKey, w1, acct::listen_key_delete),
];

pub fn find(method: &Method, path: &str) -> Option<&'static Endpoint> {
    ENDPOINTS.iter().find(|e| e.method == method && e.path == path)
}

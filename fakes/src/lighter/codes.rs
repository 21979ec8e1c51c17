//! The error codes and error body the fake answers with, in one place. Only 21104, 21701,
//! 21728 and 23000 are confirmed from public sources; the other numbers are stand-ins in the
//! right family (217xx = order validation) and marked [verify].

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use lighter_signer::tx::TxError;

pub const INVALID_PARAM: i64 = 20001; // [verify]
pub const INVALID_AUTH: i64 = 20013; // [verify]
pub const INVALID_TX: i64 = 21100; // [verify]
pub const ACCOUNT_NOT_FOUND: i64 = 21102; // [verify]
pub const INVALID_NONCE: i64 = 21104;
pub const API_KEY_NOT_FOUND: i64 = 21109; // [verify]
pub const INVALID_SIGNATURE: i64 = 21120; // [verify]
pub const WRONG_CHAIN: i64 = 21121; // [verify]
pub const TX_NOT_FOUND: i64 = 21500; // [verify]
pub const INVALID_BASE_AMOUNT: i64 = 21701;
pub const INVALID_PRICE: i64 = 21702; // [verify]
pub const MARKET_NOT_FOUND: i64 = 21709; // [verify]
pub const TX_EXPIRED: i64 = 21717; // [verify]
pub const MIN_QUOTE: i64 = 21719; // [verify]
pub const DUPLICATE_CLIENT_ORDER_INDEX: i64 = 21728;
pub const REDUCE_ONLY_INCREASES: i64 = 21732;
pub const NOT_ENOUGH_MARGIN: i64 = 21739;
pub const RATE_LIMIT: i64 = 23000;

/// The signer's validation failures as the sequencer's API would report them.
pub fn tx_error_code(e: &TxError) -> i64 {
    match e {
        TxError::Nonce(_) => INVALID_NONCE,
        TxError::ClientOrderIndex(_) => 21700,
        TxError::BaseAmount(_) => INVALID_BASE_AMOUNT,
        TxError::Price => INVALID_PRICE,
        TxError::IsAsk(_) => 21703,
        TxError::OrderType(_) => 21704,
        TxError::TimeInForce(_) => 21705,
        TxError::ReduceOnly(_) => 21706,
        TxError::OrderExpiry(_) => 21707,
        TxError::TriggerPrice(_) => 21708,
        TxError::MarketIndex(_) => MARKET_NOT_FOUND,
        TxError::OrderIndex(_) => 21710,
        TxError::MarginMode(_) => 21711,
        TxError::InitialMarginFraction(_) => 21712,
        TxError::CancelAllTime(_) => 21713,
        TxError::Attribute(_) => 21714,
        TxError::AccountIndex(_) => 21715,
        TxError::ApiKeyIndex(_) => 21716,
        TxError::ExpiredAt(_) => TX_EXPIRED,
    }
}

/// `{"code":…,"message":…}` with an HTTP status: 400 for venue errors, 429 for rate limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: i64,
    pub message: String,
}

impl ApiError {
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, code, message: message.into() }
    }

    pub fn rate_limited() -> Self {
        Self { status: StatusCode::TOO_MANY_REQUESTS, code: RATE_LIMIT, message: "Too Many Requests".into() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(serde_json::json!({"code": self.code, "message": self.message}))).into_response()
    }
}

//! Wire types: serde mirrors of Binance USDⓈ-M payloads, exactly as sent, with a raw sample in
//! each doc comment. No domain logic here; [`super::parse`] turns them into `app` types.
//!
//! Decimals arrive as JSON strings and land in `Decimal`; ids and times are numbers. Unknown
//! fields are ignored everywhere (Binance adds keys without notice).

pub mod account;
pub mod market;
pub mod stream;

pub use account::*;
pub use market::*;
pub use stream::*;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, de::DeserializeOwned};
use std::str::FromStr;

/// Decode a body; the error keeps a short excerpt of what arrived, for the log.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    serde_json::from_slice(bytes).map_err(|e| DecodeError {
        message: e.to_string(),
        excerpt: String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned(),
    })
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} in {excerpt:?}")]
pub struct DecodeError {
    pub message: String,
    pub excerpt: String,
}

/// An error body. <https://developers.binance.com/docs/derivatives/usds-margined-futures/error-code>
///
/// ```json
/// {"code":-1121,"msg":"Invalid symbol."}
/// ```
/// Also the success shape of `marginType` and `positionSide/dual`: `{"code":200,"msg":"success"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CodeMsg {
    pub code: i64,
    #[serde(default)]
    pub msg: String,
}

/// `GET /fapi/v1/time`. <https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Check-Server-Time>
///
/// ```json
/// {"serverTime":1499827319559}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ServerTime {
    #[serde(rename = "serverTime")]
    pub server_time: i64,
}

/// `POST /fapi/v1/listenKey`. <https://developers.binance.com/docs/derivatives/usds-margined-futures/user-data-streams/Start-User-Data-Stream>
///
/// ```json
/// {"listenKey":"pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1"}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ListenKey {
    #[serde(rename = "listenKey")]
    pub listen_key: String,
}

/// A decimal sent as a string that may be empty (`"lastFundingRate":""` on delivery contracts,
/// `"markPrice":""` on old funding rows) or absent.
pub(crate) fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::String(s) if s.is_empty() => Ok(None),
        serde_json::Value::String(s) => Decimal::from_str(&s).map(Some).map_err(serde::de::Error::custom),
        serde_json::Value::Number(n) => Decimal::from_str(&n.to_string()).map(Some).map_err(serde::de::Error::custom),
        other => Err(serde::de::Error::custom(format!("expected a decimal string, got {other}"))),
    }
}

/// An integer that Binance sends as a string in some payloads (`"leverage":"10"`) and as a
/// number in others.
pub(crate) fn int_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => s.parse().map_err(serde::de::Error::custom),
        serde_json::Value::Number(n) => n.as_i64().ok_or_else(|| serde::de::Error::custom("integer out of range")),
        other => Err(serde::de::Error::custom(format!("expected an integer, got {other}"))),
    }
}

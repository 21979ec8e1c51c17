//! Connector errors and their classification (§1.7) into the venue-neutral
//! [`VenueError`](crate::venue::VenueError) kinds that tell the caller how to react.

use crate::venue::VenueError;
use app::{TimestampMs, Venue};

/// Binance error codes the connector acts on.
pub mod code {
    pub const UNKNOWN: i64 = -1000;
    pub const UNAUTHORIZED: i64 = -1002;
    pub const TOO_MANY_REQUESTS: i64 = -1003;
    pub const UNEXPECTED_RESPONSE: i64 = -1006;
    pub const TIMEOUT: i64 = -1007;
    pub const SERVER_BUSY: i64 = -1008;
    pub const TOO_MANY_ORDERS: i64 = -1015;
    pub const INVALID_TIMESTAMP: i64 = -1021;
    pub const INVALID_SIGNATURE: i64 = -1022;
    pub const INVALID_LISTEN_KEY: i64 = -1125;
    pub const CANCEL_REJECTED: i64 = -2011;
    pub const NO_SUCH_ORDER: i64 = -2013;
    pub const BAD_API_KEY_FORMAT: i64 = -2014;
    pub const REJECTED_MBX_KEY: i64 = -2015;
    pub const NO_NEED_TO_CHANGE_MARGIN_TYPE: i64 = -4046;
    pub const NO_NEED_TO_CHANGE_POSITION_SIDE: i64 = -4059;
    pub const DUPLICATED_CLIENT_ORDER_ID: i64 = -4116;
}

/// How the caller must react, before it is phrased as a [`VenueError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Retryable,
    Rejected,
    OutcomeUnknown,
    Fatal,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BinanceError {
    /// Refused locally (ban, weight budget or order-rate budget): nothing was sent.
    #[error("not sent: {reason} (until {until_ms})")]
    Throttled { until_ms: TimestampMs, reason: String },
    /// The request never reached Binance (DNS, connect, TLS).
    #[error("could not connect: {0}")]
    Connect(String),
    /// The request may have been delivered but no answer came (timeout, reset mid-way).
    #[error("no response: {0}")]
    NoResponse(String),
    /// Binance answered with `{"code":…,"msg":…}` (or 429/418 without a body).
    #[error("HTTP {status} code {code}: {msg}")]
    Api { status: u16, code: i64, msg: String },
    /// 5xx: Binance may or may not have acted.
    #[error("HTTP {status}: {body}")]
    Server { status: u16, body: String },
    /// A 2xx whose body did not decode or made no sense.
    #[error("unexpected response: {0}")]
    Decode(String),
    /// A trading or account call on a connector without keys.
    #[error("no API key configured: Binance runs read-only")]
    ReadOnly,
    /// Configuration that cannot work (bad URL, unsupported symbol).
    #[error("configuration: {0}")]
    Config(String),
}

impl BinanceError {
    pub fn api_code(&self) -> Option<i64> {
        match self {
            BinanceError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// `mutation`: the request changes state (POST/PUT/DELETE), so an unanswered or failed
    /// delivery means the change may have happened.
    pub fn kind(&self, mutation: bool) -> ErrorKind {
        let unknown_if_mutation = if mutation { ErrorKind::OutcomeUnknown } else { ErrorKind::Retryable };
        match self {
            BinanceError::Throttled { .. } | BinanceError::Connect(_) => ErrorKind::Retryable,
            BinanceError::NoResponse(_) | BinanceError::Server { .. } | BinanceError::Decode(_) => unknown_if_mutation,
            BinanceError::ReadOnly | BinanceError::Config(_) => ErrorKind::Fatal,
            BinanceError::Api { status, code, .. } => match *code {
                code::UNEXPECTED_RESPONSE | code::TIMEOUT | code::UNKNOWN => unknown_if_mutation,
                code::TOO_MANY_REQUESTS | code::SERVER_BUSY | code::TOO_MANY_ORDERS | code::INVALID_TIMESTAMP => {
                    ErrorKind::Retryable
                }
                code::INVALID_SIGNATURE | code::BAD_API_KEY_FORMAT | code::REJECTED_MBX_KEY | code::UNAUTHORIZED => {
                    ErrorKind::Fatal
                }
                _ if *status == 429 || *status == 418 || *status == 403 => ErrorKind::Retryable,
                _ if *status >= 500 => unknown_if_mutation,
                _ => ErrorKind::Rejected,
            },
        }
    }

    pub fn into_venue(self, mutation: bool) -> VenueError {
        let venue = Venue::Binance;
        let kind = self.kind(mutation);
        match kind {
            ErrorKind::Retryable => VenueError::Connectivity { venue, message: self.to_string() },
            ErrorKind::OutcomeUnknown => VenueError::OutcomeUnknown { venue, message: self.to_string() },
            ErrorKind::Fatal => VenueError::Fatal { venue, message: self.to_string() },
            ErrorKind::Rejected => {
                let code = self.api_code().map(|c| c.to_string()).unwrap_or_else(|| "rejected".into());
                let message = match self {
                    BinanceError::Api { msg, .. } => msg,
                    other => other.to_string(),
                };
                VenueError::Rejected { venue, code, message }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: i64) -> BinanceError {
        BinanceError::Api { status, code, msg: String::new() }
    }

    #[test]
    fn classification_follows_the_reference_table() {
        assert_eq!(api(400, -1021).kind(true), ErrorKind::Retryable);
        assert_eq!(api(400, -1022).kind(false), ErrorKind::Fatal);
        assert_eq!(api(401, -2015).kind(false), ErrorKind::Fatal);
        assert_eq!(api(401, -2014).kind(true), ErrorKind::Fatal);
        assert_eq!(api(400, -1007).kind(true), ErrorKind::OutcomeUnknown);
        assert_eq!(api(400, -1006).kind(false), ErrorKind::Retryable);
        assert_eq!(api(400, -2019).kind(true), ErrorKind::Rejected);
        assert_eq!(api(429, -1003).kind(true), ErrorKind::Retryable);
        let server = BinanceError::Server { status: 503, body: String::new() };
        assert_eq!(server.kind(true), ErrorKind::OutcomeUnknown);
        assert_eq!(server.kind(false), ErrorKind::Retryable);
        assert_eq!(BinanceError::NoResponse("timeout".into()).kind(true), ErrorKind::OutcomeUnknown);
        assert_eq!(BinanceError::Connect("refused".into()).kind(true), ErrorKind::Retryable);
        assert!(matches!(BinanceError::ReadOnly.into_venue(true), VenueError::Fatal { .. }));
        assert!(matches!(api(400, -4164).into_venue(true), VenueError::Rejected { code, .. } if code == "-4164"));
    }
}

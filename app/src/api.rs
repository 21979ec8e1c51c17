//! The REST contract: request parameters and response bodies under `/api/v1`, shared by the
//! server (which produces them) and the SPA (which reads them).

use crate::TimestampMs;
use crate::funding::{FundingRate, Spread};
use crate::ids::{Symbol, Venue, VenueMode};
use crate::market::FundingSnapshot;
use crate::money::Price;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The one error shape of the API: `{"error": {"code": "...", "message": "...", "field": ...}}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Machine-readable: "bad_request", "not_found", "internal", ...
    pub code: String,
    pub message: String,
    /// The request field or parameter at fault, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every invalid field, when a form was checked as a whole.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<crate::params::FieldError>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueStatus {
    pub venue: Venue,
    pub mode: VenueMode,
    /// The venue's market data is fresh: its stream is up and an update arrived recently. The
    /// one verdict the risk gate also reads (`crate::market::Freshness`).
    pub connected: bool,
    /// Why the data is not fresh, word for word as the risk gate refuses an open.
    #[serde(default)]
    pub stale_reason: Option<String>,
    /// The venue's time on the last market update received.
    pub last_update_ms: Option<TimestampMs>,
    /// Real milliseconds since that update was received.
    pub data_age_ms: Option<i64>,
    pub symbols: usize,
    /// Round trip of the last cheap REST call to the venue, in real milliseconds; none until
    /// the first probe answered (or while the venue does not answer).
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// When that probe ran (wall clock).
    #[serde(default)]
    pub probed_ms: Option<TimestampMs>,
    /// The last probe's error, when it failed.
    #[serde(default)]
    pub last_error: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub version: String,
    pub started_ms: TimestampMs,
    pub uptime_s: i64,
    pub now_ms: TimestampMs,
    pub venues: Vec<VenueStatus>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SymbolInfo {
    pub symbol: Symbol,
    /// Venues that list it.
    pub venues: Vec<Venue>,
}

/// One venue's side of a funding-board row.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueFunding {
    pub venue: Venue,
    /// The rate for the upcoming settlement, per interval, with its interval.
    pub rate: FundingRate,
    pub per_hour: Decimal,
    pub apr: Decimal,
    pub last_settled: Option<FundingRate>,
    pub next_funding_ms: TimestampMs,
    pub mark_price: Option<Price>,
    pub updated_ms: TimestampMs,
}

impl VenueFunding {
    pub fn from_snapshot(s: &FundingSnapshot, mark_price: Option<Price>) -> Self {
        Self {
            venue: s.venue,
            rate: s.predicted,
            per_hour: s.predicted.per_hour(),
            apr: s.predicted.apr(),
            last_settled: s.last_settled,
            next_funding_ms: s.next_funding_ms,
            mark_price,
            updated_ms: s.time_ms,
        }
    }
}

/// One symbol on the funding board: each venue's rate and the spread between them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundingRow {
    pub symbol: Symbol,
    pub binance: Option<VenueFunding>,
    pub lighter: Option<VenueFunding>,
    /// Present when both venues quote the symbol.
    pub spread: Option<Spread>,
}

impl FundingRow {
    pub fn new(symbol: Symbol, binance: Option<VenueFunding>, lighter: Option<VenueFunding>) -> Self {
        let spread = match (&binance, &lighter) {
            (Some(b), Some(l)) => Some(Spread::between(b.rate, l.rate)),
            _ => None,
        };
        Self { symbol, binance, lighter, spread }
    }

    pub fn venue(&self, venue: Venue) -> Option<&VenueFunding> {
        match venue {
            Venue::Binance => self.binance.as_ref(),
            Venue::Lighter => self.lighter.as_ref(),
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundingBoard {
    pub as_of_ms: TimestampMs,
    pub rows: Vec<FundingRow>,
}

/// Settled rates (one per settlement, the default) or minute samples of the predicted rate.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FundingKind {
    #[default]
    Settled,
    Predicted,
}

impl FundingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FundingKind::Settled => "settled",
            FundingKind::Predicted => "predicted",
        }
    }
}

/// Query of `GET /api/v1/funding-rates/{symbol}/history`. Times in ms; all optional: the
/// default window is the last 7 days, both venues, settled rates.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams), into_params(parameter_in = Query))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryQuery {
    pub venue: Option<Venue>,
    pub from: Option<TimestampMs>,
    pub to: Option<TimestampMs>,
    pub kind: Option<FundingKind>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundingPoint {
    pub venue: Venue,
    pub time_ms: TimestampMs,
    pub rate: FundingRate,
    pub per_hour: Decimal,
    pub apr: Decimal,
}

impl FundingPoint {
    pub fn new(venue: Venue, time_ms: TimestampMs, rate: FundingRate) -> Self {
        Self { venue, time_ms, rate, per_hour: rate.per_hour(), apr: rate.apr() }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundingHistory {
    pub symbol: Symbol,
    pub from_ms: TimestampMs,
    pub to_ms: TimestampMs,
    pub points: Vec<FundingPoint>,
}

//! The History contract: closed positions, orders, fills and funding payments as the engine
//! recorded them, the query every list takes, one page of rows, and the realised P&L series
//! (cumulative and per UTC day) built from fills and payments by [`series`].
//!
//! Every amount is a `Decimal` newtype and travels as a string; CSV exports carry the same
//! figures as the JSON rows, written exactly (no rounding, no thousands separators).

mod csv;
mod series;

pub use csv::{Csv, iso_utc};
pub use series::{pnl_series, series_step_ms};

use crate::TimestampMs;
use crate::funding::{FundingRate, SpreadDirection};
use crate::ids::{ClientOrderId, Symbol, Venue};
use crate::money::{Price, Qty, Usd};
use crate::order::Side;
use crate::strategy::StrategyId;
use crate::trading::{OrderPurpose, PositionId, PositionStatus};
use serde::{Deserialize, Serialize};

/// Rows per page when the query names no `limit`.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest `limit` of a JSON page.
pub const MAX_LIMIT: u32 = 500;
/// Largest `limit` of a CSV export (and its default): an export without paging is one file.
pub const MAX_EXPORT_ROWS: u32 = 10_000;

/// The four lists of the History page.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryList {
    Positions,
    Orders,
    Fills,
    Funding,
}

impl HistoryList {
    pub const ALL: [HistoryList; 4] =
        [HistoryList::Positions, HistoryList::Orders, HistoryList::Fills, HistoryList::Funding];

    /// The path segment under `/api/v1/history/` and the `data-tab` of the page.
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryList::Positions => "positions",
            HistoryList::Orders => "orders",
            HistoryList::Fills => "fills",
            HistoryList::Funding => "funding",
        }
    }

    /// Whether the list can be narrowed to one venue (a position has a leg on each).
    pub fn has_venue(self) -> bool {
        !matches!(self, HistoryList::Positions)
    }

    /// Whether the list has a `status` filter.
    pub fn has_status(self) -> bool {
        matches!(self, HistoryList::Positions | HistoryList::Orders)
    }
}

/// `csv` makes a list endpoint answer `text/csv` as a download instead of a JSON page.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Json,
    Csv,
}

/// The query of every list, all optional. Times are ms since the epoch, inclusive; each list
/// filters on its own time (a position's close, an order's creation, a fill's or a payment's
/// time). Unknown parameters are refused, so a misspelt filter is a 400, not a silent no-op.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams), into_params(parameter_in = Query))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<Symbol>,
    /// Not for positions, which have a leg on each venue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue: Option<Venue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position_id: Option<PositionId>,
    /// Only rows of this strategy's positions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<StrategyId>,
    /// Positions: `closed` or `failed`; orders: any order status (`filled`, `canceled`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<TimestampMs>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<TimestampMs>,
    /// 1 to [`MAX_LIMIT`] (JSON) or [`MAX_EXPORT_ROWS`] (CSV).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page; absent for the newest rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Format>,
}

impl ListQuery {
    /// The query string (without '?'), parameters in a fixed order. Symbols, venues, statuses
    /// and cursors are made of characters that need no escaping in a query string.
    pub fn to_query_string(&self) -> String {
        let mut p: Vec<String> = Vec::new();
        if let Some(s) = &self.symbol {
            p.push(format!("symbol={s}"));
        }
        if let Some(v) = self.venue {
            p.push(format!("venue={v}"));
        }
        if let Some(id) = self.position_id {
            p.push(format!("position_id={id}"));
        }
        if let Some(s) = &self.strategy {
            p.push(format!("strategy={s}"));
        }
        if let Some(s) = &self.status {
            p.push(format!("status={}", escape(s)));
        }
        if let Some(t) = self.from {
            p.push(format!("from={t}"));
        }
        if let Some(t) = self.to {
            p.push(format!("to={t}"));
        }
        if let Some(l) = self.limit {
            p.push(format!("limit={l}"));
        }
        if let Some(c) = &self.cursor {
            p.push(format!("cursor={}", escape(c)));
        }
        if self.format == Some(Format::Csv) {
            p.push("format=csv".to_owned());
        }
        p.join("&")
    }
}

/// Percent-encode everything but unreserved characters.
fn escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One page of a list, newest first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub rows: Vec<T>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
    /// Rows matching the filter, over all pages.
    pub total: u64,
    pub limit: u32,
}

/// A closed (or failed) position: its final P&L and how large it was.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosedPosition {
    pub id: PositionId,
    pub strategy: StrategyId,
    pub symbol: Symbol,
    pub direction: SpreadDirection,
    pub status: PositionStatus,
    pub opened_ms: TimestampMs,
    pub closed_ms: Option<TimestampMs>,
    /// The largest quantity the long leg held, from the recorded fills; absent when no fill of
    /// the position was recorded (positions closed before fills were stored).
    pub peak_qty: Option<Qty>,
    /// Price P&L realised by the closing fills, both legs.
    pub price_pnl: Usd,
    /// Settled funding, both legs (negative: paid).
    pub funding: Usd,
    /// Fees paid, both legs (positive: a cost).
    pub fees: Usd,
    /// `price_pnl + funding - fees`: all realised, the position is flat.
    pub net: Usd,
    pub note: Option<String>,
}

/// One fill of one of our orders, as the engine booked it to the leg: the quantity newly
/// filled by a venue report, at the price and fee implied by the report's cumulative figures.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FillRecord {
    pub client_order_id: ClientOrderId,
    /// The order's cumulative filled quantity after this fill: with the order id, the key that
    /// makes a fill seen again (a replay, a re-delivered report) a duplicate.
    pub filled_qty: Qty,
    pub position_id: PositionId,
    /// The position's strategy.
    pub strategy: StrategyId,
    pub venue: Venue,
    pub symbol: Symbol,
    pub side: Side,
    pub purpose: OrderPurpose,
    pub qty: Qty,
    pub price: Price,
    /// Paid, positive (a rebate would be negative).
    pub fee: Usd,
    /// Price P&L this fill realised on its leg (zero for a fill that grows the leg).
    pub realized_pnl: Usd,
    pub time_ms: TimestampMs,
}

impl FillRecord {
    /// Stable id of the row, for the DOM and for CSV readers: `<order id>@<filled qty>`.
    pub fn row_id(&self) -> String {
        format!("{}@{}", self.client_order_id, self.filled_qty)
    }
}

/// A settled funding payment booked to one of our positions.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundingRecord {
    pub venue: Venue,
    /// The venue's id of the payment; unique per venue.
    pub payment_id: String,
    pub position_id: PositionId,
    /// The position's strategy.
    pub strategy: StrategyId,
    pub symbol: Symbol,
    pub rate: FundingRate,
    /// Signed leg size the payment was computed on (positive long).
    pub position_qty: Qty,
    pub mark_price: Price,
    /// Positive when received.
    pub amount: Usd,
    pub time_ms: TimestampMs,
}

impl FundingRecord {
    pub fn row_id(&self) -> String {
        format!("{}:{}", self.venue, self.payment_id)
    }
}

/// Query of `GET /api/v1/history/pnl`: the window and an optional symbol. `from` defaults to
/// the first recorded fill or payment, `to` to now.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams), into_params(parameter_in = Query))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PnlQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<Symbol>,
    /// Only the fills and payments of this strategy's positions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<StrategyId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<TimestampMs>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<TimestampMs>,
}

/// Realised P&L components. `fees` is what was paid (positive is a cost);
/// `net = price + funding - fees`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PnlParts {
    /// Price P&L realised by reducing fills.
    pub price: Usd,
    /// Settled funding payments (negative: paid).
    pub funding: Usd,
    pub fees: Usd,
    pub net: Usd,
}

impl PnlParts {
    pub fn add(&mut self, price: Usd, funding: Usd, fees: Usd) {
        self.price = self.price + price;
        self.funding = self.funding + funding;
        self.fees = self.fees + fees;
        self.net = self.price + self.funding - self.fees;
    }
}

/// The running total at `time_ms`: everything realised from the window's start up to then.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PnlPoint {
    pub time_ms: TimestampMs,
    #[serde(flatten)]
    pub total: PnlParts,
}

/// What was realised during one UTC day.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PnlDay {
    /// 00:00 UTC of the day.
    pub day_ms: TimestampMs,
    #[serde(flatten)]
    pub pnl: PnlParts,
}

/// What open positions would add if closed at the marks now: not money yet, so not in the
/// series or the bars.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenPnl {
    pub positions: u32,
    /// Price P&L of the open quantity at the current marks.
    pub unrealized: Usd,
    /// Funding accrued since each leg's last settlement at the predicted rates.
    pub funding_estimate: Usd,
}

/// The answer of `GET /api/v1/history/pnl`. The series and the bars hold realised money only:
/// fills (price P&L realised and fees) and settled funding payments, of closed and open
/// positions alike, at the time each happened.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PnlSeries {
    pub from_ms: TimestampMs,
    pub to_ms: TimestampMs,
    /// Cumulative, oldest first; starts with a zero point at `from_ms`. Events are summed into
    /// buckets of `step_ms` so that a long window stays a few hundred points.
    pub points: Vec<PnlPoint>,
    pub step_ms: i64,
    /// One bar per UTC day with any fill or payment, oldest first.
    pub days: Vec<PnlDay>,
    /// Realised over the window (the last point).
    pub total: PnlParts,
    pub open: OpenPnl,
    /// The window's realised P&L grouped by strategy, largest net first.
    #[serde(default)]
    pub by_strategy: Vec<StrategyPnl>,
}

/// One strategy's share of a P&L window.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrategyPnl {
    pub strategy: StrategyId,
    #[serde(flatten)]
    pub pnl: PnlParts,
}

#[cfg(test)]
mod tests;

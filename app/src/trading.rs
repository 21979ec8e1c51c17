//! The trading contract: positions (two legs shown as one), orders, operator commands,
//! notifications and the engine's state, as the API and the streams carry them.

use crate::TimestampMs;
use crate::funding::SpreadDirection;
use crate::ids::{ClientOrderId, Symbol, Venue};
use crate::money::{Price, Qty, Usd};
use crate::order::Side;
use crate::params::FieldError;
use crate::pnl::PnlBreakdown;
use crate::strategy::{ExitRules, StrategyId};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use crate::ids::PositionId;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PositionStatus {
    Opening,
    Open,
    Closing,
    Closed,
    /// The open could not complete; any filled quantity was unwound to hedged or flat.
    Failed,
}

impl PositionStatus {
    pub fn is_active(self) -> bool {
        !matches!(self, PositionStatus::Closed | PositionStatus::Failed)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegView {
    pub venue: Venue,
    pub side: Side,
    /// Signed: positive long.
    pub qty: Qty,
    pub entry_price: Price,
    pub mark_price: Option<Price>,
    pub liquidation_price: Option<Price>,
    /// |mark - liquidation| / mark, as a fraction.
    pub liquidation_distance: Option<Decimal>,
    pub pnl: PnlBreakdown,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionView {
    pub id: PositionId,
    /// `auto`, `manual`, or the signal strategy that opened it.
    pub strategy: StrategyId,
    /// The strategy's exits that apply to it (risk rules apply to every position).
    #[serde(default)]
    pub exits: ExitRules,
    pub symbol: Symbol,
    pub direction: SpreadDirection,
    pub status: PositionStatus,
    /// The quantity each leg is being moved to.
    pub target_qty: Qty,
    pub legs: Vec<LegView>,
    pub pnl: PnlBreakdown,
    pub margin: Usd,
    pub opened_ms: TimestampMs,
    pub closed_ms: Option<TimestampMs>,
    /// Why it is closing or failed, or the last execution problem.
    pub note: Option<String>,
}

/// Our order lifecycle. `Sent` and `Unknown` are in flight: the venue may or may not have it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Recorded, not yet handed to the venue.
    Created,
    Sent,
    /// A timeout or 5xx: resolved by querying the client order id, never by re-sending.
    Unknown,
    Accepted,
    PartiallyFilled,
    Filled,
    Canceled,
    Expired,
    Rejected,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 9] = [
        OrderStatus::Created,
        OrderStatus::Sent,
        OrderStatus::Unknown,
        OrderStatus::Accepted,
        OrderStatus::PartiallyFilled,
        OrderStatus::Filled,
        OrderStatus::Canceled,
        OrderStatus::Expired,
        OrderStatus::Rejected,
    ];

    pub fn is_final(self) -> bool {
        matches!(self, OrderStatus::Filled | OrderStatus::Canceled | OrderStatus::Expired | OrderStatus::Rejected)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderPurpose {
    Open,
    Close,
    /// Tops up the lagging leg after a partial fill.
    Repair,
    /// Trims the leading leg back to hedged.
    Unwind,
    /// Not an order: reconciliation set a leg to the venue's size. Its fill record keeps the
    /// position's fills adding up to its P&L.
    Reconciliation,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub client_order_id: ClientOrderId,
    pub position_id: PositionId,
    /// The position's strategy. Orders stored before strategies existed read as `auto`; the
    /// database's column, migrated from their position, is what History shows.
    #[serde(default)]
    pub strategy: StrategyId,
    pub venue: Venue,
    pub symbol: Symbol,
    pub side: Side,
    pub qty: Qty,
    pub limit_price: Option<Price>,
    pub reduce_only: bool,
    pub purpose: OrderPurpose,
    pub slice: u32,
    pub status: OrderStatus,
    pub filled_qty: Qty,
    pub avg_price: Option<Price>,
    pub fee: Usd,
    pub created_ms: TimestampMs,
    pub updated_ms: TimestampMs,
    pub error: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenPositionRequest {
    pub symbol: Symbol,
    pub direction: SpreadDirection,
    pub notional: Usd,
    #[serde(default)]
    pub leverage_binance: Option<u32>,
    #[serde(default)]
    pub leverage_lighter: Option<u32>,
    #[serde(default)]
    pub slices: Option<u32>,
    #[serde(default)]
    pub slippage_cap_bps: Option<u32>,
    /// Close the position when the spread reverses (otherwise only a person or a risk rule
    /// closes a manual position).
    #[serde(default)]
    pub exit_on_reversal: bool,
    /// Close the position after this many hours.
    #[serde(default)]
    pub close_after_hours: Option<u32>,
}

/// Bounds of an open, checked by the API before the engine sees it and by the browser's form
/// before anything is sent.
pub const SLICES: (u32, u32) = (1, 100);
pub const SLIPPAGE_CAP_BPS: (u32, u32) = (1, 1000);
pub const LEVERAGE: (u32, u32) = (1, 50);

impl OpenPositionRequest {
    /// Every field out of bounds, with its message. (Whether the symbol is listed is for the
    /// server to say.)
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.notional <= Usd::ZERO {
            errors.push(FieldError { field: "notional".into(), message: "must be positive".into() });
        }
        range(&mut errors, "leverage_binance", self.leverage_binance, LEVERAGE);
        range(&mut errors, "leverage_lighter", self.leverage_lighter, LEVERAGE);
        range(&mut errors, "slices", self.slices, SLICES);
        range(&mut errors, "slippage_cap_bps", self.slippage_cap_bps, SLIPPAGE_CAP_BPS);
        errors.extend(self.exits().validate("close_after_hours"));
        errors
    }

    /// The exits the form ticked, for a manual position.
    pub fn exits(&self) -> ExitRules {
        ExitRules { spread_reversal: self.exit_on_reversal, close_after_hours: self.close_after_hours }
    }
}

fn range(errors: &mut Vec<FieldError>, field: &str, v: Option<u32>, (lo, hi): (u32, u32)) {
    if let Some(v) = v
        && !(lo..=hi).contains(&v)
    {
        errors.push(FieldError { field: field.into(), message: format!("must be {lo} to {hi}, got {v}") });
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosePositionRequest {
    pub position_id: PositionId,
    /// Above 0, at most 100.
    pub percent: Decimal,
}

impl ClosePositionRequest {
    pub fn validate(&self) -> Vec<FieldError> {
        if self.percent <= Decimal::ZERO || self.percent > Decimal::ONE_HUNDRED {
            return vec![FieldError { field: "percent".into(), message: "must be above 0 and at most 100".into() }];
        }
        Vec::new()
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseAllRequest {
    /// Only positions with a leg on this venue account; all when absent.
    #[serde(default)]
    pub venue: Option<Venue>,
    /// Only positions of this strategy; all when absent.
    #[serde(default)]
    pub strategy: Option<StrategyId>,
}

/// What a command did: the positions it touched.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandAck {
    pub positions: Vec<PositionId>,
    pub message: String,
}

pub use crate::notification::{Kind, Level, Notification};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineStatus {
    pub paused: bool,
    pub killed: bool,
    /// Why opening is blocked right now (pause, kill switch, stale data, drawdown breaker).
    pub blocked: Vec<String>,
    pub params_version: i64,
}

/// One ranked opportunity: the spread's net edge after fees and slippage for the target size.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opportunity {
    pub symbol: Symbol,
    pub direction: SpreadDirection,
    pub spread_apr: Decimal,
    /// Net of round-trip fees and estimated slippage over the horizon, annualised.
    pub net_apr: Decimal,
    pub notional: Usd,
    pub confirmations: u32,
    /// False when the symbol rules exclude it: still ranked, never opened.
    pub trading: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_id_is_a_plain_number_on_the_wire_and_in_paths() {
        let id = PositionId::new(42);
        assert_eq!(serde_json::to_string(&id).unwrap(), "42");
        assert_eq!(serde_json::from_str::<PositionId>("42").unwrap(), id);
        assert!(serde_json::from_str::<PositionId>("\"42\"").is_err());
        assert_eq!((id.to_string(), "42".parse::<PositionId>()), ("42".to_owned(), Ok(id)));
        assert!("4x".parse::<PositionId>().is_err());
        assert_eq!(id.next(), PositionId::new(43));
        let ack = CommandAck { positions: vec![id], message: String::new() };
        assert_eq!(serde_json::to_value(ack).unwrap()["positions"], serde_json::json!([42]));
    }
}

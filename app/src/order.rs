//! Orders, fills, positions, balances and funding payments as every venue reports them.

use crate::TimestampMs;
use crate::funding::FundingRate;
use crate::ids::{ClientOrderId, Symbol, Venue};
use crate::money::{Price, Qty, Usd};
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    /// +1 for a buy, -1 for a sell: the sign a fill adds to a position.
    pub fn sign(self) -> rust_decimal::Decimal {
        match self {
            Side::Buy => rust_decimal::Decimal::ONE,
            Side::Sell => rust_decimal::Decimal::NEGATIVE_ONE,
        }
    }

    pub fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderType {
    Limit,
    Market,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeInForce {
    Gtc,
    Ioc,
    PostOnly,
}

/// What we ask a venue to do. `client_order_id` makes a retry idempotent.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRequest {
    pub client_order_id: ClientOrderId,
    pub symbol: Symbol,
    pub side: Side,
    pub qty: Qty,
    pub order_type: OrderType,
    /// Limit price; for IOC orders it is the slippage cap.
    pub price: Option<Price>,
    pub time_in_force: TimeInForce,
    pub reduce_only: bool,
}

/// Venue-side order status, as reported. Our own lifecycle (with in-flight states) is a
/// separate transition table in the trading core.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VenueOrderStatus {
    New,
    PartiallyFilled,
    Filled,
    Canceled,
    Rejected,
    Expired,
}

impl VenueOrderStatus {
    pub fn is_final(self) -> bool {
        !matches!(self, VenueOrderStatus::New | VenueOrderStatus::PartiallyFilled)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderReport {
    pub venue: Venue,
    pub client_order_id: ClientOrderId,
    pub venue_order_id: String,
    pub symbol: Symbol,
    pub side: Side,
    pub qty: Qty,
    pub filled_qty: Qty,
    pub avg_price: Option<Price>,
    pub status: VenueOrderStatus,
    pub fee: Usd,
    pub time_ms: TimestampMs,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fill {
    pub venue: Venue,
    pub trade_id: String,
    pub client_order_id: ClientOrderId,
    pub symbol: Symbol,
    pub side: Side,
    pub qty: Qty,
    pub price: Price,
    /// Fee paid, positive (a rebate would be negative).
    pub fee: Usd,
    pub is_maker: bool,
    pub time_ms: TimestampMs,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenuePosition {
    pub venue: Venue,
    pub symbol: Symbol,
    /// Signed: positive long, negative short.
    pub qty: Qty,
    pub entry_price: Price,
    pub mark_price: Price,
    pub liquidation_price: Option<Price>,
    pub margin: Usd,
    pub leverage: u32,
    pub unrealized_pnl: Usd,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    pub venue: Venue,
    /// Wallet balance plus unrealised P&L.
    pub equity: Usd,
    pub wallet: Usd,
    pub available: Usd,
    pub margin_used: Usd,
    pub time_ms: TimestampMs,
}

/// A settled funding payment. `amount` is positive when received.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundingPayment {
    pub venue: Venue,
    pub symbol: Symbol,
    /// Unique per venue (Binance `tranId`, Lighter `funding_id`): the dedup key.
    pub payment_id: String,
    pub rate: FundingRate,
    pub position_qty: Qty,
    pub mark_price: Price,
    pub amount: Usd,
    pub time_ms: TimestampMs,
}

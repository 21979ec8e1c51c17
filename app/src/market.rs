//! Market descriptions and market data: filters, mark prices, books and funding snapshots.

use crate::TimestampMs;
use crate::funding::FundingRate;
use crate::ids::{Symbol, Venue};
use crate::money::{Price, Qty, Usd};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What a venue accepts for one symbol: Binance's PRICE_FILTER / LOT_SIZE / MIN_NOTIONAL, and
/// Lighter's decimals and minimum amounts, expressed the same way.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketFilters {
    pub tick_size: Price,
    pub step_size: Qty,
    pub min_qty: Qty,
    pub min_notional: Usd,
}

impl MarketFilters {
    /// Round a quantity down to the step: sizing must never exceed what was approved.
    pub fn round_qty_down(&self, qty: Qty) -> Qty {
        Qty(round_down_to(qty.0, self.step_size.0))
    }

    pub fn round_price_down(&self, price: Price) -> Price {
        Price(round_down_to(price.0, self.tick_size.0))
    }

    pub fn round_price_up(&self, price: Price) -> Price {
        let down = round_down_to(price.0, self.tick_size.0);
        if down == price.0 { Price(down) } else { Price(down + self.tick_size.0) }
    }
}

pub use crate::money::round_down_to;

/// The smallest step that is a multiple of both venues' steps, so that one quantity is valid on
/// both legs (0.001 and 0.01 give 0.01; 0.002 and 0.003 give 0.006).
pub fn common_step(a: Decimal, b: Decimal) -> Decimal {
    if a.is_zero() {
        return b;
    }
    if b.is_zero() {
        return a;
    }
    let scale = a.scale().max(b.scale());
    let factor = Decimal::from(10u64.pow(scale));
    let (ia, ib) = ((a * factor).trunc(), (b * factor).trunc());
    let (Ok(ia), Ok(ib)) = (i128::try_from(ia), i128::try_from(ib)) else {
        return a.max(b);
    };
    let (ia, ib) = (ia.abs(), ib.abs());
    let lcm = ia / gcd(ia, ib) * ib;
    Decimal::from_i128_with_scale(lcm, 0) / factor
}

fn gcd(a: i128, b: i128) -> i128 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// One tradable perpetual on one venue.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Market {
    pub venue: Venue,
    pub symbol: Symbol,
    /// The venue's own name for it ("BTCUSDT", or Lighter's market id as text).
    pub venue_symbol: String,
    pub filters: MarketFilters,
    pub max_leverage: u32,
    pub maker_fee: Decimal,
    pub taker_fee: Decimal,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookLevel {
    pub price: Price,
    pub qty: Qty,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopOfBook {
    pub venue: Venue,
    pub symbol: Symbol,
    pub bid: BookLevel,
    pub ask: BookLevel,
    pub time_ms: TimestampMs,
}

/// Depth, best level first on each side.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderBook {
    pub venue: Venue,
    pub symbol: Symbol,
    pub bids: Vec<BookLevel>,
    pub asks: Vec<BookLevel>,
    pub time_ms: TimestampMs,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkPrice {
    pub venue: Venue,
    pub symbol: Symbol,
    pub mark: Price,
    pub index: Price,
    pub time_ms: TimestampMs,
}

/// A venue's funding state for one symbol. `predicted` is the rate that will settle at
/// `next_funding_ms` (Binance `lastFundingRate`, Lighter `current_funding_rate`); it moves
/// between settlements.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundingSnapshot {
    pub venue: Venue,
    pub symbol: Symbol,
    pub predicted: FundingRate,
    pub last_settled: Option<FundingRate>,
    pub next_funding_ms: TimestampMs,
    pub time_ms: TimestampMs,
}

/// One settled funding rate from a venue's history (Binance `fundingRate`, Lighter `fundings`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettledFunding {
    pub venue: Venue,
    pub symbol: Symbol,
    pub time_ms: TimestampMs,
    pub rate: FundingRate,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn common_step_is_a_multiple_of_both() {
        assert_eq!(common_step(dec!(0.001), dec!(0.01)), dec!(0.01));
        assert_eq!(common_step(dec!(0.002), dec!(0.003)), dec!(0.006));
        assert_eq!(common_step(dec!(1), dec!(0.1)), dec!(1));
        assert_eq!(common_step(dec!(0), dec!(0.1)), dec!(0.1));
    }

    #[test]
    fn rounding_respects_filters() {
        let f = MarketFilters {
            tick_size: Price(dec!(0.1)),
            step_size: Qty(dec!(0.001)),
            min_qty: Qty(dec!(0.001)),
            min_notional: Usd(dec!(5)),
        };
        assert_eq!(f.round_qty_down(Qty(dec!(0.12345))), Qty(dec!(0.123)));
        assert_eq!(f.round_qty_down(Qty(dec!(-0.12345))), Qty(dec!(-0.123)));
        assert_eq!(f.round_price_down(Price(dec!(100.19))), Price(dec!(100.1)));
        assert_eq!(f.round_price_up(Price(dec!(100.11))), Price(dec!(100.2)));
        assert_eq!(f.round_price_up(Price(dec!(100.1))), Price(dec!(100.1)));
    }
}

/// Whether a venue's market data may be traded on, as the market-data owner judged it. The
/// risk gate, `/status` and the System page all read this one verdict.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Freshness {
    pub venue: Venue,
    /// Why the data may not be used; `None` when it is fresh.
    pub stale: Option<String>,
}

impl Freshness {
    pub fn fresh(venue: Venue) -> Self {
        Self { venue, stale: None }
    }

    pub fn is_fresh(&self) -> bool {
        self.stale.is_none()
    }
}

//! Our domain values → Lighter's integers: price ticks (`u32`), base amounts, and the
//! `client_order_index` derived from our `ClientOrderId`.
//!
//! **Client order index mapping.** Lighter identifies our orders by a 48-bit integer, ours by
//! a string of up to 36 characters, so the mapping is a hash: FNV-1a 64 over the id's UTF-8
//! bytes, folded to 48 bits (`h ^ (h >> 48)`, masked), with 0 (which means "none") replaced
//! by one. It is a pure function of the id — the same on every run, every process, every Rust
//! version — so a retry or a restarted process finds the same order. Collisions are possible
//! in principle (~1.8·10⁻³ for a million ids); the venue refuses a duplicate with 21728, which
//! the connector resolves by looking the existing order up.

use app::order::{OrderRequest, OrderType, Side, TimeInForce};
use app::{ClientOrderId, TimestampMs};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::parse::LighterMarket;
use lighter_signer::tx::{
    CreateOrder, MAX_BASE_AMOUNT, MAX_CLIENT_ORDER_INDEX, TxAttributes, order_type, time_in_force,
};

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

pub fn client_order_index(id: &ClientOrderId) -> i64 {
    let h = id.as_str().bytes().fold(FNV_OFFSET, |h, b| (h ^ u64::from(b)).wrapping_mul(FNV_PRIME));
    let folded = ((h ^ (h >> 48)) & (MAX_CLIENT_ORDER_INDEX as u64)) as i64;
    folded.max(1)
}

/// The id we report for an order this process did not place (another process, the web UI):
/// `lighter-<client_order_index>`, valid under `ClientOrderId`'s charset for any i64.
pub fn foreign_client_order_id(client_order_index: i64) -> Result<ClientOrderId, app::IdError> {
    ClientOrderId::new(&format!("lighter-{client_order_index}"))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("price {0} does not fit Lighter's u32 price ticks (1..=4294967295)")]
    PriceRange(Decimal),
    #[error("size {size} is not a multiple of the step {step}")]
    Step { size: Decimal, step: Decimal },
    #[error("size {0} is outside 1..=2^48-1 base units")]
    SizeRange(Decimal),
    #[error("a limit order needs a price")]
    MissingPrice,
    #[error("no book price to derive a market order's slippage cap from")]
    NoReferencePrice,
    #[error("post-only is only valid for limit orders")]
    PostOnlyMarket,
}

/// Which way to round a price that is not on the tick: never past what the caller asked, so
/// a buy rounds down and a sell rounds up.
pub fn price_ticks(price: Decimal, decimals: u32, side: Side) -> Result<u32, EncodeError> {
    let scaled = price.checked_mul(Decimal::from(10u64.pow(decimals.min(18)))).ok_or(EncodeError::PriceRange(price))?;
    let rounded = match side {
        Side::Buy => scaled.floor(),
        Side::Sell => scaled.ceil(),
    };
    rounded.to_u32().filter(|t| *t >= 1).ok_or(EncodeError::PriceRange(price))
}

/// Base amount in size units. Sizes are not rounded: the engine sizes with the market's step,
/// and silently trading a different size than approved would break the hedge.
pub fn base_amount(size: Decimal, decimals: u32) -> Result<i64, EncodeError> {
    let scaled = size.checked_mul(Decimal::from(10u64.pow(decimals.min(18)))).ok_or(EncodeError::SizeRange(size))?;
    if scaled.fract() != Decimal::ZERO {
        return Err(EncodeError::Step { size, step: Decimal::new(1, decimals) });
    }
    scaled.to_i64().filter(|a| (1..=MAX_BASE_AMOUNT).contains(a)).ok_or(EncodeError::SizeRange(size))
}

/// GTT orders live 28 days, as the SDK's default expiry (bounds are 5 min to 30 days).
pub const GTT_LIFETIME_MS: i64 = 28 * 24 * 3_600_000;

/// An `OrderRequest` as Lighter's CreateOrder. A market order is an IOC with a worst price:
/// the caller's price if given, else `reference` (best opposite price) moved by `slippage`.
pub fn create_order(
    order: &OrderRequest,
    market: &LighterMarket,
    reference: Option<Decimal>,
    slippage: Decimal,
    now_ms: TimestampMs,
) -> Result<CreateOrder, EncodeError> {
    let (kind, tif, expiry, price) = match (order.order_type, order.time_in_force) {
        (OrderType::Market, TimeInForce::PostOnly) => return Err(EncodeError::PostOnlyMarket),
        (OrderType::Market, _) => {
            let cap = match (order.price, reference) {
                (Some(p), _) => p.0,
                (None, Some(r)) => match order.side {
                    Side::Buy => r * (Decimal::ONE + slippage),
                    Side::Sell => r * (Decimal::ONE - slippage),
                },
                (None, None) => return Err(EncodeError::NoReferencePrice),
            };
            (order_type::MARKET, time_in_force::IMMEDIATE_OR_CANCEL, 0, cap)
        }
        (OrderType::Limit, tif) => {
            let price = order.price.ok_or(EncodeError::MissingPrice)?.0;
            match tif {
                TimeInForce::Ioc => (order_type::LIMIT, time_in_force::IMMEDIATE_OR_CANCEL, 0, price),
                TimeInForce::Gtc => (order_type::LIMIT, time_in_force::GOOD_TILL_TIME, now_ms + GTT_LIFETIME_MS, price),
                TimeInForce::PostOnly => (order_type::LIMIT, time_in_force::POST_ONLY, now_ms + GTT_LIFETIME_MS, price),
            }
        }
    };
    Ok(CreateOrder {
        market_index: market.market_id,
        client_order_index: client_order_index(&order.client_order_id),
        base_amount: base_amount(order.qty.0, market.size_decimals)?,
        price: price_ticks(price, market.price_decimals, order.side)?,
        is_ask: u8::from(order.side == Side::Sell),
        order_type: kind,
        time_in_force: tif,
        reduce_only: u8::from(order.reduce_only),
        trigger_price: 0,
        order_expiry: expiry,
        attributes: TxAttributes::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn client_order_index_is_stable_and_in_range() {
        let id = ClientOrderId::new("arb-42.o:1/a_b").unwrap();
        let coi = client_order_index(&id);
        assert_eq!(coi, client_order_index(&ClientOrderId::new("arb-42.o:1/a_b").unwrap()));
        assert!((1..=MAX_CLIENT_ORDER_INDEX).contains(&coi));
        assert_ne!(coi, client_order_index(&ClientOrderId::new("arb-43.o:1/a_b").unwrap()));
        // Pinned so that a change of the mapping (which would orphan live orders) fails loudly.
        assert_eq!(client_order_index(&ClientOrderId::new("a").unwrap()), 0xdc4c_8601_43ef);
    }

    #[test]
    fn prices_round_toward_the_passive_side_and_check_u32() {
        assert_eq!(price_ticks(dec!(65000.123), 2, Side::Buy), Ok(6_500_012));
        assert_eq!(price_ticks(dec!(65000.123), 2, Side::Sell), Ok(6_500_013));
        assert_eq!(price_ticks(dec!(65000.12), 2, Side::Sell), Ok(6_500_012));
        assert!(price_ticks(dec!(50000000), 2, Side::Buy).is_err(), "5e9 ticks overflow u32");
        assert!(price_ticks(dec!(0.001), 2, Side::Buy).is_err(), "0 ticks is not a price");
        assert!(price_ticks(dec!(-1), 2, Side::Sell).is_err());
    }

    #[test]
    fn sizes_must_sit_on_the_step() {
        assert_eq!(base_amount(dec!(0.0123), 4), Ok(123));
        assert!(matches!(base_amount(dec!(0.01234), 4), Err(EncodeError::Step { .. })));
        assert!(base_amount(dec!(0), 4).is_err());
        assert!(base_amount(dec!(1e20), 4).is_err());
    }
}

//! The transaction kinds the arbitrage system sends (types 14, 15, 16, 20): fields, the
//! official signer's checks, and hash field order. Integer widths mirror lighter-go's structs.

use super::{
    Elements, L2Tx, MARGIN_FRACTION_TICK, MAX_BASE_AMOUNT, MAX_CLIENT_ORDER_INDEX, MAX_ORDER_INDEX, NIL_MARKET_INDEX,
    TX_TYPE_CANCEL_ALL_ORDERS, TX_TYPE_CANCEL_ORDER, TX_TYPE_CREATE_ORDER, TX_TYPE_UPDATE_LEVERAGE, TxAttributes,
    TxError, attribute_type, cancel_all_tif, check_market, is_perps_market, order_type as ot, time_in_force as tif,
};

/// CreateOrder (tx type 14). `price` and `base_amount` are integer ticks of the market's
/// `price_decimals`/`size_decimals`; `order_expiry` is Unix ms (0 = none, for IOC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreateOrder {
    pub market_index: i16,
    /// 0 = none, else 1..2⁴⁸−1 and unique per account.
    pub client_order_index: i64,
    pub base_amount: i64,
    /// For MARKET orders this is the worst acceptable price.
    pub price: u32,
    pub is_ask: u8,
    pub order_type: u8,
    pub time_in_force: u8,
    pub reduce_only: u8,
    pub trigger_price: u32,
    pub order_expiry: i64,
    pub attributes: TxAttributes,
}

impl L2Tx for CreateOrder {
    const TX_TYPE: u8 = TX_TYPE_CREATE_ORDER;

    fn validate(&self) -> Result<(), TxError> {
        self.attributes.validate()?;
        check_market(self.market_index)?;
        let perps = is_perps_market(self.market_index);
        let coi = self.client_order_index;
        if coi != 0 && !(1..=MAX_CLIENT_ORDER_INDEX).contains(&coi) {
            return Err(TxError::ClientOrderIndex(coi));
        }
        // Zero size is how a reduce-only order says "close whatever is open".
        let zero_ok = self.base_amount == 0 && self.reduce_only == 1;
        if !zero_ok && !(1..=MAX_BASE_AMOUNT).contains(&self.base_amount) {
            return Err(TxError::BaseAmount(self.base_amount));
        }
        if self.price == 0 {
            return Err(TxError::Price);
        }
        if self.is_ask > 1 {
            return Err(TxError::IsAsk(self.is_ask));
        }
        if self.time_in_force > tif::POST_ONLY {
            return Err(TxError::TimeInForce(self.time_in_force));
        }
        if self.reduce_only > 1 || (!perps && self.reduce_only == 1) {
            return Err(TxError::ReduceOnly(self.reduce_only));
        }
        if self.order_expiry < 0 {
            return Err(TxError::OrderExpiry(self.order_expiry));
        }
        self.check_type_rules(perps)
    }

    fn push_fields(&self, out: &mut Elements) {
        out.push(self.market_index as u64);
        out.push(self.client_order_index as u64);
        out.push(self.base_amount as u64);
        out.push(u64::from(self.price));
        out.push(u64::from(self.is_ask));
        out.push(u64::from(self.order_type));
        out.push(u64::from(self.time_in_force));
        out.push(u64::from(self.reduce_only));
        out.push(u64::from(self.trigger_price));
        out.push(self.order_expiry as u64);
    }

    fn attributes(&self) -> &TxAttributes {
        &self.attributes
    }
}

impl CreateOrder {
    /// Per-type rules; the checks run in lighter-go's order so the first error matches.
    fn check_type_rules(&self, perps: bool) -> Result<(), TxError> {
        let (t, tf, exp, trig) = (self.order_type, self.time_in_force, self.order_expiry, self.trigger_price);
        let ioc = tf == tif::IMMEDIATE_OR_CANCEL;
        match t {
            ot::MARKET if !ioc => Err(TxError::TimeInForce(tf)),
            ot::MARKET if exp != 0 => Err(TxError::OrderExpiry(exp)),
            ot::MARKET if trig != 0 => Err(TxError::TriggerPrice(trig)),
            ot::LIMIT if trig != 0 => Err(TxError::TriggerPrice(trig)),
            // GTT and post-only need an expiry; IOC must not carry one.
            ot::LIMIT if ioc == (exp != 0) => Err(TxError::OrderExpiry(exp)),
            ot::STOP_LOSS | ot::TAKE_PROFIT | ot::STOP_LOSS_LIMIT | ot::TAKE_PROFIT_LIMIT if !perps => {
                Err(TxError::OrderType(t))
            }
            ot::STOP_LOSS | ot::TAKE_PROFIT if !ioc => Err(TxError::TimeInForce(tf)),
            ot::STOP_LOSS | ot::TAKE_PROFIT | ot::STOP_LOSS_LIMIT | ot::TAKE_PROFIT_LIMIT if trig == 0 => {
                Err(TxError::TriggerPrice(trig))
            }
            ot::STOP_LOSS | ot::TAKE_PROFIT | ot::STOP_LOSS_LIMIT | ot::TAKE_PROFIT_LIMIT if exp == 0 => {
                Err(TxError::OrderExpiry(exp))
            }
            ot::TWAP if tf != tif::GOOD_TILL_TIME => Err(TxError::TimeInForce(tf)),
            ot::TWAP if trig != 0 => Err(TxError::TriggerPrice(trig)),
            ot::TWAP if exp == 0 => Err(TxError::OrderExpiry(exp)),
            ot::LIMIT..=ot::TWAP => Ok(()),
            _ => Err(TxError::OrderType(t)),
        }
    }
}

/// CancelOrder (tx type 15). `index` is either the client order index (< 2⁴⁸) or the
/// venue's order index (≥ 2⁴⁸); the venue tells them apart by range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CancelOrder {
    pub market_index: i16,
    pub index: i64,
    pub attributes: TxAttributes,
}

impl L2Tx for CancelOrder {
    const TX_TYPE: u8 = TX_TYPE_CANCEL_ORDER;

    fn validate(&self) -> Result<(), TxError> {
        self.attributes.validate()?;
        check_market(self.market_index)?;
        if !(1..=MAX_ORDER_INDEX).contains(&self.index) {
            return Err(TxError::OrderIndex(self.index));
        }
        Ok(())
    }

    fn push_fields(&self, out: &mut Elements) {
        out.push(self.market_index as u64);
        out.push(self.index as u64);
    }

    fn attributes(&self) -> &TxAttributes {
        &self.attributes
    }
}

/// CancelAllOrders (tx type 16). Not covered by the official vectors; layout from lighter-go.
/// A market filter goes in attribute 5 and is only allowed for an immediate cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CancelAllOrders {
    pub time_in_force: u8,
    /// Unix ms for a scheduled cancel, else 0.
    pub time: i64,
    pub attributes: TxAttributes,
}

impl L2Tx for CancelAllOrders {
    const TX_TYPE: u8 = TX_TYPE_CANCEL_ALL_ORDERS;

    fn validate(&self) -> Result<(), TxError> {
        self.attributes.validate()?;
        let market = self.attributes.get(attribute_type::CANCEL_ALL_MARKET_INDEX);
        let filtered = market.is_some_and(|m| m != i64::from(NIL_MARKET_INDEX));
        if filtered && self.time_in_force != cancel_all_tif::IMMEDIATE {
            return Err(TxError::TimeInForce(self.time_in_force));
        }
        match (self.time_in_force, self.time) {
            (cancel_all_tif::IMMEDIATE | cancel_all_tif::ABORT_SCHEDULED, 0) => Ok(()),
            (cancel_all_tif::SCHEDULED, t) if t >= 1 => Ok(()),
            (cancel_all_tif::IMMEDIATE..=cancel_all_tif::ABORT_SCHEDULED, t) => Err(TxError::CancelAllTime(t)),
            (other, _) => Err(TxError::TimeInForce(other)),
        }
    }

    fn push_fields(&self, out: &mut Elements) {
        out.push(u64::from(self.time_in_force));
        out.push(self.time as u64);
    }

    fn attributes(&self) -> &TxAttributes {
        &self.attributes
    }
}

/// UpdateLeverage (tx type 20). `initial_margin_fraction` is in 1/10000: 10000 / leverage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpdateLeverage {
    pub market_index: i16,
    pub initial_margin_fraction: u16,
    /// 0 cross, 1 isolated.
    pub margin_mode: u8,
    pub attributes: TxAttributes,
}

impl L2Tx for UpdateLeverage {
    const TX_TYPE: u8 = TX_TYPE_UPDATE_LEVERAGE;

    fn validate(&self) -> Result<(), TxError> {
        self.attributes.validate()?;
        // lighter-go only rejects 255 here; negative ids would wrap in the hash, so refuse them.
        if self.market_index == NIL_MARKET_INDEX || self.market_index < 0 {
            return Err(TxError::MarketIndex(self.market_index));
        }
        if self.margin_mode > 1 {
            return Err(TxError::MarginMode(self.margin_mode));
        }
        let imf = self.initial_margin_fraction;
        if imf == 0 || imf > MARGIN_FRACTION_TICK {
            return Err(TxError::InitialMarginFraction(imf));
        }
        Ok(())
    }

    fn push_fields(&self, out: &mut Elements) {
        out.push(self.market_index as u64);
        out.push(u64::from(self.initial_margin_fraction));
        out.push(u64::from(self.margin_mode));
    }

    fn attributes(&self) -> &TxAttributes {
        &self.attributes
    }
}

//! The fake venue's data: markets, accounts with keys and nonces, orders, positions, trades
//! and funding rows, and one price-time book per market. Amounts are integers in the market's
//! units, as the sequencer keeps them; decimals appear only when rendering JSON.

use std::collections::{BTreeMap, VecDeque};

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// A scripted market. Funding strings are percent per hour, as the venue publishes them.
#[derive(Debug, Clone)]
pub struct FakeMarket {
    pub market_id: i16,
    pub symbol: String,
    pub size_decimals: u32,
    pub price_decimals: u32,
    pub min_base: Decimal,
    pub min_quote: Decimal,
    /// In 1/10000.
    pub default_imf: u32,
    pub min_imf: u32,
    pub maintenance_mf: u32,
    pub mark: Decimal,
    pub index: Decimal,
    pub current_funding: String,
    pub last_funding: String,
    pub funding_timestamp: i64,
}

impl FakeMarket {
    pub fn new(market_id: i16, symbol: &str, size_decimals: u32, price_decimals: u32, mark: Decimal) -> Self {
        Self {
            market_id,
            symbol: symbol.to_owned(),
            size_decimals,
            price_decimals,
            min_base: Decimal::new(1, size_decimals),
            min_quote: Decimal::new(10, 0),
            default_imf: 500,
            min_imf: 200,
            maintenance_mf: 120,
            mark,
            index: mark,
            current_funding: "0.0000".into(),
            last_funding: "0.0000".into(),
            funding_timestamp: 0,
        }
    }

    pub fn size(&self, units: i64) -> Decimal {
        Decimal::new(units, self.size_decimals)
    }

    pub fn price(&self, ticks: u32) -> Decimal {
        Decimal::new(i64::from(ticks), self.price_decimals)
    }

    /// Decimal size → units, if it sits on the step.
    pub fn units(&self, size: Decimal) -> Option<i64> {
        let scaled = size.checked_mul(Decimal::from(10i64.pow(self.size_decimals)))?;
        if scaled.fract().is_zero() { scaled.to_i64() } else { None }
    }

    /// Decimal price → ticks, if it sits on the tick and fits u32.
    pub fn ticks(&self, price: Decimal) -> Option<u32> {
        let scaled = price.checked_mul(Decimal::from(10i64.pow(self.price_decimals)))?;
        if scaled.fract().is_zero() { scaled.to_u32().filter(|t| *t > 0) } else { None }
    }
}

#[derive(Debug, Clone, Default)]
pub struct FakePosition {
    /// Signed base units: positive long.
    pub units: i64,
    pub entry: Decimal,
    pub realized: Decimal,
    pub funding_paid: Decimal,
}

#[derive(Debug, Clone)]
pub struct Account {
    pub index: i64,
    pub collateral: Decimal,
    /// API key index → public key.
    pub keys: BTreeMap<u8, [u8; 40]>,
    pub next_nonce: BTreeMap<u8, i64>,
    pub positions: BTreeMap<i16, FakePosition>,
    /// The scripted liquidity provider: no margin checks.
    pub unlimited: bool,
}

#[derive(Debug, Clone)]
pub struct FakeOrder {
    pub order_index: i64,
    pub client_order_index: i64,
    pub market: i16,
    pub account: i64,
    pub is_ask: bool,
    pub price: u32,
    pub initial: i64,
    pub remaining: i64,
    pub filled: i64,
    pub filled_quote: Decimal,
    pub order_type: u8,
    pub tif: u8,
    pub reduce_only: bool,
    pub expiry: i64,
    pub status: &'static str,
    pub nonce: i64,
    pub created_ms: i64,
    pub updated_ms: i64,
}

impl FakeOrder {
    pub fn is_open(&self) -> bool {
        self.status == "open"
    }
}

#[derive(Debug, Clone)]
pub struct TradeRow {
    pub trade_id: i64,
    pub tx_hash: String,
    pub market: i16,
    pub size: i64,
    pub price: u32,
    pub ask_id: i64,
    pub bid_id: i64,
    pub ask_client_id: i64,
    pub bid_client_id: i64,
    pub ask_account: i64,
    pub bid_account: i64,
    pub is_maker_ask: bool,
    pub timestamp_ms: i64,
}

#[derive(Debug, Clone)]
pub struct PositionFundingRow {
    pub account: i64,
    pub timestamp_s: i64,
    pub market: i16,
    pub funding_id: i64,
    pub change: Decimal,
    pub rate: String,
    pub size: Decimal,
    pub long: bool,
}

#[derive(Debug, Clone)]
pub struct FundingRow {
    pub timestamp_s: i64,
    pub value: Decimal,
    pub rate: Decimal,
    pub longs_paid: bool,
}

/// Price-time priority: price ticks → order indexes in arrival order.
#[derive(Debug, Clone, Default)]
pub struct Book {
    pub bids: BTreeMap<u32, VecDeque<i64>>,
    pub asks: BTreeMap<u32, VecDeque<i64>>,
    pub nonce: i64,
}

impl Book {
    pub fn side(&mut self, is_ask: bool) -> &mut BTreeMap<u32, VecDeque<i64>> {
        if is_ask { &mut self.asks } else { &mut self.bids }
    }

    pub fn remove(&mut self, is_ask: bool, price: u32, order_index: i64) {
        let side = self.side(is_ask);
        if let Some(q) = side.get_mut(&price) {
            q.retain(|o| *o != order_index);
            if q.is_empty() {
                side.remove(&price);
            }
        }
    }
}

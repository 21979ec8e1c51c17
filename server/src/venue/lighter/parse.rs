//! Lighter wire types → domain types. Every function returns a `ParseError` value on
//! malformed input (a bad decimal, an unknown enum string, an out-of-range id); nothing here
//! panics, which the proptests in `tests/lighter/parsers.rs` hold it to.
//!
//! Market-level conversions live here; account-level ones (orders, fills, positions,
//! funding payments) in [`account`].

pub mod account;

use std::str::FromStr;

use app::market::{BookLevel, Market, MarketFilters, SettledFunding};
use app::{FundingRate, Price, Qty, Symbol, TimestampMs, Usd, Venue};
use rust_decimal::Decimal;

use super::wire;
use super::wire::ws;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("{field}: {value:?} is not a decimal")]
    Decimal { field: &'static str, value: String },
    #[error("{field}: {value} is out of range")]
    Range { field: &'static str, value: String },
    #[error("{field}: unknown value {value:?}")]
    Unknown { field: &'static str, value: String },
    #[error("malformed JSON: {0}")]
    Json(String),
}

impl From<serde_json::Error> for ParseError {
    fn from(e: serde_json::Error) -> Self {
        ParseError::Json(e.to_string())
    }
}

/// An exact decimal from a wire string ("0.0012", "-3", or scientific "1e-5").
pub fn dec(field: &'static str, text: &str) -> Result<Decimal, ParseError> {
    let t = text.trim();
    Decimal::from_str(t)
        .or_else(|_| Decimal::from_scientific(t))
        .map_err(|_| ParseError::Decimal { field, value: text.chars().take(40).collect() })
}

/// Market ids are at least `u16` on the wire (ids above 4095 exist); the signer takes `i16`.
pub fn market_id(value: i64) -> Result<i16, ParseError> {
    i16::try_from(value)
        .ok()
        .filter(|m| *m >= 0)
        .ok_or(ParseError::Range { field: "market_id", value: value.to_string() })
}

pub fn symbol(text: &str) -> Result<Symbol, ParseError> {
    Symbol::new(text).map_err(|_| ParseError::Unknown { field: "symbol", value: text.chars().take(40).collect() })
}

/// What the connector needs to know about one perp market, from `orderBookDetails`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LighterMarket {
    pub market_id: i16,
    pub symbol: Symbol,
    pub size_decimals: u32,
    pub price_decimals: u32,
    pub min_base: Decimal,
    pub min_quote: Decimal,
    /// Fractions (the wire gives percent strings).
    pub maker_fee: Decimal,
    pub taker_fee: Decimal,
    /// In 1/10000: 500 = 5 % ⇒ 20×.
    pub min_initial_margin_fraction: u32,
    pub default_initial_margin_fraction: u32,
}

/// Prices and sizes carry at most this many decimals on Lighter (and `Decimal` holds 28).
const MAX_DECIMALS: u32 = 18;

impl LighterMarket {
    pub fn tick(&self) -> Decimal {
        Decimal::new(1, self.price_decimals)
    }

    pub fn step(&self) -> Decimal {
        Decimal::new(1, self.size_decimals)
    }

    pub fn max_leverage(&self) -> u32 {
        10_000u32.checked_div(self.min_initial_margin_fraction).unwrap_or(1).max(1)
    }

    pub fn to_market(&self) -> Market {
        Market {
            venue: Venue::Lighter,
            symbol: self.symbol.clone(),
            venue_symbol: self.market_id.to_string(),
            filters: MarketFilters {
                tick_size: Price(self.tick()),
                step_size: Qty(self.step()),
                min_qty: Qty(self.min_base),
                min_notional: Usd(self.min_quote),
            },
            max_leverage: self.max_leverage(),
            maker_fee: self.maker_fee,
            taker_fee: self.taker_fee,
        }
    }
}

fn margin_fraction(field: &'static str, v: i64) -> Result<u32, ParseError> {
    u32::try_from(v).ok().filter(|f| *f <= 10_000).ok_or(ParseError::Range { field, value: v.to_string() })
}

/// `None` for spot or inactive markets, which the arbitrage never trades.
pub fn market(d: &wire::OrderBookDetail) -> Result<Option<LighterMarket>, ParseError> {
    if d.market_type.as_deref().is_some_and(|t| t != "perp") || d.status.as_deref().is_some_and(|s| s != "active") {
        return Ok(None);
    }
    for (field, v) in [("size_decimals", d.size_decimals), ("price_decimals", d.price_decimals)] {
        if v > MAX_DECIMALS {
            return Err(ParseError::Range { field, value: v.to_string() });
        }
    }
    Ok(Some(LighterMarket {
        market_id: market_id(d.market_id)?,
        symbol: symbol(&d.symbol)?,
        size_decimals: d.size_decimals,
        price_decimals: d.price_decimals,
        min_base: dec("min_base_amount", &d.min_base_amount)?,
        min_quote: dec("min_quote_amount", &d.min_quote_amount)?,
        maker_fee: dec("maker_fee", &d.maker_fee)? / Decimal::ONE_HUNDRED,
        taker_fee: dec("taker_fee", &d.taker_fee)? / Decimal::ONE_HUNDRED,
        min_initial_margin_fraction: margin_fraction("min_initial_margin_fraction", d.min_initial_margin_fraction)?,
        default_initial_margin_fraction: margin_fraction(
            "default_initial_margin_fraction",
            d.default_initial_margin_fraction,
        )?,
    }))
}

/// One `market_stats` frame, normalised: funding as `FundingRate` (hourly fraction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stats {
    pub market_id: i16,
    pub mark: Price,
    pub index: Price,
    /// `current_funding_rate`: what the next top-of-the-hour settlement will charge.
    pub predicted: FundingRate,
    /// `funding_rate`: the last settled rate.
    pub last_settled: FundingRate,
    pub time_ms: TimestampMs,
}

pub fn stats(s: &ws::MarketStats, time_ms: TimestampMs) -> Result<Stats, ParseError> {
    Ok(Stats {
        market_id: market_id(s.market_id)?,
        mark: Price(dec("mark_price", &s.mark_price)?),
        index: Price(dec("index_price", &s.index_price)?),
        predicted: FundingRate::from_percent_per_hour(dec("current_funding_rate", &s.current_funding_rate)?),
        last_settled: FundingRate::from_percent_per_hour(dec("funding_rate", &s.funding_rate)?),
        time_ms,
    })
}

/// `direction` names the side that paid: "long" ⇒ positive rate (longs pay shorts).
pub fn longs_paid(direction: &str) -> Result<bool, ParseError> {
    match direction {
        "long" => Ok(true),
        "short" => Ok(false),
        other => Err(ParseError::Unknown { field: "direction", value: other.chars().take(20).collect() }),
    }
}

/// A `fundings` row (timestamp in seconds, rate a percent-per-hour magnitude).
pub fn settled_funding(row: &wire::FundingRow, symbol: &Symbol) -> Result<SettledFunding, ParseError> {
    let time_ms = row
        .timestamp
        .checked_mul(1000)
        .ok_or(ParseError::Range { field: "timestamp", value: row.timestamp.to_string() })?;
    Ok(SettledFunding {
        venue: Venue::Lighter,
        symbol: symbol.clone(),
        time_ms,
        rate: FundingRate::from_lighter_payment(dec("rate", &row.rate)?, longs_paid(&row.direction)?),
    })
}

/// A price level; `size` 0 means "delete" in book updates.
pub fn level(l: &ws::Level) -> Result<(Decimal, Decimal), ParseError> {
    let price = dec("price", &l.price)?;
    let size = dec("size", &l.size)?;
    if price <= Decimal::ZERO || size < Decimal::ZERO {
        return Err(ParseError::Range { field: "level", value: format!("{price}@{size}") });
    }
    Ok((price, size))
}

/// `orderBookOrders` lists individual orders; aggregate them into levels, best first.
pub fn book_from_orders(resp: &wire::OrderBookOrdersResponse) -> Result<(Vec<BookLevel>, Vec<BookLevel>), ParseError> {
    let side = |orders: &[wire::BookOrder], descending: bool| -> Result<Vec<BookLevel>, ParseError> {
        let mut levels: std::collections::BTreeMap<Decimal, Decimal> = Default::default();
        for o in orders {
            let (p, s) = level(&ws::Level { price: o.price.clone(), size: o.remaining_base_amount.clone() })?;
            *levels.entry(p).or_default() += s;
        }
        let it =
            levels.into_iter().filter(|(_, s)| !s.is_zero()).map(|(p, s)| BookLevel { price: Price(p), qty: Qty(s) });
        Ok(if descending { it.rev().collect() } else { it.collect() })
    };
    Ok((side(&resp.bids, true)?, side(&resp.asks, false)?))
}

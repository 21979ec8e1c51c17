//! Market data: exchangeInfo into markets and rate limits, funding (with its interval), marks
//! and books.

use super::super::limiter::RateLimits;
use super::super::wire::{BookTicker, Depth, ExchangeInfo, Filter, FundingInfoRow, FundingRateRow, PremiumIndex};
use super::{ParseError, checked_div, invalid, symbol_of};
use app::market::{BookLevel, FundingSnapshot, MarkPrice, Market, MarketFilters, OrderBook, SettledFunding, TopOfBook};
use app::{FundingInterval, FundingRate, MS_PER_HOUR, Price, Qty, Symbol, TimestampMs, Usd, Venue};
use rust_decimal::Decimal;
use std::collections::HashMap;

/// What exchangeInfo does not say: fees come from `commissionRate` (per symbol, weight 20) and
/// leverage caps from `leverageBracket`; until those are read, these stand in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarketDefaults {
    pub maker_fee: Decimal,
    pub taker_fee: Decimal,
    pub max_leverage: u32,
}

impl Default for MarketDefaults {
    fn default() -> Self {
        // VIP0 USDT-margined fees (§1.9); 20x is a conservative cap, not Binance's.
        Self { maker_fee: Decimal::new(2, 4), taker_fee: Decimal::new(5, 4), max_leverage: 20 }
    }
}

/// A market plus the extra limits the connector checks before sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketMeta {
    pub market: Market,
    pub max_qty: Qty,
    pub market_max_qty: Qty,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExchangeMeta {
    pub markets: Vec<MarketMeta>,
    pub limits: RateLimits,
}

/// USDT-margined perpetuals that are trading. Symbols we cannot describe (missing filters,
/// unmappable names) are skipped with a warning rather than failing the whole list.
pub fn exchange_info(info: &ExchangeInfo, defaults: MarketDefaults) -> ExchangeMeta {
    let mut meta = ExchangeMeta { markets: Vec::new(), limits: rate_limits(info) };
    for s in &info.symbols {
        if s.contract_type != "PERPETUAL" || s.quote_asset != super::QUOTE || s.status != "TRADING" {
            continue;
        }
        match market(s, defaults) {
            Ok(m) => meta.markets.push(m),
            Err(e) => tracing::warn!(symbol = %s.symbol, error = %e, "skipping binance symbol"),
        }
    }
    meta
}

fn market(s: &super::super::wire::SymbolInfo, d: MarketDefaults) -> Result<MarketMeta, ParseError> {
    let symbol = symbol_of(&s.symbol)?;
    let (mut tick, mut lot, mut market_max, mut notional) = (None, None, None, Decimal::ZERO);
    for f in &s.filters {
        match f {
            Filter::Price { tick_size, .. } => tick = Some(*tick_size),
            Filter::LotSize { min_qty, max_qty, step_size } => lot = Some((*min_qty, *max_qty, *step_size)),
            Filter::MarketLotSize { max_qty, .. } => market_max = Some(*max_qty),
            Filter::MinNotional { notional: n } => notional = *n,
            Filter::Other => {}
        }
    }
    let tick = tick.ok_or_else(|| invalid("filters", "no PRICE_FILTER"))?;
    let (min_qty, max_qty, step) = lot.ok_or_else(|| invalid("filters", "no LOT_SIZE"))?;
    let filters = MarketFilters {
        tick_size: Price(tick),
        step_size: Qty(step),
        min_qty: Qty(min_qty),
        min_notional: Usd(notional),
    };
    let market = Market {
        venue: Venue::Binance,
        symbol,
        venue_symbol: s.symbol.clone(),
        filters,
        max_leverage: d.max_leverage,
        maker_fee: d.maker_fee,
        taker_fee: d.taker_fee,
    };
    Ok(MarketMeta { market, max_qty: Qty(max_qty), market_max_qty: Qty(market_max.unwrap_or(max_qty)) })
}

fn rate_limits(info: &ExchangeInfo) -> RateLimits {
    let mut limits = RateLimits::default();
    for r in &info.rate_limits {
        match (r.rate_limit_type.as_str(), r.interval.as_str(), r.interval_num) {
            ("REQUEST_WEIGHT", "MINUTE", 1) => limits.weight_per_minute = r.limit,
            ("ORDERS", "SECOND", 10) => limits.orders_per_10s = r.limit,
            ("ORDERS", "MINUTE", 1) => limits.orders_per_minute = r.limit,
            _ => {}
        }
    }
    limits
}

/// fundingInfo lists only adjusted symbols; everything absent settles every 8 h.
pub fn funding_intervals(rows: &[FundingInfoRow]) -> HashMap<Symbol, FundingInterval> {
    rows.iter()
        .filter_map(|r| Some((symbol_of(&r.symbol).ok()?, FundingInterval::from_hours(r.funding_interval_hours).ok()?)))
        .collect()
}

pub fn mark_price(p: &PremiumIndex) -> Result<MarkPrice, ParseError> {
    Ok(MarkPrice {
        venue: Venue::Binance,
        symbol: symbol_of(&p.symbol)?,
        mark: Price(p.mark_price),
        index: Price(p.index_price.unwrap_or(p.mark_price)),
        time_ms: p.time,
    })
}

/// `None` for contracts without funding (delivery futures in the all-symbols array).
pub fn funding_snapshot(
    p: &PremiumIndex,
    interval: FundingInterval,
    last_settled: Option<FundingRate>,
) -> Result<Option<FundingSnapshot>, ParseError> {
    let Some(rate) = p.last_funding_rate else { return Ok(None) };
    if p.next_funding_time <= 0 {
        return Ok(None);
    }
    Ok(Some(FundingSnapshot {
        venue: Venue::Binance,
        symbol: symbol_of(&p.symbol)?,
        predicted: FundingRate::new(rate, interval),
        last_settled,
        next_funding_ms: p.next_funding_time,
        time_ms: p.time,
    }))
}

/// Settled rates, oldest first. History rows do not carry their interval and Binance has moved
/// symbols between 8 h and 4 h, so each row's interval is the gap to the previous settlement
/// (rounded to whole hours, since settlement can run a minute late) when that gap is a valid
/// interval, and `current` otherwise.
pub fn settled_funding(rows: &[FundingRateRow], current: FundingInterval) -> Result<Vec<SettledFunding>, ParseError> {
    let mut sorted: Vec<&FundingRateRow> = rows.iter().collect();
    sorted.sort_by_key(|r| r.funding_time);
    let mut out = Vec::with_capacity(sorted.len());
    let mut prev: Option<TimestampMs> = None;
    for r in sorted {
        let interval = prev.and_then(|p| interval_from_gap(r.funding_time.saturating_sub(p))).unwrap_or(current);
        out.push(SettledFunding {
            venue: Venue::Binance,
            symbol: symbol_of(&r.symbol)?,
            time_ms: r.funding_time,
            rate: FundingRate::new(r.funding_rate, interval),
        });
        prev = Some(r.funding_time);
    }
    Ok(out)
}

/// A gap counts as an interval only if it is within a few minutes of 1, 2, 4 or 8 hours; any
/// other gap (a missing row, an off-grid settlement) says nothing about the interval.
fn interval_from_gap(gap_ms: i64) -> Option<FundingInterval> {
    const TOLERANCE_MS: i64 = 5 * 60_000;
    let hours = gap_ms.saturating_add(MS_PER_HOUR / 2) / MS_PER_HOUR;
    let off = gap_ms.saturating_sub(hours.saturating_mul(MS_PER_HOUR)).saturating_abs();
    let hours = u32::try_from(hours).ok()?;
    (off <= TOLERANCE_MS && matches!(hours, 1 | 2 | 4 | 8)).then(|| FundingInterval::from_hours(hours).ok()).flatten()
}

pub fn top_of_book(b: &BookTicker) -> Result<TopOfBook, ParseError> {
    Ok(TopOfBook {
        venue: Venue::Binance,
        symbol: symbol_of(&b.symbol)?,
        bid: BookLevel { price: Price(b.bid_price), qty: Qty(b.bid_qty) },
        ask: BookLevel { price: Price(b.ask_price), qty: Qty(b.ask_qty) },
        time_ms: b.time,
    })
}

pub fn order_book(d: &Depth, symbol: &Symbol, depth: usize) -> OrderBook {
    let levels = |side: &[(Decimal, Decimal)]| {
        side.iter().take(depth).map(|(p, q)| BookLevel { price: Price(*p), qty: Qty(*q) }).collect()
    };
    OrderBook {
        venue: Venue::Binance,
        symbol: symbol.clone(),
        bids: levels(&d.bids),
        asks: levels(&d.asks),
        time_ms: d.transaction_time,
    }
}

/// Per-hour rate, for logs and sanity checks only: the domain type keeps its interval.
pub fn per_hour(rate: FundingRate) -> Result<Decimal, ParseError> {
    checked_div("fundingRate", rate.rate, Decimal::from(rate.interval.hours()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn row(t: i64) -> FundingRateRow {
        FundingRateRow { symbol: "SOLUSDT".into(), funding_rate: dec!(0.0001), funding_time: t, mark_price: None }
    }

    #[test]
    fn history_interval_follows_the_gaps() {
        let h = MS_PER_HOUR;
        let rows = [row(16 * h + 40_000), row(8 * h), row(20 * h), row(24 * h + 1), row(26 * h + 1_800_000)];
        let out = settled_funding(&rows, FundingInterval::FOUR_HOURS).unwrap();
        let hours: Vec<u32> = out.iter().map(|s| s.rate.interval.hours()).collect();
        assert_eq!(hours, vec![4, 8, 4, 4, 4], "a 2.5 h gap is no interval");
        assert!(out.windows(2).all(|w| w[0].time_ms < w[1].time_ms));
    }
}

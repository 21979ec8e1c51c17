//! Simulated market data as a pure function of (history, seed, time): funding with a moving
//! prediction, mark prices on a seeded Brownian bridge through the recorded marks, a small
//! seeded basis between the venues, and a synthetic book around mark.

use super::history::{History, Series, Settlement};
use super::noise;
use app::market::{BookLevel, FundingSnapshot, MarkPrice, Market, MarketFilters, OrderBook, TopOfBook};
use app::{FundingRate, Price, Qty, Symbol, TimestampMs, Usd, Venue};
use rand_distr::{Distribution, StandardNormal};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use std::collections::HashMap;
use std::sync::Arc;

/// Per-second volatility of the bridge noise: about 3 % a day.
const BRIDGE_VOL_PER_SEC: f64 = 1.0e-4;
/// Depth of each synthetic book level in USD, growing away from the touch.
const LEVEL_USD: i64 = 25_000;
pub const BOOK_LEVELS: usize = 20;

/// The Brownian bridge between two recorded marks, sampled once per simulated second.
struct Bridge {
    start: Settlement,
    end: Settlement,
    /// Bridge noise (dimensionless) per second from `start`.
    shocks: Vec<f64>,
}

pub struct SimMarket {
    venue: Venue,
    history: Arc<History>,
    seed: u64,
    markets: HashMap<Symbol, Market>,
    bridges: HashMap<Symbol, Bridge>,
}

impl SimMarket {
    pub fn new(venue: Venue, history: Arc<History>, seed: u64) -> Self {
        let markets = history
            .binance
            .iter()
            .filter_map(|(sym, series)| {
                let reference = series.0.first()?.mark?;
                Some((sym.clone(), market_spec(venue, sym, reference)))
            })
            .collect();
        Self { venue, history, seed, markets, bridges: HashMap::new() }
    }

    pub fn markets(&self) -> impl Iterator<Item = &Market> {
        self.markets.values()
    }

    pub fn market(&self, symbol: &Symbol) -> Option<&Market> {
        self.markets.get(symbol)
    }

    fn series(&self, symbol: &Symbol) -> Option<&Series> {
        match self.venue {
            Venue::Binance => self.history.binance.get(symbol),
            Venue::Lighter => self.history.lighter.get(symbol),
        }
    }

    /// Settlements of this venue in `(from, to]` for one symbol.
    pub fn settlements(&self, symbol: &Symbol, from: TimestampMs, to: TimestampMs) -> Vec<Settlement> {
        self.series(symbol).map(|s| s.between(from, to)).unwrap_or_default()
    }

    /// Funding state at `t`: the predicted rate drifts from the last settled rate toward the
    /// next recorded one, with seeded noise that changes every `bucket` (Binance publishes every
    /// few seconds, Lighter every minute) and vanishes at settlement.
    pub fn funding(&self, symbol: &Symbol, t: TimestampMs) -> Option<FundingSnapshot> {
        let (last, next) = self.series(symbol)?.around(t)?;
        let bucket_ms = match self.venue {
            Venue::Binance => 5_000,
            Venue::Lighter => 60_000,
        };
        let span = Decimal::from(next.time_ms - last.time_ms);
        let elapsed = Decimal::from(t.div_euclid(bucket_ms) * bucket_ms - last.time_ms).max(Decimal::ZERO);
        let frac = (elapsed / span).min(Decimal::ONE);
        let base = last.rate + (next.rate - last.rate) * frac;
        let amplitude = (next.rate - last.rate).abs() * Decimal::new(15, 2) + next.rate.abs() * Decimal::new(5, 2);
        let u =
            noise::uniform(&[self.seed, self.venue as u64, noise::hash_str(symbol.as_str()), (t / bucket_ms) as u64]);
        let predicted = (base + amplitude * u * (Decimal::ONE - frac)).round_dp(10);
        Some(FundingSnapshot {
            venue: self.venue,
            symbol: symbol.clone(),
            predicted: FundingRate::new(predicted, next.interval),
            last_settled: Some(FundingRate::new(last.rate, last.interval)),
            next_funding_ms: next.time_ms,
            time_ms: t,
        })
    }

    /// Mark and index at `t`. Binance's mark follows the bridge; Lighter's adds a basis.
    pub fn mark(&mut self, symbol: &Symbol, t: TimestampMs) -> Option<MarkPrice> {
        let index = self.bridge_price(symbol, t)?;
        let tick = self.markets.get(symbol)?.filters.tick_size.0;
        let mark = match self.venue {
            Venue::Binance => index,
            Venue::Lighter => index * (Decimal::ONE + self.basis(symbol, t)),
        };
        let round = |p: Decimal| app::market::round_down_to(p, tick);
        Some(MarkPrice {
            venue: self.venue,
            symbol: symbol.clone(),
            mark: Price(round(mark)),
            index: Price(round(index)),
            time_ms: t,
        })
    }

    /// A basis of up to ±5 bp between the venues, interpolated between one-minute knots.
    fn basis(&self, symbol: &Symbol, t: TimestampMs) -> Decimal {
        const KNOT_MS: i64 = 60_000;
        let (k, within) = (t.div_euclid(KNOT_MS), t.rem_euclid(KNOT_MS));
        let at = |k: i64| noise::uniform(&[self.seed, 0xBA515, noise::hash_str(symbol.as_str()), k as u64]);
        let w = Decimal::from(within) / Decimal::from(KNOT_MS);
        (at(k) * (Decimal::ONE - w) + at(k + 1) * w) * Decimal::new(5, 4)
    }

    fn bridge_price(&mut self, symbol: &Symbol, t: TimestampMs) -> Option<Decimal> {
        let (start, end) = self.history.binance.get(symbol)?.around(t)?;
        let stale = self.bridges.get(symbol).is_none_or(|b| b.start.time_ms != start.time_ms);
        if stale {
            let bridge = make_bridge(self.seed, symbol, start, end);
            self.bridges.insert(symbol.clone(), bridge);
        }
        let b = self.bridges.get(symbol)?;
        let (a, z) = (b.start.mark?, b.end.mark?);
        let n = b.shocks.len().saturating_sub(1).max(1);
        let k = (((t - b.start.time_ms) / 1000).max(0) as usize).min(n);
        let w = Decimal::from(k) / Decimal::from(n);
        let shock = Decimal::from_f64(b.shocks[k]).unwrap_or_default().round_dp(10);
        Some(a + (z - a) * w + a * shock)
    }

    pub fn top_of_book(&mut self, symbol: &Symbol, t: TimestampMs) -> Option<TopOfBook> {
        let book = self.order_book(symbol, t, 1)?;
        Some(TopOfBook { venue: self.venue, symbol: symbol.clone(), bid: book.bids[0], ask: book.asks[0], time_ms: t })
    }

    /// A synthetic book: half a basis point each side of mark, levels one basis point apart.
    pub fn order_book(&mut self, symbol: &Symbol, t: TimestampMs, depth: usize) -> Option<OrderBook> {
        let mark = self.mark(symbol, t)?.mark.0;
        let f = &self.markets.get(symbol)?.filters;
        let half = (mark * Decimal::new(5, 5)).max(f.tick_size.0);
        let gap = f.round_price_up(Price(mark * Decimal::new(1, 4))).0.max(f.tick_size.0);
        let bid0 = f.round_price_down(Price(mark - half)).0;
        let ask0 = f.round_price_up(Price(mark + half)).0;
        let level = |i: usize, price: Decimal| {
            let usd = Decimal::from(LEVEL_USD) * (Decimal::ONE + Decimal::from(i) / Decimal::TWO);
            let qty = f.round_qty_down(Qty(usd / price)).0.max(f.step_size.0);
            BookLevel { price: Price(price), qty: Qty(qty) }
        };
        let depth = depth.clamp(1, BOOK_LEVELS);
        let bids = (0..depth).map(|i| level(i, bid0 - gap * Decimal::from(i))).collect();
        let asks = (0..depth).map(|i| level(i, ask0 + gap * Decimal::from(i))).collect();
        Some(OrderBook { venue: self.venue, symbol: symbol.clone(), bids, asks, time_ms: t })
    }
}

fn make_bridge(seed: u64, symbol: &Symbol, start: Settlement, end: Settlement) -> Bridge {
    let n = usize::try_from((end.time_ms - start.time_ms) / 1000).unwrap_or(0).max(1);
    let mut rng = noise::rng(&[seed, 0xB41D6E, noise::hash_str(symbol.as_str()), start.time_ms as u64]);
    let mut walk = Vec::with_capacity(n + 1);
    let mut w = 0.0_f64;
    walk.push(0.0);
    for _ in 0..n {
        let step: f64 = StandardNormal.sample(&mut rng);
        w += step * BRIDGE_VOL_PER_SEC;
        walk.push(w);
    }
    let total = walk[n];
    let shocks = walk.iter().enumerate().map(|(k, w)| w - total * (k as f64 / n as f64)).collect();
    Bridge { start, end, shocks }
}

/// 10^k for a signed k.
fn pow10(k: i32) -> Decimal {
    if k >= 0 { Decimal::from(10i64.pow(k.unsigned_abs())) } else { Decimal::new(1, k.unsigned_abs()) }
}

/// floor(log10(x)) for x > 0.
fn magnitude(x: Decimal) -> i32 {
    let mut k = 0;
    while pow10(k + 1) <= x {
        k += 1;
    }
    while pow10(k) > x && k > -20 {
        k -= 1;
    }
    k
}

/// Filters and fees shaped like each venue's: Binance coarser steps and 0.02 %/0.05 % fees,
/// Lighter finer steps and no fees on standard accounts.
fn market_spec(venue: Venue, symbol: &Symbol, reference: Decimal) -> Market {
    let m = magnitude(reference);
    let (tick_digits, step_usd, min_notional, maker, taker) = match venue {
        Venue::Binance => (5, Decimal::TEN, Decimal::from(5), Decimal::new(2, 4), Decimal::new(5, 4)),
        Venue::Lighter => (6, Decimal::ONE, Decimal::TEN, Decimal::ZERO, Decimal::ZERO),
    };
    let tick = pow10(m - tick_digits);
    let step = pow10(magnitude(step_usd / reference) + 1);
    let venue_symbol = match venue {
        Venue::Binance => format!("{symbol}USDT"),
        Venue::Lighter => symbol.to_string(),
    };
    Market {
        venue,
        symbol: symbol.clone(),
        venue_symbol,
        filters: MarketFilters {
            tick_size: Price(tick),
            step_size: Qty(step),
            min_qty: Qty(step),
            min_notional: Usd(min_notional),
        },
        max_leverage: 20,
        maker_fee: maker,
        taker_fee: taker,
    }
}

#[cfg(test)]
mod tests;

//! Simulated market data as a pure function of (history, seed, time): funding with a moving
//! prediction, mark prices on a seeded Brownian bridge through the recorded marks, a small
//! seeded basis between the venues, and a synthetic book around mark.
//!
//! Everything here is computed on demand for any instant, so that a live simulator (one
//! instant a second) and the backtester (one instant a minute or an hour, a year in seconds)
//! see the same prices at the same times. What makes the latter cheap: the bridge is drawn
//! minute by minute and filled in second by second only where a second is asked for; the
//! current settlement interval is kept per symbol; the book is integer arithmetic on ticks.

mod bridge;
mod grid;
mod prediction;

use super::history::{History, Series, Settlement};
use super::noise;
use crate::fast_map::{FastMap, SymbolSlots};
use app::market::{BookLevel, FundingSnapshot, MarkPrice, Market, MarketFilters, OrderBook, TopOfBook};
use app::{FundingRate, Price, Qty, Symbol, TimestampMs, Usd, Venue};
use bridge::{Bridge, IndexAt};
use grid::Grid;
use rust_decimal::Decimal;
use std::sync::Arc;

/// Depth of each synthetic book level in USD, growing away from the touch.
const LEVEL_USD: i64 = 25_000;
pub const BOOK_LEVELS: usize = 20;

/// The settlement interval `t` falls in, with what the prediction needs precomputed.
struct Interval {
    last: Settlement,
    next: Settlement,
    /// `(next.rate - last.rate) / span` per millisecond.
    slope: Decimal,
    /// The noise amplitude per millisecond left before settlement.
    amplitude: Decimal,
    /// The symbol's noise key (`noise::hash_str`), kept so a step need not hash its name.
    symbol_key: u64,
    /// The same prediction in integers, where it gives the decimal one exactly.
    exact: Option<prediction::Exact>,
}

impl Interval {
    fn new(symbol: &Symbol, last: Settlement, next: Settlement) -> Self {
        let span = Decimal::from((next.time_ms - last.time_ms).max(1));
        let amplitude = (next.rate - last.rate).abs() * Decimal::new(15, 2) + next.rate.abs() * Decimal::new(5, 2);
        let symbol_key = noise::hash_str(symbol.as_str());
        let exact = prediction::Exact::new(last.rate, next.rate, next.time_ms - last.time_ms);
        Self { slope: (next.rate - last.rate) / span, amplitude: amplitude / span, last, next, symbol_key, exact }
    }

    /// The prediction in decimals (`prediction` gives the same in integers where it can).
    fn decimal_prediction(&self, elapsed: i64, left: i64, u_micros: i64) -> Decimal {
        let base = self.last.rate + self.slope * Decimal::from(elapsed);
        let rate = base + self.amplitude * Decimal::from(left) * Decimal::new(u_micros, 6);
        app::money::round_dp(rate, 10)
    }

    fn contains(&self, t: TimestampMs) -> bool {
        self.last.time_ms <= t && t < self.next.time_ms
    }
}

pub struct SimMarket {
    venue: Venue,
    history: Arc<History>,
    seed: u64,
    markets: FastMap<Symbol, Market>,
    grids: FastMap<Symbol, Grid>,
    /// The symbols, sorted: everything published per symbol goes in this order.
    symbols: Vec<Symbol>,
    /// Each symbol's grid and its current bridge.
    bridges: SymbolSlots<Option<(Grid, Bridge)>>,
    intervals: SymbolSlots<Option<Interval>>,
    /// The strategy sees only settled rates: the prediction is the last settled rate.
    settled_only: bool,
}

impl SimMarket {
    pub fn new(venue: Venue, history: Arc<History>, seed: u64) -> Self {
        let markets: FastMap<Symbol, Market> = history
            .binance
            .iter()
            .filter_map(|(sym, series)| {
                let reference = series.0.iter().find_map(|s| s.mark)?;
                Some((sym.clone(), market_spec(venue, sym, reference)))
            })
            .collect();
        let grids = markets.iter().map(|(s, m)| (s.clone(), Grid::of(&m.filters))).collect();
        let mut symbols: Vec<Symbol> = markets.keys().cloned().collect();
        symbols.sort();
        Self {
            venue,
            history,
            seed,
            markets,
            grids,
            symbols,
            bridges: SymbolSlots::default(),
            intervals: SymbolSlots::default(),
            settled_only: false,
        }
    }

    pub fn venue(&self) -> Venue {
        self.venue
    }

    /// Publish the last settled rate as the prediction (the backtester's strict mode).
    pub fn settled_only(mut self, on: bool) -> Self {
        self.settled_only = on;
        self
    }

    /// Keep only these symbols (a backtest over a few of them).
    pub fn restrict(&mut self, keep: &[Symbol]) {
        self.markets.retain(|s, _| keep.contains(s));
        self.symbols.retain(|s| keep.contains(s));
    }

    pub fn markets(&self) -> impl Iterator<Item = &Market> {
        self.symbols.iter().filter_map(|s| self.markets.get(s))
    }

    pub fn symbols(&self) -> &[Symbol] {
        &self.symbols
    }

    pub fn market(&self, symbol: &Symbol) -> Option<&Market> {
        self.markets.get(symbol)
    }

    fn series(&self, symbol: &Symbol) -> Option<&Series> {
        series_of(&self.history, self.venue, symbol)
    }

    /// Settlements of this venue in `(from, to]` for one symbol.
    pub fn settlements(&self, symbol: &Symbol, from: TimestampMs, to: TimestampMs) -> Vec<Settlement> {
        let looped = self.history.looped;
        self.series(symbol).map(|s| s.between(from, to, looped)).unwrap_or_default()
    }

    /// When the next settlement after `t` is due, if the history has one.
    pub fn next_settlement(&mut self, symbol: &Symbol, t: TimestampMs) -> Option<TimestampMs> {
        self.interval(symbol, t).map(|i| i.next.time_ms)
    }

    fn interval(&mut self, symbol: &Symbol, t: TimestampMs) -> Option<&Interval> {
        let place = self.intervals.place_or_new(symbol);
        let slot = self.intervals.at_mut(place);
        if !slot.as_ref().is_some_and(|i| i.contains(t)) {
            let (last, next) = series_of(&self.history, self.venue, symbol)?.around(t, self.history.looped)?;
            *slot = Some(Interval::new(symbol, last, next));
        }
        slot.as_ref()
    }

    /// Funding state at `t`: the predicted rate drifts from the last settled rate toward the
    /// next recorded one, with seeded noise that changes every `bucket` (Binance publishes every
    /// few seconds, Lighter every minute) and vanishes at settlement. In strict mode it is the
    /// last settled rate.
    pub fn funding(&mut self, symbol: &Symbol, t: TimestampMs) -> Option<FundingSnapshot> {
        let (venue, seed, strict) = (self.venue, self.seed, self.settled_only);
        let i = self.interval(symbol, t)?;
        let predicted = if strict {
            FundingRate::new(i.last.rate, i.last.interval)
        } else {
            let bucket_ms = match venue {
                Venue::Binance => 5_000,
                Venue::Lighter => 60_000,
            };
            let span = i.next.time_ms - i.last.time_ms;
            let elapsed = (t.div_euclid(bucket_ms) * bucket_ms - i.last.time_ms).clamp(0, span);
            let u = noise::uniform_micros(&[seed, venue as u64, i.symbol_key, (t / bucket_ms) as u64]);
            let rate = match i.exact.and_then(|e| e.at(elapsed, span - elapsed, u)) {
                Some(rate) => rate,
                None => i.decimal_prediction(elapsed, span - elapsed, u),
            };
            FundingRate::new(rate, i.next.interval)
        };
        Some(FundingSnapshot {
            venue,
            symbol: symbol.clone(),
            predicted,
            last_settled: Some(FundingRate::new(i.last.rate, i.last.interval)),
            next_funding_ms: i.next.time_ms,
            time_ms: t,
        })
    }

    /// Mark and index at `t`. Binance's mark follows the bridge; Lighter's adds a basis.
    pub fn mark(&mut self, symbol: &Symbol, t: TimestampMs) -> Option<MarkPrice> {
        self.marked(symbol, t).map(|m| m.mark)
    }

    /// [`SimMarket::mark`], with what the book around it needs.
    pub fn marked(&mut self, symbol: &Symbol, t: TimestampMs) -> Option<Marked> {
        let (index, symbol_key, grid) = self.index(symbol, t)?;
        let (index, mark, ticks) = match (self.venue, index) {
            (Venue::Binance, IndexAt::Recorded(p)) => (grid.price_down(p), grid.price_down(p), None),
            (Venue::Binance, IndexAt::Bridge(x)) => {
                let ticks = grid.ticks_down_f64(x);
                (grid.price(ticks), grid.price(ticks), Some(ticks))
            }
            (Venue::Lighter, at) => {
                let x = at.as_f64();
                let ticks = grid.ticks_down_f64(x * (1.0 + self.basis(symbol_key, t)));
                (grid.price_down_f64(x), grid.price(ticks), Some(ticks))
            }
        };
        let mark =
            MarkPrice { venue: self.venue, symbol: symbol.clone(), mark: Price(mark), index: Price(index), time_ms: t };
        Some(Marked { mark, ticks, grid })
    }

    /// A basis of up to ±5 bp between the venues, interpolated between one-minute knots.
    /// `symbol_key` is the symbol's `noise::hash_str`.
    fn basis(&self, symbol_key: u64, t: TimestampMs) -> f64 {
        const KNOT_MS: i64 = 60_000;
        let (k, within) = (t.div_euclid(KNOT_MS), t.rem_euclid(KNOT_MS));
        let at = |k: i64| noise::uniform_f64(&[self.seed, 0xBA515, symbol_key, k as u64]);
        let w = within as f64 / KNOT_MS as f64;
        (at(k) * (1.0 - w) + at(k + 1) * w) * 5.0e-4
    }

    /// The index on the bridge through the recorded marks around `t`, and the symbol's noise
    /// key.
    /// The symbol's grid beside it (kept with the bridge: one lookup for both).
    fn index(&mut self, symbol: &Symbol, t: TimestampMs) -> Option<(IndexAt, u64, Grid)> {
        let place = self.bridges.place_or_new(symbol);
        let slot = self.bridges.at_mut(place);
        if let Some((grid, b)) = slot
            && b.covers(t)
        {
            return Some((b.at(t), b.symbol_key(), *grid));
        }
        let grid = *self.grids.get(symbol)?;
        let (start, end) = self.history.binance.get(symbol)?.around(t, self.history.looped)?;
        let bridge = Bridge::new(self.seed, symbol, &start, &end)?;
        let (grid, b) = slot.insert((grid, bridge));
        Some((b.at(t), b.symbol_key(), *grid))
    }

    pub fn top_of_book(&mut self, symbol: &Symbol, t: TimestampMs) -> Option<TopOfBook> {
        let mark = self.mark(symbol, t)?;
        self.top_at(&mark)
    }

    /// The top of the book around an already computed mark (a tick publishes both).
    pub fn top_at(&self, mark: &MarkPrice) -> Option<TopOfBook> {
        let (grid, m, half, _) = self.ladder(mark)?;
        Some(top(self.venue, mark, grid, m, half))
    }

    /// [`SimMarket::top_at`] around a mark made by [`SimMarket::marked`]: no grid to look up
    /// and, where the mark was made in ticks, no conversion back.
    pub fn top_at_marked(&self, marked: &Marked) -> Option<TopOfBook> {
        let Some(m) = marked.ticks else { return self.top_at(&marked.mark) };
        Some(top(self.venue, &marked.mark, &marked.grid, m, half_spread(m)))
    }

    /// A synthetic book: half a basis point each side of mark, levels one basis point apart.
    pub fn order_book(&mut self, symbol: &Symbol, t: TimestampMs, depth: usize) -> Option<OrderBook> {
        let mark = self.mark(symbol, t)?;
        self.book_at(&mark, depth)
    }

    /// In ticks: the touch is mark ± max(0.5 bp, one tick) rounded outward, levels are
    /// max(1 bp, one tick) apart, and each level holds `LEVEL_USD × (1 + i/2)` worth, rounded
    /// down to the step (at least one step).
    fn book_at(&self, mark: &MarkPrice, depth: usize) -> Option<OrderBook> {
        let (grid, m, half, gap) = self.ladder(mark)?;
        let depth = depth.clamp(1, BOOK_LEVELS) as i64;
        let bids = (0..depth).map(|i| level(grid, i, m - half - gap * i)).collect();
        let asks = (0..depth).map(|i| level(grid, i, m + half + gap * i)).collect();
        Some(OrderBook { venue: self.venue, symbol: mark.symbol.clone(), bids, asks, time_ms: mark.time_ms })
    }

    /// The symbol's grid, the mark in ticks, the touch's distance from it and the levels' gap.
    fn ladder(&self, mark: &MarkPrice) -> Option<(&Grid, i64, i64, i64)> {
        let grid = self.grids.get(&mark.symbol)?;
        let m = grid.ticks(mark.mark.0)?;
        Some((grid, m, half_spread(m), ceil_div(m, 10_000).max(1)))
    }
}

/// A venue's recorded series of a symbol (a free function, so that it can be read while a
/// slot of the market is borrowed).
fn series_of<'h>(history: &'h History, venue: Venue, symbol: &Symbol) -> Option<&'h Series> {
    match venue {
        Venue::Binance => history.binance.get(symbol),
        Venue::Lighter => history.lighter.get(symbol),
    }
}

/// A mark as [`SimMarket::marked`] made it: in whole ticks when it was made from them, and its
/// symbol's grid, so that the book around it needs neither a lookup nor a conversion back.
pub struct Marked {
    pub mark: MarkPrice,
    ticks: Option<i64>,
    grid: Grid,
}

/// The touch's distance from a mark of `m` ticks: half a basis point, at least one tick.
fn half_spread(m: i64) -> i64 {
    ceil_div(m * 5, 100_000).max(1)
}

fn top(venue: Venue, mark: &MarkPrice, grid: &Grid, m: i64, half: i64) -> TopOfBook {
    let (bid, ask) = (level(grid, 0, m - half), level(grid, 0, m + half));
    TopOfBook { venue, symbol: mark.symbol.clone(), bid, ask, time_ms: mark.time_ms }
}

/// Level `i` of a side (0 is the touch) at `ticks`.
fn level(grid: &Grid, i: i64, ticks: i64) -> BookLevel {
    let usd = i128::from(LEVEL_USD / 2) * i128::from(2 + i);
    BookLevel { price: Price(grid.price(ticks)), qty: Qty(grid.qty_for(usd, ticks)) }
}

fn ceil_div(a: i64, b: i64) -> i64 {
    (a + b - 1).div_euclid(b)
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

//! A year of real settled funding (Binance USDⓈ-M; Hyperliquid standing in for Lighter),
//! embedded in the binary and looped onto the present.
//!
//! Recorded time maps onto simulated time by a whole number of 365-day cycles counted from
//! midnight UTC, so settlements keep their time of day (00/08/16 UTC for 8 h symbols).

use app::{FundingInterval, MS_PER_HOUR, Symbol, TimestampMs};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

const BINANCE_CSV: &str = include_str!("../../../data/funding/binance_funding.csv");
const HYPERLIQUID_CSV: &str = include_str!("../../../data/funding/hyperliquid_funding.csv");

/// 2025-08-21T00:00:00Z, the day the recordings start.
pub const ORIGIN_MS: TimestampMs = 1_755_734_400_000;
/// The loop length: 365 days.
pub const PERIOD_MS: TimestampMs = 365 * 24 * MS_PER_HOUR;

#[derive(Debug, Clone, PartialEq)]
pub struct Settlement {
    /// Recorded settlement time, snapped to the hour (the venues stamp a few ms late).
    pub time_ms: TimestampMs,
    /// Fraction per `interval`, positive: longs pay shorts.
    pub rate: Decimal,
    pub interval: FundingInterval,
    /// Mark price at settlement (Binance only).
    pub mark: Option<Decimal>,
}

/// One symbol's recorded settlements, sorted by time.
#[derive(Debug, Clone, Default)]
pub struct Series(pub Vec<Settlement>);

impl Series {
    /// The settlements around simulated time `t`: the last at or before it and the first after
    /// it. A looped history wraps across the end of the recording (expressed in simulated
    /// time); one that is not has nothing before its first or after its last settlement.
    pub fn around(&self, t: TimestampMs, looped: bool) -> Option<(Settlement, Settlement)> {
        if !looped {
            let idx = self.0.partition_point(|s| s.time_ms <= t);
            return Some((self.0.get(idx.checked_sub(1)?)?.clone(), self.0.get(idx)?.clone()));
        }
        let first = self.0.first()?;
        let cycle = (t - ORIGIN_MS).div_euclid(PERIOD_MS);
        let shift = cycle * PERIOD_MS;
        let rec_t = t - shift;
        let idx = self.0.partition_point(|s| s.time_ms <= rec_t);
        let at = |s: &Settlement, by: TimestampMs| Settlement { time_ms: s.time_ms + by, ..s.clone() };
        let last = self.0.last()?;
        let prev = if idx == 0 { at(last, shift - PERIOD_MS) } else { at(&self.0[idx - 1], shift) };
        let next = match self.0.get(idx) {
            Some(s) => at(s, shift),
            None => at(first, shift + PERIOD_MS),
        };
        Some((prev, next))
    }

    /// Every settlement in the simulated window `(from, to]`, in order.
    pub fn between(&self, from: TimestampMs, to: TimestampMs, looped: bool) -> Vec<Settlement> {
        if !looped {
            let start = self.0.partition_point(|s| s.time_ms <= from);
            let end = self.0.partition_point(|s| s.time_ms <= to);
            return self.0.get(start..end.max(start)).map(<[Settlement]>::to_vec).unwrap_or_default();
        }
        let mut out = Vec::new();
        let mut t = from;
        while let Some((_, next)) = self.around(t, true) {
            if next.time_ms > to {
                break;
            }
            t = next.time_ms;
            out.push(next);
        }
        out
    }

    /// The first and last recorded settlement times.
    pub fn span(&self) -> Option<(TimestampMs, TimestampMs)> {
        Some((self.0.first()?.time_ms, self.0.last()?.time_ms))
    }

    fn tidy(&mut self) {
        self.0.sort_by_key(|s| s.time_ms);
        self.0.dedup_by_key(|s| s.time_ms);
    }
}

#[derive(Debug, Clone, Default)]
pub struct History {
    pub binance: BTreeMap<Symbol, Series>,
    pub lighter: BTreeMap<Symbol, Series>,
    /// Replayed in 365-day cycles onto any time (the live simulators); otherwise it holds only
    /// between its first and last settlement (the backtester).
    pub looped: bool,
}

/// One settlement of one venue, from an import or the collector's records.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub venue: app::Venue,
    pub symbol: Symbol,
    pub settlement: Settlement,
}

#[derive(Debug, thiserror::Error)]
#[error("funding history line {line}: {message}")]
pub struct HistoryError {
    pub line: usize,
    pub message: String,
}

impl History {
    /// The embedded recordings, parsed once per process and shared.
    pub fn embedded() -> Result<Arc<History>, HistoryError> {
        static PARSED: OnceLock<Arc<History>> = OnceLock::new();
        if let Some(h) = PARSED.get() {
            return Ok(h.clone());
        }
        let h = Arc::new(Self::parse_embedded()?);
        Ok(PARSED.get_or_init(|| h).clone())
    }

    /// The embedded recordings, restricted to coins that both venues list.
    fn parse_embedded() -> Result<History, HistoryError> {
        let mut h =
            History { binance: parse_binance(BINANCE_CSV)?, lighter: parse_hourly(HYPERLIQUID_CSV)?, looped: true };
        h.keep_common();
        Ok(h)
    }

    /// Only coins that both venues list.
    fn keep_common(&mut self) {
        self.binance.retain(|s, _| self.lighter.contains_key(s));
        let binance = &self.binance;
        self.lighter.retain(|s, _| binance.contains_key(s));
    }

    pub fn symbols(&self) -> Vec<Symbol> {
        self.binance.keys().cloned().collect()
    }

    /// This history, not looped, with `extra` settlements added where it has none at that time
    /// (its own recordings win). A Binance settlement without a mark takes the last recorded
    /// mark before it (or the first after it), so that the price bridge stays defined.
    pub fn extended(&self, extra: impl IntoIterator<Item = Recorded>) -> History {
        let mut h = History { binance: self.binance.clone(), lighter: self.lighter.clone(), looped: false };
        for r in extra {
            let map = match r.venue {
                app::Venue::Binance => &mut h.binance,
                app::Venue::Lighter => &mut h.lighter,
            };
            let series = map.entry(r.symbol).or_default();
            if series.0.binary_search_by_key(&r.settlement.time_ms, |s| s.time_ms).is_err() {
                series.0.push(r.settlement);
            }
        }
        for series in h.binance.values_mut().chain(h.lighter.values_mut()) {
            series.tidy();
        }
        for series in h.binance.values_mut() {
            let first = series.0.iter().find_map(|s| s.mark);
            let mut last = first;
            for s in &mut series.0 {
                match s.mark {
                    Some(m) => last = Some(m),
                    None => s.mark = last,
                }
            }
        }
        h.keep_common();
        h
    }

    /// The window every listed symbol covers on both venues, if they overlap at all.
    pub fn coverage(&self, symbols: &[Symbol]) -> Option<(TimestampMs, TimestampMs)> {
        let mut window = (TimestampMs::MIN, TimestampMs::MAX);
        for s in symbols {
            for series in [self.binance.get(s)?, self.lighter.get(s)?] {
                let (first, last) = series.span()?;
                window = (window.0.max(first), window.1.min(last));
            }
        }
        (window.0 < window.1).then_some(window)
    }
}

fn snap_to_hour(t: TimestampMs) -> TimestampMs {
    (t + MS_PER_HOUR / 2).div_euclid(MS_PER_HOUR) * MS_PER_HOUR
}

/// Parses decimals as the recordings write them, scientific notation included ("-7.45e-06").
pub fn parse_decimal(s: &str) -> Option<Decimal> {
    let s = s.trim();
    if s.contains(['e', 'E']) { Decimal::from_scientific(s).ok() } else { Decimal::from_str(s).ok() }
}

fn err(line: usize, message: impl Into<String>) -> HistoryError {
    HistoryError { line, message: message.into() }
}

/// The header of Binance's history files (as embedded), and of Lighter's (Hyperliquid's).
pub const BINANCE_HEADER: &str = "symbol,fundingTime,fundingRate,markPrice,intervalHours";
pub const HOURLY_HEADER: &str = "coin,time,fundingRate";

/// `symbol,fundingTime,fundingRate,markPrice,intervalHours`; USDT-margined contracts only.
pub fn parse_binance(csv: &str) -> Result<BTreeMap<Symbol, Series>, HistoryError> {
    let mut out: BTreeMap<Symbol, Series> = BTreeMap::new();
    for (i, line) in csv.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let [sym, time, rate, mark, hours] = f[..] else {
            return Err(err(i + 1, "expected 5 columns"));
        };
        let Some(base) = sym.strip_suffix("USDT") else {
            continue;
        };
        let symbol = Symbol::new(base).map_err(|e| err(i + 1, e.to_string()))?;
        let time: i64 = time.parse().map_err(|_| err(i + 1, "bad fundingTime"))?;
        let rate = parse_decimal(rate).ok_or_else(|| err(i + 1, "bad fundingRate"))?;
        let mark = parse_decimal(mark).ok_or_else(|| err(i + 1, "bad markPrice"))?;
        let hours = parse_decimal(hours).and_then(|h| u32::try_from(h.trunc().mantissa()).ok());
        let interval =
            hours.and_then(|h| FundingInterval::from_hours(h).ok()).ok_or_else(|| err(i + 1, "bad intervalHours"))?;
        let s = Settlement { time_ms: snap_to_hour(time), rate, interval, mark: Some(mark) };
        out.entry(symbol).or_default().0.push(s);
    }
    for series in out.values_mut() {
        series.tidy();
    }
    Ok(out)
}

/// `coin,time,fundingRate` with hourly rates.
pub fn parse_hourly(csv: &str) -> Result<BTreeMap<Symbol, Series>, HistoryError> {
    let mut out: BTreeMap<Symbol, Series> = BTreeMap::new();
    for (i, line) in csv.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let [coin, time, rate] = f[..] else {
            return Err(err(i + 1, "expected 3 columns"));
        };
        let symbol = Symbol::new(coin).map_err(|e| err(i + 1, e.to_string()))?;
        let time: i64 = time.parse().map_err(|_| err(i + 1, "bad time"))?;
        let rate = parse_decimal(rate).ok_or_else(|| err(i + 1, "bad fundingRate"))?;
        let s = Settlement { time_ms: snap_to_hour(time), rate, interval: FundingInterval::HOURLY, mark: None };
        out.entry(symbol).or_default().0.push(s);
    }
    for series in out.values_mut() {
        series.tidy();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn embedded_history_covers_the_common_coins() {
        let h = History::embedded().unwrap();
        let btc = Symbol::new("BTC").unwrap();
        assert_eq!(h.symbols().len(), 18, "{:?}", h.symbols());
        assert!(h.binance[&btc].0.len() > 1000);
        assert!(h.lighter[&btc].0.len() > 8000);
        // TIA switched to 4 h during the year; the interval is kept per settlement.
        let tia = &h.binance[&Symbol::new("TIA").unwrap()];
        assert!(tia.0.iter().any(|s| s.interval == FundingInterval::FOUR_HOURS));
    }

    #[test]
    fn scientific_notation_parses_exactly() {
        assert_eq!(parse_decimal("-7.45e-06"), Some(dec!(-0.00000745)));
        assert_eq!(parse_decimal("0.0001"), Some(dec!(0.0001)));
        assert_eq!(parse_decimal("x"), None);
    }

    #[test]
    fn the_year_loops_onto_the_present() {
        let h = History::embedded().unwrap();
        let btc = &h.binance[&Symbol::new("BTC").unwrap()];
        let first = btc.0[0].clone();
        let (_, next) = btc.around(ORIGIN_MS + 1, true).unwrap();
        assert_eq!(next, first);
        // Ten cycles later the same recorded settlement comes back, same time of day.
        let (_, later) = btc.around(ORIGIN_MS + 10 * PERIOD_MS + 1, true).unwrap();
        assert_eq!(later.time_ms, first.time_ms + 10 * PERIOD_MS);
        assert_eq!(later.rate, first.rate);
        assert_eq!(later.time_ms % (8 * MS_PER_HOUR), 0);
        // Settlements between two points are consecutive and strictly increasing.
        let window = btc.between(ORIGIN_MS + PERIOD_MS - 2 * 86_400_000, ORIGIN_MS + PERIOD_MS + 86_400_000, true);
        assert!(window.windows(2).all(|w| w[0].time_ms < w[1].time_ms));
        assert!(window.len() >= 8, "{}", window.len());
    }
}

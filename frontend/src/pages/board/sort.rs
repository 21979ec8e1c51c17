//! Sorting the funding board: one key per column, a direction, and an order in which rows
//! missing the value (a venue that does not list the symbol) always come last.

use app::api::FundingRow;
use app::{SpreadDirection, Venue};
use rust_decimal::Decimal;
use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Symbol,
    PerHour(Venue),
    Apr(Venue),
    Interval(Venue),
    Next(Venue),
    SpreadPerHour,
    SpreadApr,
    Direction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortDir {
    Asc,
    Desc,
}

impl SortDir {
    pub fn flipped(self) -> Self {
        match self {
            SortDir::Asc => SortDir::Desc,
            SortDir::Desc => SortDir::Asc,
        }
    }

    pub fn aria(self) -> &'static str {
        match self {
            SortDir::Asc => "ascending",
            SortDir::Desc => "descending",
        }
    }

    pub fn arrow(self) -> &'static str {
        match self {
            SortDir::Asc => "▲",
            SortDir::Desc => "▼",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub key: SortKey,
    pub dir: SortDir,
}

impl Default for Sort {
    /// Best opportunity first.
    fn default() -> Self {
        Sort { key: SortKey::SpreadApr, dir: SortDir::Desc }
    }
}

impl Sort {
    /// A click on a column header: the same column flips, another starts in its natural
    /// direction.
    pub fn clicked(self, key: SortKey) -> Sort {
        if self.key == key { Sort { key, dir: self.dir.flipped() } } else { Sort { key, dir: key.first_dir() } }
    }

    pub fn compare(&self, a: &FundingRow, b: &FundingRow) -> Ordering {
        let primary = match self.key {
            SortKey::Symbol => directed(a.symbol.cmp(&b.symbol), self.dir),
            key => match (key.value(a), key.value(b)) {
                (Some(x), Some(y)) => directed(x.cmp(&y), self.dir),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
        };
        primary.then_with(|| a.symbol.cmp(&b.symbol))
    }
}

fn directed(o: Ordering, dir: SortDir) -> Ordering {
    match dir {
        SortDir::Asc => o,
        SortDir::Desc => o.reverse(),
    }
}

impl SortKey {
    /// The `data-sort` attribute of the column header (stable: tests select on it).
    pub fn id(self) -> String {
        match self {
            SortKey::Symbol => "symbol".into(),
            SortKey::PerHour(v) => format!("{v}-per-hour"),
            SortKey::Apr(v) => format!("{v}-apr"),
            SortKey::Interval(v) => format!("{v}-interval"),
            SortKey::Next(v) => format!("{v}-next"),
            SortKey::SpreadPerHour => "spread-per-hour".into(),
            SortKey::SpreadApr => "spread-apr".into(),
            SortKey::Direction => "direction".into(),
        }
    }

    /// Names and the soonest settlement read best ascending; rates biggest first.
    fn first_dir(self) -> SortDir {
        match self {
            SortKey::Symbol | SortKey::Next(_) | SortKey::Direction => SortDir::Asc,
            _ => SortDir::Desc,
        }
    }

    fn value(self, row: &FundingRow) -> Option<Decimal> {
        match self {
            SortKey::Symbol => None,
            SortKey::PerHour(v) => row.venue(v).map(|f| f.per_hour),
            SortKey::Apr(v) => row.venue(v).map(|f| f.apr),
            SortKey::Interval(v) => row.venue(v).map(|f| Decimal::from(f.rate.interval.hours())),
            SortKey::Next(v) => row.venue(v).map(|f| Decimal::from(f.next_funding_ms)),
            SortKey::SpreadPerHour => row.spread.map(|s| s.per_hour),
            SortKey::SpreadApr => row.spread.map(|s| s.apr),
            SortKey::Direction => row.spread.map(|s| match s.direction {
                SpreadDirection::LongLighterShortBinance => Decimal::ZERO,
                SpreadDirection::LongBinanceShortLighter => Decimal::ONE,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::api::VenueFunding;
    use app::{FundingInterval, FundingRate, Symbol};

    fn venue(v: Venue, rate: &str, hours: u32) -> VenueFunding {
        let rate = FundingRate::new(rate.parse().unwrap(), FundingInterval::from_hours(hours).unwrap());
        VenueFunding {
            venue: v,
            rate,
            per_hour: rate.per_hour(),
            apr: rate.apr(),
            last_settled: None,
            next_funding_ms: 0,
            mark_price: None,
            updated_ms: 0,
        }
    }

    fn row(symbol: &str, binance: Option<&str>, lighter: Option<&str>) -> FundingRow {
        FundingRow::new(
            Symbol::new(symbol).unwrap(),
            binance.map(|r| venue(Venue::Binance, r, 8)),
            lighter.map(|r| venue(Venue::Lighter, r, 1)),
        )
    }

    fn order(sort: Sort, rows: &mut [FundingRow]) -> Vec<String> {
        rows.sort_by(|a, b| sort.compare(a, b));
        rows.iter().map(|r| r.symbol.to_string()).collect()
    }

    #[test]
    fn sorts_by_spread_with_missing_values_last_either_way() {
        let mut rows = [
            row("ETH", Some("0.0001"), Some("0.00001")),
            row("BTC", Some("0.0001"), None),
            row("SOL", Some("0.0008"), Some("-0.00002")),
        ];
        let desc = Sort::default();
        assert_eq!(order(desc, &mut rows), ["SOL", "ETH", "BTC"]);
        let asc = desc.clicked(SortKey::SpreadApr);
        assert_eq!(asc.dir, SortDir::Asc);
        assert_eq!(order(asc, &mut rows), ["ETH", "SOL", "BTC"]);
    }

    #[test]
    fn a_new_column_starts_in_its_natural_direction() {
        let s = Sort::default().clicked(SortKey::Symbol);
        assert_eq!(s, Sort { key: SortKey::Symbol, dir: SortDir::Asc });
        assert_eq!(s.clicked(SortKey::Apr(Venue::Lighter)).dir, SortDir::Desc);
        assert_eq!(SortKey::Apr(Venue::Lighter).id(), "lighter-apr");
        assert_eq!(SortKey::Next(Venue::Binance).id(), "binance-next");
    }

    #[test]
    fn ties_break_by_symbol() {
        let mut rows = [row("XRP", Some("0.0001"), None), row("ADA", Some("0.0001"), None)];
        let s = Sort { key: SortKey::Apr(Venue::Binance), dir: SortDir::Desc };
        assert_eq!(order(s, &mut rows), ["ADA", "XRP"]);
    }
}

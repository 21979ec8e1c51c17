//! Which venue events reach the engine. Account events (orders, fills, payments, positions,
//! connection changes) always do. Market events are sampled, so that the engine's queue and
//! its event log stay a manageable size: funding when the prediction or the next funding time
//! changes, marks and books at most once a second of venue time per venue and symbol.

use crate::fast_map::SymbolSlots;
use crate::venue::VenueEvent;
use app::{TimestampMs, Venue};
use rust_decimal::Decimal;

/// Marks and books closer together than this (venue time) are not passed on.
const EVERY_MS: i64 = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Feed {
    Funding,
    Mark,
    Book,
}

/// Where a feed of a venue is kept among a symbol's `Sampler::last`.
fn slot(feed: Feed, venue: Venue) -> usize {
    feed as usize * 2 + venue.index()
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Seen {
    time_ms: TimestampMs,
    /// Funding: the predicted rate and the next funding time it was passed on with.
    funding: Option<(Decimal, TimestampMs)>,
}

#[derive(Debug, Default)]
pub struct Sampler {
    /// Per symbol, what was last passed on of each feed of each venue (`slot`).
    last: SymbolSlots<[Option<Seen>; 6]>,
}

impl Sampler {
    /// Whether `event` goes to the engine; remembers it when it does.
    pub fn keep(&mut self, event: &VenueEvent) -> bool {
        let (key, seen) = match event {
            VenueEvent::Funding(f) => (
                (Feed::Funding, f.venue, &f.symbol),
                Seen { time_ms: f.time_ms, funding: Some((f.predicted.rate, f.next_funding_ms)) },
            ),
            VenueEvent::Mark(m) => ((Feed::Mark, m.venue, &m.symbol), Seen { time_ms: m.time_ms, funding: None }),
            VenueEvent::Book(b) => ((Feed::Book, b.venue, &b.symbol), Seen { time_ms: b.time_ms, funding: None }),
            _ => return true,
        };
        let (feed, venue, symbol) = key;
        // Seen before is the rule: a lookup, and an insertion only the first time.
        let place = self.last.place_or_new(symbol);
        let slot = &mut self.last.at_mut(place)[slot(feed, venue)];
        let Some(last) = slot else {
            *slot = Some(seen);
            return true;
        };
        let keep =
            if feed == Feed::Funding { last.funding != seen.funding } else { seen.time_ms - last.time_ms >= EVERY_MS };
        if keep {
            *last = seen;
        }
        keep
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::Symbol;
    use app::market::{FundingSnapshot, MarkPrice};
    use app::{FundingInterval, FundingRate, Price};
    use rust_decimal_macros::dec;

    fn eth() -> Symbol {
        Symbol::new("ETH").unwrap()
    }

    fn funding(venue: Venue, rate: Decimal, next: i64, t: i64) -> VenueEvent {
        VenueEvent::Funding(FundingSnapshot {
            venue,
            symbol: eth(),
            predicted: FundingRate::new(rate, FundingInterval::HOURLY),
            last_settled: None,
            next_funding_ms: next,
            time_ms: t,
        })
    }

    fn mark(venue: Venue, t: i64) -> VenueEvent {
        VenueEvent::Mark(MarkPrice {
            venue,
            symbol: eth(),
            mark: Price(dec!(2000)),
            index: Price(dec!(2000)),
            time_ms: t,
        })
    }

    #[test]
    fn funding_passes_when_it_changes() {
        let mut s = Sampler::default();
        let cases = [
            (funding(Venue::Lighter, dec!(0.0001), 3_600_000, 0), true),
            (funding(Venue::Lighter, dec!(0.0001), 3_600_000, 10), false),
            (funding(Venue::Binance, dec!(0.0001), 3_600_000, 10), true),
            (funding(Venue::Lighter, dec!(0.0002), 3_600_000, 20), true),
            (funding(Venue::Lighter, dec!(0.0002), 7_200_000, 30), true),
        ];
        for (i, (event, want)) in cases.iter().enumerate() {
            assert_eq!(s.keep(event), *want, "case {i}");
        }
    }

    #[test]
    fn marks_pass_once_a_second_per_venue_and_symbol() {
        let mut s = Sampler::default();
        let cases = [
            (mark(Venue::Binance, 0), true),
            (mark(Venue::Binance, 999), false),
            (mark(Venue::Lighter, 999), true),
            (mark(Venue::Binance, 1_000), true),
            (mark(Venue::Binance, 1_500), false),
        ];
        for (i, (event, want)) in cases.iter().enumerate() {
            assert_eq!(s.keep(event), *want, "case {i}");
        }
    }

    #[test]
    fn account_events_always_pass() {
        let mut s = Sampler::default();
        let event = VenueEvent::Connection { venue: Venue::Binance, connected: false, time_ms: 0 };
        assert!(s.keep(&event) && s.keep(&event));
    }
}

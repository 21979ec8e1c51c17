//! The engine's view of the market: the latest funding, mark and top of book per venue and
//! symbol, markets' filters, balances and connectivity, each with the time it was last seen.

use crate::venue::VenueEvent;
use app::market::{FundingSnapshot, MarkPrice, Market, TopOfBook};
use app::order::{Balance, VenuePosition};
use app::sizing::LegQuote;
use app::{Price, Symbol, TimestampMs, Usd, Venue};
use std::collections::{BTreeMap, HashMap};

/// How far a book may trail the mark before orders are priced from the mark instead.
const BOOK_MAX_LAG_MS: i64 = 5_000;

#[derive(Debug, Default)]
pub struct MarketCache {
    pub funding: HashMap<(Venue, Symbol), FundingSnapshot>,
    pub marks: HashMap<(Venue, Symbol), MarkPrice>,
    pub books: HashMap<(Venue, Symbol), TopOfBook>,
    pub markets: HashMap<(Venue, Symbol), Market>,
    pub balances: HashMap<Venue, Balance>,
    pub venue_positions: HashMap<(Venue, Symbol), VenuePosition>,
    /// Time of the last market update per venue, and whether its stream is up.
    pub last_seen: BTreeMap<Venue, TimestampMs>,
    pub connected: BTreeMap<Venue, bool>,
}

impl MarketCache {
    pub fn apply(&mut self, e: &VenueEvent) {
        match e {
            VenueEvent::Funding(f) => {
                self.seen(f.venue, f.time_ms);
                self.funding.insert((f.venue, f.symbol.clone()), f.clone());
            }
            VenueEvent::Mark(m) => {
                self.seen(m.venue, m.time_ms);
                self.marks.insert((m.venue, m.symbol.clone()), m.clone());
            }
            VenueEvent::Book(b) => {
                self.seen(b.venue, b.time_ms);
                self.books.insert((b.venue, b.symbol.clone()), b.clone());
            }
            VenueEvent::Position(p) => {
                self.venue_positions.insert((p.venue, p.symbol.clone()), p.clone());
            }
            VenueEvent::Connection { venue, connected, .. } => {
                self.connected.insert(*venue, *connected);
            }
            VenueEvent::Order(_) | VenueEvent::Fill(_) | VenueEvent::FundingPaid(_) => {}
        }
    }

    fn seen(&mut self, venue: Venue, t: TimestampMs) {
        let last = self.last_seen.entry(venue).or_insert(t);
        *last = (*last).max(t);
        self.connected.entry(venue).or_insert(true);
    }

    pub fn mark(&self, venue: Venue, symbol: &Symbol) -> Option<Price> {
        self.marks.get(&(venue, symbol.clone())).map(|m| m.mark)
    }

    /// Venues whose data is older than `stale_ms` at `now`, or whose stream is down.
    pub fn stale_venues(&self, now: TimestampMs, stale_ms: i64) -> Vec<Venue> {
        Venue::ALL
            .into_iter()
            .filter(|v| {
                let fresh = self.last_seen.get(v).is_some_and(|t| now - t <= stale_ms);
                !fresh || self.connected.get(v) == Some(&false)
            })
            .collect()
    }

    /// Everything the sizing calculator needs for one leg, if the venue quotes the symbol.
    pub fn quote(&self, venue: Venue, symbol: &Symbol, leverage: u32) -> Option<LegQuote> {
        let key = (venue, symbol.clone());
        let market = self.markets.get(&key)?;
        let book = self.books.get(&key)?;
        let mark = self.marks.get(&key)?;
        let funding = self.funding.get(&key)?;
        // A book older than the mark would price orders off a market that has moved: fall
        // back to the mark, widened by the book's last spread.
        let (bid, ask) = if mark.time_ms - book.time_ms > BOOK_MAX_LAG_MS {
            let half =
                (book.ask.price.0 - book.bid.price.0).max(rust_decimal::Decimal::ZERO) / rust_decimal::Decimal::TWO;
            (app::Price(mark.mark.0 - half), app::Price(mark.mark.0 + half))
        } else {
            (book.bid.price, book.ask.price)
        };
        Some(LegQuote {
            venue,
            filters: market.filters.clone(),
            mark: mark.mark,
            bid,
            ask,
            taker_fee: market.taker_fee,
            leverage,
            max_leverage: market.max_leverage,
            available_margin: self.balances.get(&venue).map_or(Usd::ZERO, |b| b.available),
            rate: funding.predicted,
        })
    }
}

//! The engine's copy of the market, as the market-data owner (`crate::collector`) fed it: the
//! latest funding, mark and top of book per venue and symbol, markets' filters, balances, the
//! venues' own view of our positions, and each venue's freshness verdict. The engine keeps a
//! copy (and does not read the collector's) so that it stays pure and its event log replays
//! exactly; it judges nothing itself.

use crate::fast_map::FastMap;
use crate::venue::VenueEvent;
use app::market::{Freshness, FundingSnapshot, MarkPrice, Market, TopOfBook};
use app::order::{Balance, VenuePosition};
use app::sizing::LegQuote;
use app::{Price, Symbol, Usd, Venue};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// How far a book may trail the mark before orders are priced from the mark instead.
const BOOK_MAX_LAG_MS: i64 = 5_000;

#[derive(Debug, Default)]
pub struct MarketCache {
    pub funding: FastMap<(Venue, Symbol), Funding>,
    pub marks: FastMap<(Venue, Symbol), MarkPrice>,
    pub books: FastMap<(Venue, Symbol), TopOfBook>,
    pub markets: FastMap<(Venue, Symbol), Market>,
    pub balances: FastMap<Venue, Balance>,
    pub venue_positions: FastMap<(Venue, Symbol), VenuePosition>,
    /// The market-data owner's latest verdict per venue (`EngineEvent::Freshness`).
    pub freshness: BTreeMap<Venue, Freshness>,
}

impl MarketCache {
    pub fn apply(&mut self, e: &VenueEvent) {
        match e {
            VenueEvent::Funding(f) => {
                let funding = Funding { predicted_per_hour: f.predicted.per_hour(), snapshot: f.clone() };
                self.funding.insert((f.venue, f.symbol.clone()), funding);
            }
            VenueEvent::Mark(m) => upsert(&mut self.marks, (m.venue, m.symbol.clone()), m),
            VenueEvent::Book(b) => upsert(&mut self.books, (b.venue, b.symbol.clone()), b),
            VenueEvent::Position(p) => {
                self.venue_positions.insert((p.venue, p.symbol.clone()), p.clone());
            }
            // Connectivity reaches the engine as the collector's verdict, not from the stream.
            VenueEvent::Connection { .. } | VenueEvent::Order(_) | VenueEvent::Fill(_) | VenueEvent::FundingPaid(_) => {
            }
        }
    }

    /// Why each venue's data may not be traded on: its verdict's reason, or that none came yet.
    pub fn stale_reasons(&self) -> Vec<String> {
        Venue::ALL
            .into_iter()
            .filter_map(|v| match self.freshness.get(&v) {
                Some(f) => f.stale.clone(),
                None => Some(format!("{v} market data is stale or disconnected: not judged yet")),
            })
            .collect()
    }

    pub fn mark(&self, venue: Venue, symbol: &Symbol) -> Option<Price> {
        self.marks.get(&(venue, symbol.clone())).map(|m| m.mark)
    }

    /// What of a leg's quote (`quote`, without its funding) decides whether an open can be
    /// sized and whether its costs can be negative, at a fraction of a full quote's cost.
    pub fn touch(&self, venue: Venue, symbol: &Symbol) -> Option<Touch> {
        let key = (venue, symbol.clone());
        let market = self.markets.get(&key)?;
        let book = self.books.get(&key)?;
        let mark = self.marks.get(&key)?;
        let (bid, ask) = touch(mark, book);
        Some(Touch { mark: mark.mark, bid, ask, taker_fee: market.taker_fee, step: market.filters.step_size.0 })
    }

    /// Everything the sizing calculator needs for one leg, if the venue quotes the symbol.
    pub fn quote(&self, venue: Venue, symbol: &Symbol, leverage: u32) -> Option<LegQuote> {
        let key = (venue, symbol.clone());
        let market = self.markets.get(&key)?;
        let book = self.books.get(&key)?;
        let mark = self.marks.get(&key)?;
        let funding = self.funding.get(&key)?;
        let (bid, ask) = touch(mark, book);
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
            rate: funding.snapshot.predicted,
        })
    }
}

/// Replace the value under `key` in place (what almost every market event does), or insert it.
fn upsert<V: Clone>(map: &mut FastMap<(Venue, Symbol), V>, key: (Venue, Symbol), value: &V) {
    match map.get_mut(&key) {
        Some(slot) => slot.clone_from(value),
        None => {
            map.insert(key, value.clone());
        }
    }
}

/// A venue's latest funding on a symbol, and its predicted rate per hour, worked out once per
/// update (the strategy reads it on every update of either venue).
#[derive(Debug, Clone)]
pub struct Funding {
    pub snapshot: FundingSnapshot,
    pub predicted_per_hour: Decimal,
}

/// A leg's mark, the prices its orders would meet (as `MarketCache::quote` gives them), its
/// taker fee and quantity step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Touch {
    pub mark: Price,
    pub bid: Price,
    pub ask: Price,
    pub taker_fee: Decimal,
    pub step: Decimal,
}

/// The bid and ask orders are priced from. A book older than the mark would price them off a
/// market that has moved: then the mark, widened by the book's last spread.
fn touch(mark: &MarkPrice, book: &TopOfBook) -> (Price, Price) {
    if mark.time_ms - book.time_ms > BOOK_MAX_LAG_MS {
        let half = (book.ask.price.0 - book.bid.price.0).max(Decimal::ZERO) / Decimal::TWO;
        (Price(mark.mark.0 - half), Price(mark.mark.0 + half))
    } else {
        (book.bid.price, book.ask.price)
    }
}

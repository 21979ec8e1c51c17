//! The engine's copy of the market, as the market-data owner (`crate::collector`) fed it: the
//! latest funding, mark and top of book per venue and symbol, markets' filters, balances, the
//! venues' own view of our positions, and each venue's freshness verdict. The engine keeps a
//! copy (and does not read the collector's) so that it stays pure and its event log replays
//! exactly; it judges nothing itself.

use crate::fast_map::{FastMap, SymbolSlots};
use crate::venue::VenueEvent;
use app::market::{Freshness, FundingSnapshot, MarkPrice, Market, TopOfBook};
use app::order::{Balance, VenuePosition};
use app::sizing::LegQuote;
use app::{FundingRate, Price, Symbol, Usd, Venue};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// How far a book may trail the mark before orders are priced from the mark instead.
const BOOK_MAX_LAG_MS: i64 = 5_000;

#[derive(Debug, Default)]
pub struct MarketCache {
    /// Each symbol's data on each venue (Binance, then Lighter), at a place given the first
    /// time the symbol is seen: a market event finds its symbol once, and everything after it
    /// goes by the place.
    symbols: SymbolSlots<[VenueMarket; 2]>,
    pub balances: FastMap<Venue, Balance>,
    pub venue_positions: FastMap<(Venue, Symbol), VenuePosition>,
    /// The market-data owner's latest verdict per venue (`EngineEvent::Freshness`).
    pub freshness: BTreeMap<Venue, Freshness>,
}

/// A symbol's place in the engine's market copy (and in the strategy's memory of it), in the
/// order symbols were first seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SymbolId(u32);

impl SymbolId {
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The place `index`, as [`SymbolId::index`] gives it.
    pub fn at(index: usize) -> Self {
        Self(index as u32)
    }
}

#[derive(Debug, Default)]
struct VenueMarket {
    funding: Option<Funding>,
    mark: Option<MarkPrice>,
    book: Option<TopOfBook>,
    market: Option<Market>,
}

impl MarketCache {
    /// Keep a venue's update; a market update answers with its symbol's place.
    pub fn apply(&mut self, e: &VenueEvent) -> Option<SymbolId> {
        match e {
            VenueEvent::Funding(f) => {
                let id = self.id_or_new(&f.symbol);
                let funding = Funding { predicted_per_hour: f.predicted.per_hour(), snapshot: f.clone() };
                self.venue_mut(f.venue, id).funding = Some(funding);
                Some(id)
            }
            VenueEvent::Mark(m) => {
                let id = self.id_or_new(&m.symbol);
                replace(&mut self.venue_mut(m.venue, id).mark, m);
                Some(id)
            }
            VenueEvent::Book(b) => {
                let id = self.id_or_new(&b.symbol);
                replace(&mut self.venue_mut(b.venue, id).book, b);
                Some(id)
            }
            VenueEvent::Position(p) => {
                self.venue_positions.insert((p.venue, p.symbol.clone()), p.clone());
                None
            }
            // Connectivity reaches the engine as the collector's verdict, not from the stream.
            VenueEvent::Connection { .. } | VenueEvent::Order(_) | VenueEvent::Fill(_) | VenueEvent::FundingPaid(_) => {
                None
            }
        }
    }

    /// A venue's market (filters, fees, leverage limit) for its symbol.
    pub fn set_market(&mut self, m: &Market) {
        let id = self.id_or_new(&m.symbol);
        self.venue_mut(m.venue, id).market = Some(m.clone());
    }

    pub fn id(&self, symbol: &Symbol) -> Option<SymbolId> {
        self.symbols.place(symbol).map(SymbolId::at)
    }

    fn id_or_new(&mut self, symbol: &Symbol) -> SymbolId {
        SymbolId::at(self.symbols.place_or_new(symbol))
    }

    fn venue_mut(&mut self, venue: Venue, id: SymbolId) -> &mut VenueMarket {
        &mut self.symbols.at_mut(id.index())[venue.index()]
    }

    fn venue_at(&self, venue: Venue, id: SymbolId) -> &VenueMarket {
        &self.symbols.at(id.index()).1[venue.index()]
    }

    fn venue_of(&self, venue: Venue, symbol: &Symbol) -> Option<&VenueMarket> {
        self.id(symbol).map(|id| self.venue_at(venue, id))
    }

    /// Every symbol seen, in the order of their places.
    pub fn symbols(&self) -> impl Iterator<Item = (SymbolId, &Symbol)> {
        self.symbols.iter().enumerate().map(|(i, (symbol, _))| (SymbolId::at(i), symbol))
    }

    pub fn symbol(&self, id: SymbolId) -> &Symbol {
        &self.symbols.at(id.index()).0
    }

    /// Whether a venue has published funding on the symbol.
    pub fn has_funding(&self, id: SymbolId) -> bool {
        self.symbols.at(id.index()).1.iter().any(|v| v.funding.is_some())
    }

    /// A venue's predicted funding rate on the symbol, per hour.
    pub fn predicted_per_hour(&self, venue: Venue, id: SymbolId) -> Option<Decimal> {
        self.venue_at(venue, id).funding.as_ref().map(|f| f.predicted_per_hour)
    }

    /// A venue's predicted funding rate on the symbol, as published.
    pub fn predicted(&self, venue: Venue, symbol: &Symbol) -> Option<FundingRate> {
        self.venue_of(venue, symbol)?.funding.as_ref().map(|f| f.snapshot.predicted)
    }

    pub fn market(&self, venue: Venue, symbol: &Symbol) -> Option<&Market> {
        self.venue_of(venue, symbol)?.market.as_ref()
    }

    pub fn book(&self, venue: Venue, symbol: &Symbol) -> Option<&TopOfBook> {
        self.venue_of(venue, symbol)?.book.as_ref()
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
        self.venue_of(venue, symbol)?.mark.as_ref().map(|m| m.mark)
    }

    /// What of a leg's quote (`quote`, without its funding) decides whether an open can be
    /// sized and whether its costs can be negative, at a fraction of a full quote's cost.
    pub fn touch(&self, venue: Venue, id: SymbolId) -> Option<Touch> {
        let v = self.venue_at(venue, id);
        let (market, book, mark) = (v.market.as_ref()?, v.book.as_ref()?, v.mark.as_ref()?);
        let (bid, ask) = touch(mark, book);
        Some(Touch { mark: mark.mark, bid, ask, taker_fee: market.taker_fee, step: market.filters.step_size.0 })
    }

    /// Everything the sizing calculator needs for one leg, if the venue quotes the symbol.
    pub fn quote(&self, venue: Venue, symbol: &Symbol, leverage: u32) -> Option<LegQuote> {
        self.quote_at(venue, self.id(symbol)?, leverage)
    }

    /// [`MarketCache::quote`] by the symbol's place.
    pub fn quote_at(&self, venue: Venue, id: SymbolId, leverage: u32) -> Option<LegQuote> {
        let v = self.venue_at(venue, id);
        let (market, book, mark, funding) =
            (v.market.as_ref()?, v.book.as_ref()?, v.mark.as_ref()?, v.funding.as_ref()?);
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

/// Replace the value in place (what almost every market event does), or set it.
fn replace<V: Clone>(slot: &mut Option<V>, value: &V) {
    match slot {
        Some(old) => old.clone_from(value),
        None => *slot = Some(value.clone()),
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

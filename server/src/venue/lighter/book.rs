//! A local copy of one market's order book, kept by Lighter's nonce continuity: a snapshot
//! sets `nonce`; an update applies only if its `begin_nonce` equals the last applied `nonce`.
//! Anything else is a gap — the book is dropped and the feed resubscribes for a snapshot.

use std::collections::BTreeMap;

use app::market::BookLevel;
use app::{Price, Qty, TimestampMs};
use rust_decimal::Decimal;

use super::parse::{self, ParseError};
use super::wire::ws::OrderBookBody;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalBook {
    /// `None` until a snapshot arrives, and again after a gap.
    nonce: Option<i64>,
    bids: BTreeMap<Decimal, Decimal>,
    asks: BTreeMap<Decimal, Decimal>,
    pub time_ms: TimestampMs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Applied,
    /// The update does not follow the last one: resubscribe.
    Gap {
        expected: i64,
        begin: i64,
    },
    /// Waiting for a snapshot; updates are dropped.
    NotSynced,
}

type Levels = Vec<(Decimal, Decimal)>;

fn levels(body: &OrderBookBody) -> Result<(Levels, Levels), ParseError> {
    let side = |ls: &[super::wire::ws::Level]| ls.iter().map(parse::level).collect::<Result<Levels, _>>();
    Ok((side(&body.bids)?, side(&body.asks)?))
}

impl LocalBook {
    pub fn synced(&self) -> bool {
        self.nonce.is_some()
    }

    pub fn nonce(&self) -> Option<i64> {
        self.nonce
    }

    pub fn desync(&mut self) {
        *self = LocalBook::default();
    }

    /// Replaces everything. Levels are parsed before anything changes, so a malformed frame
    /// leaves the book as it was.
    pub fn snapshot(&mut self, body: &OrderBookBody, time_ms: TimestampMs) -> Result<(), ParseError> {
        let (bids, asks) = levels(body)?;
        self.bids = bids.into_iter().filter(|(_, s)| !s.is_zero()).collect();
        self.asks = asks.into_iter().filter(|(_, s)| !s.is_zero()).collect();
        self.nonce = Some(body.nonce);
        self.time_ms = time_ms;
        Ok(())
    }

    pub fn update(&mut self, body: &OrderBookBody, time_ms: TimestampMs) -> Result<Applied, ParseError> {
        let Some(last) = self.nonce else { return Ok(Applied::NotSynced) };
        if body.begin_nonce != last {
            return Ok(Applied::Gap { expected: last, begin: body.begin_nonce });
        }
        let (bids, asks) = levels(body)?;
        for (book, changes) in [(&mut self.bids, bids), (&mut self.asks, asks)] {
            for (price, size) in changes {
                if size.is_zero() {
                    book.remove(&price);
                } else {
                    book.insert(price, size);
                }
            }
        }
        self.nonce = Some(body.nonce);
        self.time_ms = time_ms;
        Ok(Applied::Applied)
    }

    /// Best `depth` levels per side, best first.
    pub fn depth(&self, depth: usize) -> (Vec<BookLevel>, Vec<BookLevel>) {
        let lvl = |(p, s): (&Decimal, &Decimal)| BookLevel { price: Price(*p), qty: Qty(*s) };
        (self.bids.iter().rev().take(depth).map(lvl).collect(), self.asks.iter().take(depth).map(lvl).collect())
    }

    pub fn best(&self) -> (Option<BookLevel>, Option<BookLevel>) {
        let (b, a) = self.depth(1);
        (b.into_iter().next(), a.into_iter().next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::venue::lighter::wire::ws::Level;

    fn body(begin: i64, nonce: i64, bids: &[(&str, &str)], asks: &[(&str, &str)]) -> OrderBookBody {
        let l =
            |v: &[(&str, &str)]| v.iter().map(|(p, s)| Level { price: p.to_string(), size: s.to_string() }).collect();
        OrderBookBody { asks: l(asks), bids: l(bids), nonce, begin_nonce: begin }
    }

    #[test]
    fn continuity_by_nonce() {
        let mut b = LocalBook::default();
        assert_eq!(b.update(&body(0, 5, &[], &[]), 0), Ok(Applied::NotSynced));
        b.snapshot(&body(0, 10, &[("99", "1"), ("98", "2")], &[("101", "1")]), 1).unwrap();
        assert_eq!(b.update(&body(10, 11, &[("99", "0")], &[("100.5", "3")]), 2), Ok(Applied::Applied));
        let (bids, asks) = b.depth(5);
        assert_eq!(bids.iter().map(|l| l.price.0.to_string()).collect::<Vec<_>>(), ["98"]);
        assert_eq!(asks[0].price.0.to_string(), "100.5");
        assert_eq!(b.update(&body(12, 13, &[], &[]), 3), Ok(Applied::Gap { expected: 11, begin: 12 }));
        assert_eq!(b.nonce(), Some(11), "a gap leaves the book untouched until the caller desyncs");
        assert!(b.update(&body(11, 12, &[("x", "1")], &[]), 4).is_err());
        assert_eq!(b.nonce(), Some(11), "a malformed update changes nothing");
    }
}

//! The maps on the market-data path (the engine's market copy, the sampler, the simulators):
//! keyed by venue and symbol, which our own code writes, so a fast non-cryptographic hasher
//! instead of SipHash, with a fixed seed so that every run walks a map in the same order; and
//! `SymbolSlots`, for the maps every market event looks up.

pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

use app::Symbol;

/// A value per symbol, kept in the order the symbols were first seen and found by its place
/// there. A venue publishes its symbols one after another, in the same order each time, so
/// the place after the last one found is tried before the map: most lookups hash nothing.
#[derive(Debug)]
pub struct SymbolSlots<T> {
    places: FastMap<Symbol, usize>,
    slots: Vec<(Symbol, T)>,
    last: usize,
}

impl<T> Default for SymbolSlots<T> {
    fn default() -> Self {
        Self { places: FastMap::default(), slots: Vec::new(), last: 0 }
    }
}

impl<T: Default> SymbolSlots<T> {
    /// The symbol's place, given (with a default value) the first time it is seen.
    #[inline]
    pub fn place_or_new(&mut self, symbol: &Symbol) -> usize {
        let next = if self.last + 1 < self.slots.len() { self.last + 1 } else { 0 };
        if self.slots.get(next).is_some_and(|(s, _)| s == symbol) {
            self.last = next;
            return next;
        }
        self.last = match self.places.get(symbol) {
            Some(place) => *place,
            None => {
                self.slots.push((symbol.clone(), T::default()));
                self.places.insert(symbol.clone(), self.slots.len() - 1);
                self.slots.len() - 1
            }
        };
        self.last
    }
}

impl<T> SymbolSlots<T> {
    /// The symbol's place; the last one found is tried first (what follows a market event
    /// mostly asks about that event's symbol).
    #[inline]
    pub fn place(&self, symbol: &Symbol) -> Option<usize> {
        if self.slots.get(self.last).is_some_and(|(s, _)| s == symbol) {
            return Some(self.last);
        }
        self.places.get(symbol).copied()
    }

    /// The symbol and value at `place` (as given by this map).
    pub fn at(&self, place: usize) -> &(Symbol, T) {
        &self.slots[place]
    }

    pub fn at_mut(&mut self, place: usize) -> &mut T {
        &mut self.slots[place].1
    }

    /// Every symbol and value, in the order of their places.
    pub fn iter(&self) -> impl Iterator<Item = &(Symbol, T)> {
        self.slots.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_keep_their_places_whatever_order_they_come_in() {
        let sym = |s: &str| Symbol::new(s).unwrap();
        let mut m: SymbolSlots<u32> = SymbolSlots::default();
        let names = ["BTC", "ETH", "SOL", "TIA"];
        for round in 0..3 {
            for (i, n) in names.iter().enumerate() {
                let place = m.place_or_new(&sym(n));
                assert_eq!(place, i, "{n} in round {round}");
                *m.at_mut(place) += 1;
            }
        }
        // Out of order, repeated, and a new one: the same places, the new one last.
        for (n, want) in [("SOL", 2), ("SOL", 2), ("BTC", 0), ("TIA", 3), ("ADA", 4), ("ETH", 1), ("ADA", 4)] {
            assert_eq!(m.place_or_new(&sym(n)), want, "{n}");
            assert_eq!(m.at(want).0, sym(n));
        }
        assert_eq!(m.place(&sym("TIA")), Some(3));
        assert_eq!(m.place(&sym("XRP")), None);
        let counts: Vec<u32> = m.iter().map(|(_, c)| *c).collect();
        assert_eq!(counts, [3, 3, 3, 3, 0]);
    }
}

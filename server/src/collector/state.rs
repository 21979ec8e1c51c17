//! The latest market state of every venue, held in memory for the API and the board stream.
//! Pure: events in, changed board rows out.

use crate::venue::VenueEvent;
use app::api::{FundingBoard, FundingRow, SymbolInfo, VenueFunding, VenueStatus};
use app::market::{Freshness, FundingSnapshot, MarkPrice, TopOfBook};
use app::{Symbol, TimestampMs, Venue, VenueMode};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub struct VenueHealth {
    pub mode: VenueMode,
    /// The venue said its stream is down (`VenueEvent::Connection`), until it says it is up.
    pub stream_down: bool,
    /// Wall time at which the last market update was received (what staleness is judged on).
    pub received_ms: Option<TimestampMs>,
    /// Venue-clock time of the last market update received.
    pub last_update_ms: Option<TimestampMs>,
    pub symbols: usize,
    /// The latest verdict of the freshness policy, as the engine was told it.
    pub verdict: Option<Freshness>,
}

#[derive(Debug, Default)]
pub struct MarketState {
    funding: BTreeMap<(Symbol, Venue), FundingSnapshot>,
    marks: BTreeMap<(Symbol, Venue), MarkPrice>,
    books: BTreeMap<(Symbol, Venue), TopOfBook>,
    listed: BTreeMap<Symbol, Vec<Venue>>,
    venues: BTreeMap<Venue, VenueHealth>,
    /// Moves on whenever something the board's rows show changes (a funding snapshot or a
    /// mark), so a copy of the rows made at one version is the board until the next.
    board_version: u64,
}

impl MarketState {
    pub fn add_venue(&mut self, venue: Venue, mode: VenueMode) {
        self.venues.insert(venue, VenueHealth { mode, ..Default::default() });
    }

    pub fn list_symbols(&mut self, venue: Venue, symbols: impl IntoIterator<Item = Symbol>) {
        let mut n = 0;
        for s in symbols {
            let venues = self.listed.entry(s).or_default();
            if !venues.contains(&venue) {
                venues.push(venue);
                venues.sort();
            }
            n += 1;
        }
        self.venues.entry(venue).or_default().symbols = n;
    }

    /// Apply one event received at wall time `received_ms`; a funding event whose row changed
    /// returns the new row.
    pub fn apply(&mut self, event: &VenueEvent, received_ms: TimestampMs) -> Option<FundingRow> {
        match event {
            VenueEvent::Funding(f) => {
                self.touch(f.venue, f.time_ms, received_ms);
                let key = (f.symbol.clone(), f.venue);
                if self.funding.get(&key) == Some(f) {
                    return None;
                }
                let changed = self
                    .funding
                    .get(&key)
                    .is_none_or(|old| old.predicted != f.predicted || old.next_funding_ms != f.next_funding_ms);
                self.funding.insert(key, f.clone());
                self.board_version += 1;
                changed.then(|| self.row(&f.symbol))
            }
            VenueEvent::Mark(m) => {
                self.touch(m.venue, m.time_ms, received_ms);
                if self.marks.insert((m.symbol.clone(), m.venue), m.clone()).as_ref() != Some(m) {
                    self.board_version += 1;
                }
                None
            }
            VenueEvent::Book(b) => {
                self.touch(b.venue, b.time_ms, received_ms);
                self.books.insert((b.symbol.clone(), b.venue), b.clone());
                None
            }
            VenueEvent::Connection { venue, connected, .. } => {
                self.venues.entry(*venue).or_default().stream_down = !*connected;
                None
            }
            _ => None,
        }
    }

    fn touch(&mut self, venue: Venue, t: TimestampMs, received_ms: TimestampMs) {
        let h = self.venues.entry(venue).or_default();
        h.last_update_ms = Some(h.last_update_ms.map_or(t, |old| old.max(t)));
        h.received_ms = Some(h.received_ms.map_or(received_ms, |old| old.max(received_ms)));
    }

    /// `judge`'s verdict on every venue whose verdict differs from the stored one.
    pub fn changed_verdicts(&self, judge: impl Fn(Venue, &VenueHealth) -> Freshness) -> Vec<Freshness> {
        self.venues
            .iter()
            .map(|(v, h)| (h, judge(*v, h)))
            .filter(|(h, verdict)| h.verdict.as_ref() != Some(verdict))
            .map(|(_, verdict)| verdict)
            .collect()
    }

    /// Whether `venue` said its stream is down.
    pub fn stream_down(&self, venue: Venue) -> bool {
        self.venues.get(&venue).is_some_and(|h| h.stream_down)
    }

    /// Store verdicts (once the engine has them queued: see `Collector::judge`).
    pub fn set_verdicts(&mut self, verdicts: &[Freshness]) {
        for v in verdicts {
            self.venues.entry(v.venue).or_default().verdict = Some(v.clone());
        }
    }

    pub fn funding(&self, symbol: &Symbol, venue: Venue) -> Option<&FundingSnapshot> {
        self.funding.get(&(symbol.clone(), venue))
    }

    pub fn row(&self, symbol: &Symbol) -> FundingRow {
        let side = |v: Venue| {
            let mark = self.marks.get(&(symbol.clone(), v)).map(|m| m.mark);
            self.funding(symbol, v).map(|f| VenueFunding::from_snapshot(f, mark))
        };
        FundingRow::new(symbol.clone(), side(Venue::Binance), side(Venue::Lighter))
    }

    pub fn board(&self, as_of_ms: TimestampMs) -> FundingBoard {
        let mut symbols: Vec<&Symbol> = self.funding.keys().map(|(s, _)| s).collect();
        symbols.dedup();
        FundingBoard { as_of_ms, rows: symbols.into_iter().map(|s| self.row(s)).collect() }
    }

    pub fn board_version(&self) -> u64 {
        self.board_version
    }

    pub fn symbols(&self) -> Vec<SymbolInfo> {
        self.listed.iter().map(|(s, v)| SymbolInfo { symbol: s.clone(), venues: v.clone() }).collect()
    }

    pub fn marks(&self) -> Vec<MarkPrice> {
        self.marks.values().cloned().collect()
    }

    pub fn snapshots(&self) -> Vec<FundingSnapshot> {
        self.funding.values().cloned().collect()
    }

    /// Each venue's row for `/status`, with the stored verdict; ages in wall time at `now`.
    pub fn venue_status(&self, now: TimestampMs) -> Vec<VenueStatus> {
        self.venues
            .iter()
            .map(|(v, h)| {
                let stale_reason = match &h.verdict {
                    Some(verdict) => verdict.stale.clone(),
                    None => Some(format!("{v} market data is stale or disconnected: not judged yet")),
                };
                VenueStatus {
                    venue: *v,
                    mode: h.mode,
                    connected: stale_reason.is_none(),
                    stale_reason,
                    last_update_ms: h.last_update_ms,
                    data_age_ms: h.received_ms.map(|t| (now - t).max(0)),
                    symbols: h.symbols,
                    latency_ms: None,
                    probed_ms: None,
                    last_error: None,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::{FundingInterval, FundingRate};
    use rust_decimal_macros::dec;

    fn snap(venue: Venue, rate: rust_decimal::Decimal, interval: FundingInterval, t: i64) -> VenueEvent {
        VenueEvent::Funding(FundingSnapshot {
            venue,
            symbol: Symbol::new("ETH").unwrap(),
            predicted: FundingRate::new(rate, interval),
            last_settled: None,
            next_funding_ms: 8 * 3_600_000,
            time_ms: t,
        })
    }

    #[test]
    fn funding_events_build_rows_with_the_spread() {
        let mut s = MarketState::default();
        let row = s.apply(&snap(Venue::Binance, dec!(0.0008), FundingInterval::EIGHT_HOURS, 1), 1).unwrap();
        assert!(row.spread.is_none());
        let row = s.apply(&snap(Venue::Lighter, dec!(0.00002), FundingInterval::HOURLY, 2), 2).unwrap();
        let spread = row.spread.unwrap();
        // 0.0008 / 8 = 0.0001 per hour vs 0.00002: 0.00008 per hour, short Binance.
        assert_eq!(spread.per_hour, dec!(0.00008));
        assert_eq!(spread.direction, app::SpreadDirection::LongLighterShortBinance);
        // The same prediction again changes nothing: no update is sent.
        assert!(s.apply(&snap(Venue::Lighter, dec!(0.00002), FundingInterval::HOURLY, 3), 3).is_none());
        assert_eq!(s.board(3).rows.len(), 1);
    }

    #[test]
    fn status_shows_the_stored_verdict_and_wall_ages() {
        let policy = super::super::freshness::FreshnessPolicy { stale_after_ms: 30_000 };
        let at = |now| move |v, h: &VenueHealth| policy.judge(v, h, now);
        let mut s = MarketState::default();
        s.add_venue(Venue::Binance, VenueMode::Sim);
        s.list_symbols(Venue::Binance, [Symbol::new("ETH").unwrap()]);
        // Venue time an hour on (a compressed simulator), received at wall time 1 s.
        s.apply(&snap(Venue::Binance, dec!(0.0001), FundingInterval::EIGHT_HOURS, 3_600_000), 1_000);
        let changed = s.changed_verdicts(at(2_000));
        assert_eq!(changed, vec![Freshness::fresh(Venue::Binance)]);
        assert!(!s.venue_status(2_000)[0].connected, "not stored yet: status shows what the engine was told");
        s.set_verdicts(&changed);
        assert!(s.changed_verdicts(at(2_000)).is_empty());
        let row = &s.venue_status(2_000)[0];
        assert!(row.connected && row.stale_reason.is_none());
        assert_eq!((row.data_age_ms, row.last_update_ms), (Some(1_000), Some(3_600_000)));
        let stale = s.changed_verdicts(at(60_000));
        assert!(stale[0].stale.as_deref().unwrap().contains("no market update for over 30 s"));
    }
}

//! The simulated market data: the bridge passes through recorded marks, the basis stays small,
//! the book brackets mark, and the predicted rate converges on the recorded settlement.

use super::*;
use crate::venue::sim::history::{ORIGIN_MS, PERIOD_MS};
use rust_decimal_macros::dec;

fn market(venue: Venue, seed: u64) -> SimMarket {
    SimMarket::new(venue, History::embedded().unwrap(), seed)
}

fn btc() -> Symbol {
    Symbol::new("BTC").unwrap()
}

const FIRST_BTC: i64 = 1_755_763_200_000 + PERIOD_MS;

#[test]
fn the_mark_path_passes_through_recorded_marks() {
    let mut m = market(Venue::Binance, 5);
    // Recorded 113836.8 at the first settlement; tick 1.
    assert_eq!(m.mark(&btc(), FIRST_BTC).unwrap().mark.0, dec!(113836));
    // And the next recorded mark 8 h later: 112748.9.
    assert_eq!(m.mark(&btc(), FIRST_BTC + 8 * 3_600_000).unwrap().mark.0, dec!(112748));
    // In between it moves.
    let a = m.mark(&btc(), FIRST_BTC + 3_600_000).unwrap().mark.0;
    let b = m.mark(&btc(), FIRST_BTC + 3_600_000 + 5_000).unwrap().mark.0;
    assert_ne!(a, b);
}

#[test]
fn lighter_trades_at_a_small_basis_to_binance() {
    let mut b = market(Venue::Binance, 5);
    let mut l = market(Venue::Lighter, 5);
    for i in 0..200 {
        let t = ORIGIN_MS + 3 * 86_400_000 + i * 61_000;
        let (pb, pl) = (b.mark(&btc(), t).unwrap().mark.0, l.mark(&btc(), t).unwrap().mark.0);
        let gap = ((pl - pb) / pb).abs();
        assert!(gap <= dec!(0.00052), "gap {gap} at {t}");
    }
}

#[test]
fn the_book_brackets_mark_with_valid_levels() {
    let mut m = market(Venue::Lighter, 5);
    let t = ORIGIN_MS + 10 * 86_400_000;
    let mark = m.mark(&btc(), t).unwrap().mark.0;
    let book = m.order_book(&btc(), t, 10).unwrap();
    let f = m.market(&btc()).unwrap().filters.clone();
    assert!(book.bids[0].price.0 < mark && mark < book.asks[0].price.0);
    assert!(book.bids.windows(2).all(|w| w[0].price > w[1].price));
    assert!(book.asks.windows(2).all(|w| w[0].price < w[1].price));
    for l in book.bids.iter().chain(&book.asks) {
        assert_eq!(f.round_qty_down(l.qty), l.qty);
        assert_eq!(f.round_price_down(l.price), l.price);
    }
}

#[test]
fn a_mark_made_in_ticks_gives_the_same_mark_and_top_of_book_as_one_converted_back() {
    for venue in Venue::ALL {
        let mut m = market(venue, 5);
        let symbols = m.symbols().to_vec();
        let mut in_ticks = 0;
        for symbol in &symbols {
            // Through a settlement (recorded marks, no ticks) and the bridge between.
            for i in 0..40 {
                let t = FIRST_BTC + 8 * 3_600_000 - 20 * 61_000 + i * 61_000;
                let Some(marked) = m.marked(symbol, t) else { continue };
                let mark = &marked.mark;
                assert_eq!(Some(mark), m.mark(symbol, t).as_ref());
                assert_eq!(m.top_at_marked(&marked), m.top_at(mark), "{venue} {symbol} {t}");
                assert_eq!(marked.grid, m.grids[symbol]);
                if let Some(ticks) = marked.ticks {
                    assert_eq!((marked.grid.ticks(mark.mark.0), marked.grid.price(ticks)), (Some(ticks), mark.mark.0));
                    in_ticks += 1;
                }
            }
        }
        assert!(in_ticks > 600, "{venue}: {in_ticks}");
    }
}

#[test]
fn the_prediction_in_integers_is_the_decimal_one_to_the_last_digit_and_scale() {
    let history = History::embedded().unwrap();
    let (mut compared, mut fell_back) = (0u64, 0u64);
    for series in history.binance.values().chain(history.lighter.values()) {
        let symbol = btc();
        // Every third interval of every series, both venues' settlement spacings.
        for pair in series.0.windows(2).step_by(3) {
            let (last, next) = (pair[0].clone(), pair[1].clone());
            let i = Interval::new(&symbol, last, next);
            let span = i.next.time_ms - i.last.time_ms;
            let noise = (0..6u64).map(|k| noise::uniform_micros(&[k, span as u64, i.last.time_ms as u64]));
            let edges = [1_000_000, -1_000_000, 1, -1, 0];
            for (n, u) in noise.chain(edges).enumerate() {
                let elapsed = match n % 4 {
                    0 => 0,
                    1 => span / 2,
                    2 => (span - 60_000).max(0),
                    _ => (span * 7 / 11 / 5_000) * 5_000,
                };
                let want = i.decimal_prediction(elapsed, span - elapsed, u);
                match i.exact.and_then(|e| e.at(elapsed, span - elapsed, u)) {
                    Some(got) => {
                        assert_eq!((got, got.scale()), (want, want.scale()), "{:?} {elapsed} {u}", i.last);
                        compared += 1;
                    }
                    None => fell_back += 1,
                }
            }
        }
    }
    // Zero noise (one edge of five, here) is left to the decimals, and little else.
    eprintln!("{compared} compared, {fell_back} left to the decimals");
    assert!(compared > 100_000 && fell_back * 8 < compared, "{compared} compared, {fell_back} fell back");
}

#[test]
fn the_prediction_in_integers_leaves_ties_zeros_and_overflow_to_the_decimals() {
    use super::prediction::Exact;
    let e = Exact::new(dec!(0.0001), dec!(0.0003), 3_600_000).unwrap();
    assert_eq!(e.at(0, 3_600_000, 0), None);
    assert_eq!(e.at(3_600_000, 0, 5), None);
    // last 0, next 0.0002 over 2 s: A = 0.00004; at 1 s with u = 0.5 the value is
    // 0.0001 + 0.00001; a millionth more noise adds 2e-14 (rounded away), u = -1 takes 2e-5.
    let e = Exact::new(dec!(0), dec!(0.0002), 2_000).unwrap();
    assert_eq!(e.at(1_000, 1_000, 500_000), Some(dec!(0.0001100000)));
    assert_eq!(e.at(1_000, 1_000, 500_001), Some(dec!(0.0001100000)));
    assert_eq!(e.at(1_000, 1_000, -1_000_000), Some(dec!(0.0000800000)));
    assert_eq!(e.at(1_000, 1_000, -1_000_000).unwrap().scale(), 10);
    // 0.01 flat over 1 s, 1 ms left, u = 0.0001: 0.01 + 0.0005/1000·0.0001 = 0.01000000005,
    // exactly on a midpoint at 10 places.
    let e = Exact::new(dec!(0.01), dec!(0.01), 1_000).unwrap();
    assert_eq!(e.at(999, 1, 100), None, "a tie");
    assert_eq!(e.at(999, 1, 101), Some(dec!(0.0100000001)));
    assert_eq!(Exact::new(dec!(0), dec!(0), 3_600_000), None, "no amplitude: the decimal scale");
    assert_eq!(Exact::new(dec!(1.5), dec!(0.1), 3_600_000), None);
    assert_eq!(Exact::new(dec!(0.1), dec!(0.0000000000000000001), 3_600_000), None, "19 places");
    assert_eq!(Exact::new(dec!(0.1), dec!(0.2), 999), None);
    // 12 places over 8 h: a denominator of 2.88e17, finer than the decimals' rounding allows.
    assert_eq!(Exact::new(dec!(0.000100000001), dec!(0.0001), 28_800_000), None);
    assert!(Exact::new(dec!(0.00010000001), dec!(0.0001), 28_800_000).is_some());
    let e = Exact::new(dec!(0.999999999999), dec!(-0.999999999999), 1_000_000).unwrap();
    assert_eq!(e.at(i64::MAX, 1, 1_000_000), None, "overflow");
}

#[test]
fn the_prediction_moves_and_lands_on_the_recorded_rate() {
    let mut m = market(Venue::Binance, 5);
    let t0 = FIRST_BTC + 60_000;
    let next = m.funding(&btc(), t0).unwrap();
    assert_eq!(next.next_funding_ms, FIRST_BTC + 8 * 3_600_000);
    assert_eq!(next.last_settled.unwrap().rate, dec!(0.00007757));
    let samples: Vec<Decimal> = (0..20).map(|i| m.funding(&btc(), t0 + i * 5_000).unwrap().predicted.rate).collect();
    assert!(samples.windows(2).any(|w| w[0] != w[1]), "the prediction should move: {samples:?}");
    // In the last bucket before settlement the noise is gone and the drift has arrived.
    let last = m.funding(&btc(), next.next_funding_ms - 1).unwrap().predicted.rate;
    assert!((last - dec!(0.00007414)).abs() < dec!(0.0000002), "{last}");
}

#[test]
fn filters_differ_per_venue_like_the_real_ones() {
    let b = market(Venue::Binance, 1);
    let l = market(Venue::Lighter, 1);
    let (mb, ml) = (b.market(&btc()).unwrap(), l.market(&btc()).unwrap());
    // About 10 USD a step on Binance, 1 USD on Lighter.
    assert_eq!(mb.filters.step_size.0, dec!(0.0001));
    assert_eq!(ml.filters.step_size.0, dec!(0.00001));
    assert_eq!((mb.maker_fee, mb.taker_fee), (dec!(0.0002), dec!(0.0005)));
    assert_eq!((ml.maker_fee, ml.taker_fee), (dec!(0), dec!(0)));
    assert_eq!(mb.venue_symbol, "BTCUSDT");
}

//! Sizing and pre-flight, by hand.

use super::*;
use crate::funding::FundingInterval;
use rust_decimal_macros::dec;

fn quote(venue: Venue, step: Decimal, mark: Decimal, fee: Decimal, rate: FundingRate) -> LegQuote {
    LegQuote {
        venue,
        filters: MarketFilters {
            tick_size: Price(dec!(0.1)),
            step_size: Qty(step),
            min_qty: Qty(step),
            min_notional: Usd(dec!(5)),
        },
        mark: Price(mark),
        bid: Price(mark - dec!(0.1)),
        ask: Price(mark + dec!(0.1)),
        taker_fee: fee,
        leverage: 5,
        max_leverage: 20,
        available_margin: Usd(dec!(10000)),
        rate,
    }
}

fn pair() -> (LegQuote, LegQuote) {
    let b = quote(
        Venue::Binance,
        dec!(0.001),
        dec!(2000),
        dec!(0.0005),
        FundingRate::new(dec!(0.0008), FundingInterval::EIGHT_HOURS),
    );
    let l = quote(
        Venue::Lighter,
        dec!(0.0001),
        dec!(2000.2),
        dec!(0),
        FundingRate::new(dec!(0.00002), FundingInterval::HOURLY),
    );
    (b, l)
}

fn req(notional: Decimal, slices: u32) -> OpenRequest {
    OpenRequest {
        direction: SpreadDirection::LongLighterShortBinance,
        notional: Usd(notional),
        slices,
        max_slice_notional: Usd::ZERO,
        slippage_cap_bps: 10,
    }
}

#[test]
fn one_quantity_on_the_coarser_step_with_fees_funding_and_margin() {
    let (b, l) = pair();
    let p = preview(&req(dec!(5000), 4), &b, &l);
    assert!(p.is_ok(), "{:?}", p.refusals);
    // mid 2000.1; 5000 / 2000.1 = 2.49987… -> 2.499 on the 0.001 step.
    assert_eq!(p.qty, Qty(dec!(2.499)));
    // Slices round up so that four cover it, as the executor sends them: 3 x 0.625 + 0.624.
    assert_eq!(p.slice_qty, Qty(dec!(0.625)));
    assert_eq!(p.notional, Usd(dec!(4998.2499)));
    // Long Lighter buys with a limit of 2000.3 x 1.001 = 2002.3003 -> 2002.3.
    assert_eq!(p.legs[0].limit_price, Price(dec!(2002.3)));
    // Short Binance sells at 1999.9 x 0.999 = 1997.9001 -> 1998.0 (rounded toward the touch).
    assert_eq!(p.legs[1].limit_price, Price(dec!(1998.0)));
    // Binance fee 2.499 x 1998.0 x 0.0005 = 2.4965010; Lighter none.
    assert_eq!(p.entry_fees, Usd(dec!(2.4965010)));
    // Margin: 2.499 x 2000.2 / 5 = 999.69996 on Lighter; 2.499 x 2000 / 5 = 999.6 on Binance.
    assert_eq!(p.legs[0].margin, Usd(dec!(999.69996)));
    assert_eq!(p.legs[1].margin, Usd(dec!(999.6)));
    // Funding: (0.0001 - 0.00002) per hour x 4998.2499 = 0.39985999 / h.
    assert_eq!(p.funding_per_hour, Usd(dec!(0.399859992)));
    assert_eq!(p.apr, dec!(0.7008));
}

#[test]
fn refusals_name_each_problem() {
    let (mut b, l) = pair();
    b.available_margin = Usd(dec!(0.1));
    b.leverage = 25;
    let p = preview(&req(dec!(15), 4), &b, &l);
    let text = p.refusals.join("\n");
    assert!(text.contains("binance: a slice of 0.001 is below the minimum"), "{text}");
    assert!(text.contains("binance: leverage 25x exceeds"), "{text}");
    assert!(text.contains("binance: margin 0.56 USD exceeds the available 0.1 USD"), "{text}");
    assert!(!p.is_ok());
    let p = preview(&req(dec!(1), 1), &b, &l);
    assert!(p.refusals[0].contains("below one step"), "{:?}", p.refusals);
}

#[test]
fn a_slice_cap_adds_slices() {
    let (b, l) = pair();
    let mut r = req(dec!(5000), 2);
    r.max_slice_notional = Usd(dec!(1000));
    let p = preview(&r, &b, &l);
    assert_eq!(p.slices, 5);
    assert_eq!(p.slice_qty, Qty(dec!(0.500)));
}

#[test]
fn slices_round_up_and_the_remainder_binds_the_minimum() {
    assert_eq!(slice_qty(Qty(dec!(1.0)), 3, Qty(dec!(0.01))), Qty(dec!(0.34)));
    assert_eq!(slice_qty(Qty(dec!(1.2)), 3, Qty(dec!(0.01))), Qty(dec!(0.40)));
    assert_eq!(slice_qty(Qty(dec!(0.001)), 4, Qty(dec!(0.001))), Qty(dec!(0.001)));
    // 0.007 in four: 0.002 x 3 + 0.001; the 0.001 is what the minimum sees.
    let (b, l) = pair();
    let mut b = b;
    b.filters.min_qty = Qty(dec!(0.002));
    b.filters.min_notional = Usd::ZERO;
    let mut l = l;
    l.filters.min_notional = Usd::ZERO;
    let p = preview(&req(dec!(15), 4), &b, &l);
    assert_eq!((p.qty, p.slice_qty), (Qty(dec!(0.007)), Qty(dec!(0.002))));
    assert!(p.refusals.iter().any(|r| r.contains("a slice of 0.001 is below")), "{:?}", p.refusals);
    let p = preview(&req(dec!(16.1), 4), &b, &l);
    assert_eq!((p.qty, p.slice_qty), (Qty(dec!(0.008)), Qty(dec!(0.002))));
    assert!(p.is_ok(), "{:?}", p.refusals);
}

#[test]
fn entry_costs_are_the_previews_fees_and_the_half_spreads_per_hour() {
    let (b, mut l) = pair();
    l.bid = Price(dec!(2000.05));
    l.ask = Price(dec!(2000.45));
    let step = common_step(b.filters.step_size.0, l.filters.step_size.0);
    for direction in [SpreadDirection::LongLighterShortBinance, SpreadDirection::LongBinanceShortLighter] {
        for (notional, cap, horizon) in [(dec!(5000), 10, 72), (dec!(3), 10, 1), (dec!(123456.78), 250, 2160)] {
            let r = OpenRequest { direction, slippage_cap_bps: cap, ..req(notional, 3) };
            let p = preview(&r, &b, &l);
            let c = entry_costs(&r, &b, &l, step, horizon).unwrap();
            assert_eq!(c.notional, p.notional, "{r:?}");
            // The preview's arithmetic, figure by figure.
            let half = |q: &LegQuote| (q.ask.0 - q.bid.0) / Decimal::TWO / q.mark.0;
            let fraction = p.round_trip_fees.0 / p.notional.0 + (half(&b) + half(&l)) * Decimal::TWO;
            let want = fraction / Decimal::from(horizon);
            assert!((c.per_hour - want).abs() < dec!(1e-24), "{r:?}: {} against {want}", c.per_hour);
        }
    }
    // Marks whose product does not fit a decimal (a venue's garbage): the same costs, term by
    // term, and no panic.
    let huge = |q: &LegQuote, mark: Decimal| LegQuote {
        mark: Price(mark),
        bid: Price(mark - dec!(1000)),
        ask: Price(mark + dec!(1000)),
        ..q.clone()
    };
    let (hb, hl) = (huge(&b, dec!(4000000000000)), huge(&l, dec!(4000000001000)));
    let r = req(dec!(40000000000000), 3);
    let c = entry_costs(&r, &hb, &hl, step, 72).unwrap();
    let p = preview(&r, &hb, &hl);
    let half = |q: &LegQuote| (q.ask.0 - q.bid.0) / Decimal::TWO / q.mark.0;
    let want = (p.round_trip_fees.0 / p.notional.0 + (half(&hb) + half(&hl)) * Decimal::TWO) / dec!(72);
    assert!((c.per_hour - want).abs() < dec!(1e-24), "{} against {want}", c.per_hour);
    // Below one step, or without a mark: nothing to rank.
    assert_eq!(entry_costs(&req(dec!(0), 3), &b, &l, step, 72), None);
    let no_mark = LegQuote { mark: Price(dec!(0)), ..l.clone() };
    assert_eq!(entry_costs(&req(dec!(5000), 3), &b, &no_mark, step, 72), None);
    // Buying at the ask and selling at the bid: the direction changes the fees.
    let long_l = req(dec!(5000), 1);
    let long_b = OpenRequest { direction: SpreadDirection::LongBinanceShortLighter, ..long_l.clone() };
    assert_ne!(entry_costs(&long_l, &b, &l, step, 72), entry_costs(&long_b, &b, &l, step, 72));
}

#[test]
fn costs_are_never_negative_where_the_guard_says_so_and_can_be_where_it_does_not() {
    let (b, l) = pair();
    let step = common_step(b.filters.step_size.0, l.filters.step_size.0);
    let guard = |b: &LegQuote, l: &LegQuote, cap| {
        costs_not_negative([b.taker_fee, l.taker_fee], [(b.bid, b.ask), (l.bid, l.ask)], cap)
    };
    let mut checked = 0;
    for (bf, lf) in [(dec!(0.0005), dec!(0)), (dec!(0), dec!(0)), (dec!(0.001), dec!(0.0002))] {
        for (bs, ls) in [(dec!(0), dec!(0)), (dec!(0.1), dec!(0.3)), (dec!(5), dec!(0))] {
            for cap in [0, 10, 250, 10_000] {
                for direction in [SpreadDirection::LongLighterShortBinance, SpreadDirection::LongBinanceShortLighter] {
                    let b =
                        LegQuote { taker_fee: bf, bid: Price(b.mark.0 - bs), ask: Price(b.mark.0 + bs), ..b.clone() };
                    let l =
                        LegQuote { taker_fee: lf, bid: Price(l.mark.0 - ls), ask: Price(l.mark.0 + ls), ..l.clone() };
                    assert!(guard(&b, &l, cap));
                    let r = OpenRequest { direction, slippage_cap_bps: cap, ..req(dec!(5000), 3) };
                    let c = entry_costs(&r, &b, &l, step, 72).unwrap();
                    assert!(c.per_hour >= Decimal::ZERO, "{r:?} {b:?} {l:?}: {}", c.per_hour);
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 72);
    // A rebate on the taker side, a crossed book or a cap beyond 100 %: the guard says no, and
    // the costs can indeed be negative.
    let rebate = LegQuote { taker_fee: dec!(-0.001), ..b.clone() };
    assert!(!guard(&rebate, &l, 10));
    let flat = |q: &LegQuote| LegQuote { bid: q.mark, ask: q.mark, ..q.clone() };
    let c = entry_costs(&req(dec!(5000), 3), &flat(&rebate), &flat(&l), step, 72).unwrap();
    assert!(c.per_hour < Decimal::ZERO, "{}", c.per_hour);
    let crossed = LegQuote { bid: Price(b.mark.0 + dec!(1)), ask: Price(b.mark.0 - dec!(1)), ..b.clone() };
    assert!(!guard(&crossed, &l, 10));
    assert!(!guard(&b, &l, 10_001));
}

#[test]
fn the_entry_quantity_is_zero_exactly_where_entry_costs_has_nothing_to_rank() {
    let (b, l) = pair();
    let step = common_step(b.filters.step_size.0, l.filters.step_size.0);
    for notional in [dec!(0), dec!(0.5), dec!(1.9), dec!(2.0002), dec!(2.0003), dec!(5000)] {
        let (qty, mid) = entry_qty(Usd(notional), b.mark, l.mark, step);
        assert_eq!(mid, dec!(2000.1));
        let costs = entry_costs(&req(notional, 3), &b, &l, step, 72);
        assert_eq!(qty.is_zero(), costs.is_none(), "{notional}: qty {qty}");
    }
    assert_eq!(entry_qty(Usd(dec!(5000)), Price(dec!(0)), Price(dec!(0)), step).0, Decimal::ZERO);
    // The shortcut agrees with the division on every side of the boundary (a step at the mid
    // is 0.2001 here, two of them 0.4002), and for marks at or below zero.
    let mut n = dec!(0);
    while n <= dec!(0.5) {
        assert_eq!(
            entry_qty_is_zero(Usd(n), b.mark, l.mark, step),
            entry_qty(Usd(n), b.mark, l.mark, step).0.is_zero(),
            "{n}"
        );
        n += dec!(0.0001);
    }
    for (mb, ml) in [(dec!(0), dec!(0)), (dec!(-5), dec!(3)), (dec!(1e-20), dec!(1e-20))] {
        let (mb, ml) = (Price(mb), Price(ml));
        assert_eq!(
            entry_qty_is_zero(Usd(dec!(5000)), mb, ml, step),
            entry_qty(Usd(dec!(5000)), mb, ml, step).0.is_zero()
        );
    }
}

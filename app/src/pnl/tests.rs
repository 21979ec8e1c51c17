//! Table-driven P&L checks against hand computations. The tables hold plain decimals, as
//! worked on paper; each row is typed as it goes in.

use super::*;
use crate::funding::FundingInterval;
use rust_decimal_macros::dec;

#[test]
fn fills_table() {
    // (fills as (signed qty, price, fee)), expected (qty, entry, realized, fees)
    type Case = (Vec<(Decimal, Decimal, Decimal)>, (Decimal, Decimal, Decimal, Decimal));
    let cases: Vec<Case> = vec![
        // Open long 2 @ 100, add 2 @ 110: entry 105.
        (
            vec![(dec!(2), dec!(100), dec!(0.1)), (dec!(2), dec!(110), dec!(0.11))],
            (dec!(4), dec!(105), dec!(0), dec!(0.21)),
        ),
        // Long 4 @ 105, sell 1 @ 120: realise +15; entry stays.
        (
            vec![(dec!(4), dec!(105), dec!(0)), (dec!(-1), dec!(120), dec!(0.06))],
            (dec!(3), dec!(105), dec!(15), dec!(0.06)),
        ),
        // Partial close of a short: short 3 @ 50, buy 1 @ 40: +10.
        (vec![(dec!(-3), dec!(50), dec!(0)), (dec!(1), dec!(40), dec!(0))], (dec!(-2), dec!(50), dec!(10), dec!(0))),
        // Short loses: short 2 @ 50, buy 2 @ 55: -10, flat.
        (vec![(dec!(-2), dec!(50), dec!(0)), (dec!(2), dec!(55), dec!(0))], (dec!(0), dec!(0), dec!(-10), dec!(0))),
        // Flip: long 1 @ 100, sell 3 @ 90: realise -10, now short 2 @ 90.
        (
            vec![(dec!(1), dec!(100), dec!(0)), (dec!(-3), dec!(90), dec!(0.135))],
            (dec!(-2), dec!(90), dec!(-10), dec!(0.135)),
        ),
    ];
    for (fills, (qty, entry, realized, fees)) in &cases {
        let mut l = LegLedger::default();
        for (q, p, f) in fills.iter() {
            l.apply_fill(Qty(*q), Price(*p), Usd(*f));
        }
        let want = (Qty(*qty), Price(*entry), Usd(*realized), Usd(*fees));
        assert_eq!((l.qty, l.entry, l.realized, l.fees), want, "{fills:?}");
    }
}

#[test]
fn unrealized_both_signs() {
    let long = LegLedger { qty: Qty(dec!(2)), entry: Price(dec!(100)), ..Default::default() };
    let short = LegLedger { qty: Qty(dec!(-2)), entry: Price(dec!(100)), ..Default::default() };
    assert_eq!(long.unrealized(Price(dec!(103))), Usd(dec!(6)));
    assert_eq!(short.unrealized(Price(dec!(103))), Usd(dec!(-6)));
    assert_eq!(short.notional(Price(dec!(103))), Usd(dec!(206)));
}

#[test]
fn funding_estimate_table() {
    let h = |x: i64| x * crate::MS_PER_HOUR;
    let r8 = FundingRate::new(dec!(0.0008), FundingInterval::EIGHT_HOURS); // 0.0001 / h
    let r1 = FundingRate::new(dec!(-0.00002), FundingInterval::HOURLY);
    // (qty, mark, rate, hours since settlement, expected) — computed by hand.
    let cases = [
        (dec!(-1), dec!(1000), r8, 3, dec!(0.3)),  // short receives 1000 x 0.0001 x 3
        (dec!(1), dec!(1000), r8, 3, dec!(-0.3)),  // long pays
        (dec!(1), dec!(1000), r8, 12, dec!(-0.8)), // capped at the interval
        (dec!(1), dec!(1000), r1, 1, dec!(0.02)),  // negative rate: long receives
        (dec!(-1), dec!(1000), r1, 0, dec!(0)),
    ];
    for (qty, mark, rate, hours, want) in cases {
        assert_eq!(funding_estimate(Qty(qty), Price(mark), rate, 0, h(hours)), Usd(want), "{qty} {rate:?} {hours}h");
    }
}

#[test]
fn hourly_and_eight_hour_legs_do_not_flip_sign_between_settlements() {
    // Short Binance (8 h, +0.0008 / 8 h = 0.0001/h) and long Lighter (1 h, 0.00002/h), 1 unit at 1000.
    let b_rate = FundingRate::new(dec!(0.0008), FundingInterval::EIGHT_HOURS);
    let l_rate = FundingRate::new(dec!(0.00002), FundingInterval::HOURLY);
    let mark = Price(dec!(1000));
    let mut b = LegLedger { qty: Qty(dec!(-1)), entry: mark, ..Default::default() };
    let mut l = LegLedger { qty: Qty(dec!(1)), entry: mark, ..Default::default() };
    let mut last_b = 0;
    for hour in 1..=16i64 {
        let now = hour * crate::MS_PER_HOUR;
        // Lighter settles every hour: the long pays 0.02.
        l.apply_funding(l_rate.payment(l.qty, mark));
        if hour % 8 == 0 {
            b.apply_funding(b_rate.payment(b.qty, mark));
            last_b = now;
        }
        let est_b = funding_estimate(b.qty, mark, b_rate, last_b, now);
        let total = b.funding + l.funding + est_b;
        // Hand figure: the pair earns (0.0001 - 0.00002) x 1000 = 0.08 per hour.
        assert_eq!(total, Usd(dec!(0.08) * Decimal::from(hour)), "hour {hour}");
        assert!(total > Usd::ZERO);
    }
    assert_eq!(b.funding, Usd(dec!(1.6)));
    assert_eq!(l.funding, Usd(dec!(-0.32)));
}

#[test]
fn breakdown_with_partial_close() {
    let fill = |l: &mut LegLedger, q, p, f| l.apply_fill(Qty(q), Price(p), Usd(f));
    let mut b = LegLedger::default();
    let mut l = LegLedger::default();
    fill(&mut b, dec!(-2), dec!(100), dec!(0.1)); // short Binance 2 @ 100, taker 0.05 %
    fill(&mut l, dec!(2), dec!(100.5), dec!(0)); // long Lighter 2 @ 100.5, no fee
    b.apply_funding(Usd(dec!(0.4)));
    // Close 50 %: buy 1 @ 98 on Binance (+2), sell 1 @ 98.2 on Lighter (-2.3).
    fill(&mut b, dec!(1), dec!(98), dec!(0.049));
    fill(&mut l, dec!(-1), dec!(98.2), dec!(0));
    let p =
        PnlBreakdown::from_legs([(&b, Price(dec!(99)), Usd(dec!(0.05))), (&l, Price(dec!(99.1)), Usd(dec!(-0.01)))]);
    // (figure, got, hand-computed)
    let cases = [
        ("price realised", p.price_realized, dec!(-0.3)),
        // Unrealised: short 1 from 100 at 99 = +1; long 1 from 100.5 at 99.1 = -1.4.
        ("price unrealised", p.price_unrealized, dec!(-0.4)),
        ("fees", p.fees, dec!(0.149)),
        ("funding settled", p.funding_settled, dec!(0.4)),
        ("funding estimate", p.funding_estimate, dec!(0.04)),
        ("net", p.net, dec!(-0.3) + dec!(-0.4) + dec!(0.4) - dec!(0.149)),
        ("realised", p.realized(), dec!(-0.3) + dec!(0.4) - dec!(0.149)),
    ];
    for (what, got, want) in cases {
        assert_eq!(got, Usd(want), "{what}");
    }
}

/// The ledger and the breakdown are stored (inside positions) and sent as JSON: the typed
/// fields must read and write exactly the decimal strings the `Decimal` fields did.
#[test]
fn ledger_and_breakdown_json_are_unchanged() {
    let old = r#"{"qty":"-0.50","entry":"60000.1","realized":"1.25","fees":"0.030","funding":"-0.002"}"#;
    let l: LegLedger = serde_json::from_str(old).unwrap();
    assert_eq!((l.qty, l.entry, l.fees), (Qty(dec!(-0.50)), Price(dec!(60000.1)), Usd(dec!(0.030))));
    assert_eq!(serde_json::to_string(&l).unwrap(), old);
    let b = PnlBreakdown { net: Usd(dec!(-1.5)), fees: Usd(dec!(0.25)), ..Default::default() };
    let text = serde_json::to_string(&b).unwrap();
    assert_eq!(
        text,
        r#"{"price_realized":"0","price_unrealized":"0","funding_settled":"0","funding_estimate":"0","fees":"0.25","net":"-1.5"}"#
    );
}

//! Hand-computed checks of rate normalisation: 1 h, 4 h and 8 h intervals, both signs.

use super::*;
use rust_decimal_macros::dec;

fn rate(r: Decimal, h: u32) -> FundingRate {
    FundingRate::new(r, FundingInterval::from_hours(h).unwrap())
}

#[test]
fn normalisation_table() {
    // (rate per interval, interval h, per hour, per day, APR) — computed by hand.
    let cases = [
        (dec!(0.0001), 8, dec!(0.0000125), dec!(0.0003), dec!(0.1095)),
        (dec!(-0.0001), 8, dec!(-0.0000125), dec!(-0.0003), dec!(-0.1095)),
        (dec!(0.0004), 4, dec!(0.0001), dec!(0.0024), dec!(0.876)),
        (dec!(-0.0002), 4, dec!(-0.00005), dec!(-0.0012), dec!(-0.438)),
        (dec!(0.000012), 1, dec!(0.000012), dec!(0.000288), dec!(0.10512)),
        (dec!(-0.00003), 1, dec!(-0.00003), dec!(-0.00072), dec!(-0.2628)),
        (dec!(0), 8, dec!(0), dec!(0), dec!(0)),
    ];
    for (r, h, ph, pd, apr) in cases {
        let f = rate(r, h);
        assert_eq!(f.per_hour(), ph, "per hour of {r} / {h}h");
        assert_eq!(f.per_day(), pd, "per day of {r} / {h}h");
        assert_eq!(f.apr(), apr, "APR of {r} / {h}h");
    }
}

#[test]
fn lighter_units_are_percent_per_hour() {
    // market_stats "-0.0028" is -0.0028 % per hour = -0.000028 per hour.
    let f = FundingRate::from_percent_per_hour(dec!(-0.0028));
    assert_eq!(f.rate, dec!(-0.000028));
    assert_eq!(f.interval, FundingInterval::HOURLY);
    // fundings rows: magnitude plus the side that paid.
    assert_eq!(FundingRate::from_lighter_payment(dec!(0.0012), true).rate, dec!(0.000012));
    assert_eq!(FundingRate::from_lighter_payment(dec!(0.0012), false).rate, dec!(-0.000012));
}

#[test]
fn payment_sign_follows_longs_pay_when_positive() {
    let f = rate(dec!(0.0001), 8);
    // Long 2 BTC at 50,000: pays 2 * 50,000 * 0.0001 = 10.
    assert_eq!(f.payment(Qty(dec!(2)), Price(dec!(50000))), Usd(dec!(-10)));
    assert_eq!(f.payment(Qty(dec!(-2)), Price(dec!(50000))), Usd(dec!(10)));
    let neg = rate(dec!(-0.0001), 8);
    assert_eq!(neg.payment(Qty(dec!(2)), Price(dec!(50000))), Usd(dec!(10)));
}

#[test]
fn spread_picks_the_direction_that_collects() {
    // Binance 0.01 % / 8 h = 0.00125 %/h; Lighter 0.0012 %/h. Short Binance, long Lighter.
    let s = Spread::between(rate(dec!(0.0001), 8), FundingRate::from_percent_per_hour(dec!(0.0012)));
    assert_eq!(s.direction, SpreadDirection::LongLighterShortBinance);
    assert_eq!(s.per_hour, dec!(0.0000005));
    assert_eq!(s.apr, dec!(0.00438));
    let r = Spread::between(rate(dec!(-0.0001), 8), FundingRate::from_percent_per_hour(dec!(0.0012)));
    assert_eq!(r.direction, SpreadDirection::LongBinanceShortLighter);
    assert_eq!(r.per_hour, dec!(0.0000245));
}

#[test]
fn intervals_are_checked_and_settle_on_the_grid() {
    assert!(FundingInterval::from_hours(0).is_err());
    assert!(FundingInterval::from_hours(25).is_err());
    let h8 = FundingInterval::EIGHT_HOURS;
    // 2026-01-01T07:59:59.999Z -> 08:00; exactly 08:00 -> 16:00.
    let jan1 = 1_767_225_600_000;
    assert_eq!(h8.next_settlement_after(jan1 + 8 * 3_600_000 - 1), jan1 + 8 * 3_600_000);
    assert_eq!(h8.next_settlement_after(jan1 + 8 * 3_600_000), jan1 + 16 * 3_600_000);
    assert!(serde_json::from_str::<FundingInterval>("0").is_err());
}

#[test]
fn hourly_per_hour_is_the_division_to_the_last_digit() {
    use std::str::FromStr;
    for s in ["0.00010000", "-0.000012345678", "1.50", "0", "0.0000000000", "-0.0000000001"] {
        let r = Decimal::from_str(s).unwrap();
        let f = FundingRate::new(r, FundingInterval::HOURLY);
        let divided = r / Decimal::ONE;
        assert_eq!(f.per_hour().to_string(), divided.to_string(), "{s}");
        assert_eq!(f.per_hour().scale(), divided.scale(), "{s}");
    }
}

#[test]
fn two_four_and_eight_hour_rates_per_hour_are_the_division_to_the_last_digit() {
    // Every scale and every size of mantissa, both signs, from a fixed xorshift stream; and
    // the shapes real rates take. `halved` must answer for most, and answer as the division.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut cases: Vec<Decimal> =
        ["0.00010000", "-0.000012345678", "0.0080", "0.0001", "678971026854.0", "-0.000000004"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
    for _ in 0..60_000 {
        let digits = (next() % 29) as u32;
        let mantissa = ((u128::from(next()) * u128::from(next())) % 10u128.pow(digits)) as i128;
        let mantissa = if next() % 2 == 0 { -mantissa } else { mantissa };
        if let Ok(d) = Decimal::try_from_i128_with_scale(mantissa, (next() % 29) as u32) {
            cases.push(d);
        }
    }
    let (mut answered, mut total) = (0, 0);
    for r in cases {
        for hours in [2, 4, 8] {
            total += 1;
            let divided = r / Decimal::from(hours);
            if let Some(h) = halved(r, hours) {
                answered += 1;
                assert_eq!((h.to_string(), h.scale()), (divided.to_string(), divided.scale()), "{r} / {hours}");
            }
            let per_hour = FundingRate::new(r, FundingInterval::from_hours(hours).unwrap()).per_hour();
            assert_eq!(
                (per_hour.to_string(), per_hour.scale()),
                (divided.to_string(), divided.scale()),
                "{r} / {hours}"
            );
        }
    }
    // It leaves scales above 19 and huge quotients to the division: about 4 in 10 here.
    assert!(answered * 2 > total, "halved answered {answered} of {total}");
    for real in ["0.00010000", "-0.0000123456", "0.00375", "-0.0001"] {
        assert!(halved(real.parse().unwrap(), 8).is_some(), "{real}");
    }
}

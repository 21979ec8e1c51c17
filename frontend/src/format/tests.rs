//! Table-driven tests of the formatting rules.

use super::*;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[test]
fn percentages_are_signed_and_rounded_half_away_from_zero() {
    let cases = [
        // fraction per hour, shown
        ("0.0000125", "+0.00125%"),
        ("-0.000028", "-0.00280%"),
        ("0.000000004", "0.00000%"),
        ("-0.000000004", "0.00000%"),
        ("-0.00000005", "-0.00001%"),
        ("0.00000004999", "0.00000%"),
        ("0", "0.00000%"),
    ];
    for (fraction, shown) in cases {
        assert_eq!(per_hour(d(fraction)), shown, "{fraction}");
    }
    assert_eq!(apr(d("0.1095")), "+10.95%");
    assert_eq!(apr(d("-12.345678")), "-1,234.57%");
    assert_eq!(percent(d("0.2"), 2), "20.00%");
}

#[test]
fn sign_class_follows_what_is_shown() {
    assert_eq!(percent_sign_class(d("0.0000125"), PER_HOUR_DP), "pos");
    assert_eq!(percent_sign_class(d("-0.0000125"), PER_HOUR_DP), "neg");
    // Rounds to 0.00000 %: neither green nor red.
    assert_eq!(percent_sign_class(d("-0.000000001"), PER_HOUR_DP), "zero");
}

#[test]
fn tiers_by_annualised_magnitude() {
    assert_eq!(tier_class(d("0.01")), "tier-0");
    assert_eq!(tier_class(d("-0.1095")), "tier-1");
    assert_eq!(tier_class(d("0.30")), "tier-2");
    assert_eq!(tier_class(d("-2")), "tier-3");
}

#[test]
fn prices_keep_their_precision_and_group() {
    assert_eq!(price(Price(d("67234.10"))), "67,234.10");
    assert_eq!(price(Price(d("0.000012345"))), "0.000012345");
    assert_eq!(price(Price(d("1000000"))), "1,000,000");
    assert_eq!(price(Price(d("-999.5"))), "-999.5");
    assert_eq!(fixed(d("-1234567.891"), 2), "-1,234,567.89");
}

#[test]
fn countdowns() {
    assert_eq!(countdown(8 * 3_600_000), "08:00:00");
    assert_eq!(countdown(3_599_001), "01:00:00");
    assert_eq!(countdown(61_000), "00:01:01");
    assert_eq!(countdown(1), "00:00:01");
    assert_eq!(countdown(0), "settling");
    assert_eq!(countdown(-5_000), "settling");
}

#[test]
fn utc_labels() {
    // 2025-11-22T14:03:27Z
    let ms = 1_763_820_207_000;
    assert_eq!(utc_time(ms), "14:03:27");
    assert_eq!(utc_hour_minute(ms), "14:03");
    assert_eq!(utc_month_day(ms), "Nov 22");
    assert_eq!(utc_month_day(0), "Jan 1");
    assert_eq!(utc_month_day(951_782_400_000), "Feb 29"); // 2000-02-29
    assert_eq!(interval(FundingInterval::EIGHT_HOURS), "8h");
}

#[test]
fn money_quantities_prices_and_durations() {
    assert_eq!(usd(d("1234.505")), "+1,234.51");
    assert_eq!(usd(d("-0.004")), "0.00");
    assert_eq!(usd(d("-4.05")), "-4.05");
    assert_eq!(usd_class(d("-4.05")), "neg");
    assert_eq!(usd_class(d("-0.004")), "zero");
    assert_eq!(usd_plain(d("100000")), "100,000.00");
    assert_eq!(qty(d("2.499")), "2.499");
    assert_eq!(price_like(d("2001.123456"), Some(d("2000.10"))), "2,001.12");
    assert_eq!(price_like(d("2001.5000"), None), "2,001.5");
    assert_eq!(held(45_000), "45s");
    assert_eq!(held(750_000), "12m 30s");
    assert_eq!(held(18_420_000), "5h 07m");
    assert_eq!(held(273_600_000), "3d 04h");
}

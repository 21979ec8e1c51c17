//! Text for numbers and times: percentages, APR, prices, countdowns, UTC clock labels.
//!
//! Pure functions over `Decimal` and integer milliseconds, no DOM: every figure the SPA shows
//! goes through here, so rounding and sign rules are the same everywhere. A negative figure
//! always carries a leading '-' *and* the `neg` class; a figure that rounds to zero is shown
//! (and classed) as zero, so a red "0.00000 %" cannot happen.

use app::FundingInterval;
use app::money::Price;
use rust_decimal::{Decimal, RoundingStrategy};

/// Places for a per-hour rate in percent: Binance's base 0.01 % per 8 h is 0.00125 %/h,
/// which four places would show as 0.0013.
pub const PER_HOUR_DP: u32 = 5;
pub const APR_DP: u32 = 2;

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// Round half away from zero to exactly `dp` places; a result of zero is never negative.
pub fn round(value: Decimal, dp: u32) -> Decimal {
    let mut r = value.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(dp);
    if r.is_zero() {
        r.set_sign_positive(true);
    }
    r
}

/// `value` with exactly `dp` places and thousands separators: "-1,234.50".
pub fn fixed(value: Decimal, dp: u32) -> String {
    group_thousands(&round(value, dp).to_string())
}

/// Like [`fixed`] with an explicit '+' on positive values, for rates whose sign is the point.
pub fn signed(value: Decimal, dp: u32) -> String {
    let r = round(value, dp);
    let text = group_thousands(&r.to_string());
    if r > Decimal::ZERO { format!("+{text}") } else { text }
}

/// A fraction as a signed percentage: 0.0000125 with 5 places is "+0.00125%".
pub fn percent_signed(fraction: Decimal, dp: u32) -> String {
    format!("{}%", signed(fraction * HUNDRED, dp))
}

/// A fraction as an unsigned-when-positive percentage, for magnitudes such as a spread.
pub fn percent(fraction: Decimal, dp: u32) -> String {
    format!("{}%", fixed(fraction * HUNDRED, dp))
}

pub fn per_hour(fraction: Decimal) -> String {
    percent_signed(fraction, PER_HOUR_DP)
}

pub fn apr(fraction: Decimal) -> String {
    percent_signed(fraction, APR_DP)
}

/// The sign class of a figure as it is shown with `dp` places (of a percentage if the value
/// is a fraction shown as one: pass the same `dp` and `scale`).
pub fn sign_class(shown: Decimal) -> &'static str {
    if shown > Decimal::ZERO {
        "pos"
    } else if shown < Decimal::ZERO {
        "neg"
    } else {
        "zero"
    }
}

/// Sign class of a fraction displayed as a percentage with `dp` places.
pub fn percent_sign_class(fraction: Decimal, dp: u32) -> &'static str {
    sign_class(round(fraction * HUNDRED, dp))
}

/// Strength tier of an annualised rate (a fraction), for colour intensity: under 5 %, under
/// 15 % (around the usual 10.95 % baseline), under 50 %, and beyond.
pub fn tier_class(apr: Decimal) -> &'static str {
    let a = apr.abs();
    if a < Decimal::new(5, 2) {
        "tier-0"
    } else if a < Decimal::new(15, 2) {
        "tier-1"
    } else if a < Decimal::new(50, 2) {
        "tier-2"
    } else {
        "tier-3"
    }
}

/// A price with the precision it arrived with (its tick), grouped: "67,234.10".
pub fn price(p: Price) -> String {
    group_thousands(&p.0.to_string())
}

/// Places of a USD amount.
pub const USD_DP: u32 = 2;

/// A USD amount, signed both ways ("+12.30", "-4.05", "0.00"): P&L, funding, fees as costs.
pub fn usd(value: Decimal) -> String {
    signed(value, USD_DP)
}

/// A USD amount whose sign is not the point (a balance, a notional): "-" only when negative.
pub fn usd_plain(value: Decimal) -> String {
    fixed(value, USD_DP)
}

/// The sign class of a USD amount as shown.
pub fn usd_class(value: Decimal) -> &'static str {
    sign_class(round(value, USD_DP))
}

/// A quantity as the venue's step leaves it, without trailing zeros beyond that: "2.499".
pub fn qty(value: Decimal) -> String {
    group_thousands(&value.to_string())
}

/// A price rounded to the precision of `like` (a mark or a limit price, which arrive with the
/// venue's tick): an average entry price has as many places as its division left it.
pub fn price_like(value: Decimal, like: Option<Decimal>) -> String {
    match like {
        Some(l) => fixed(value, l.scale()),
        None => group_thousands(&value.normalize().to_string()),
    }
}

/// A span of time held: "3d 04h", "5h 07m", "12m 30s", "45s".
pub fn held(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    let (d, h, m) = (s / 86_400, s / 3600 % 24, s / 60 % 60);
    if d > 0 {
        format!("{d}d {h:02}h")
    } else if h > 0 {
        format!("{h}h {m:02}m")
    } else if m > 0 {
        format!("{m}m {:02}s", s % 60)
    } else {
        format!("{}s", s % 60)
    }
}

pub fn interval(i: FundingInterval) -> String {
    format!("{}h", i.hours())
}

/// Time left until a settlement: "07:59:12"; "settling" once it is due and no newer
/// schedule has arrived yet.
pub fn countdown(ms_left: i64) -> String {
    if ms_left <= 0 {
        return "settling".to_owned();
    }
    // Round up so that the display reaches 00:00:01, never 00:00:00, before settling.
    let secs = (ms_left + 999) / 1000;
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// "14:03:27" in UTC.
pub fn utc_time(ms: i64) -> String {
    let s = ms.div_euclid(1000).rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// "14:00" in UTC.
pub fn utc_hour_minute(ms: i64) -> String {
    let s = ms.div_euclid(1000).rem_euclid(86_400);
    format!("{:02}:{:02}", s / 3600, s / 60 % 60)
}

/// "Nov 22" in UTC.
pub fn utc_month_day(ms: i64) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (_, month, day) = civil_from_days(ms.div_euclid(86_400_000));
    format!("{} {}", MONTHS[(month - 1) as usize], day)
}

/// (year, month 1-12, day 1-31) of a count of days since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Insert ',' every three digits of the integer part of a plain decimal string.
fn group_thousands(plain: &str) -> String {
    let (sign, unsigned) = plain.strip_prefix('-').map_or(("", plain), |rest| ("-", rest));
    let (int, frac) = unsigned.split_once('.').map_or((unsigned, None), |(i, f)| (i, Some(f)));
    let mut grouped = String::with_capacity(plain.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

#[cfg(test)]
mod tests;

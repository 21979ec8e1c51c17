//! Daily equity: the UTC day arithmetic and the rows of `GET /api/v1/equity`. One snapshot per
//! venue per day; a day's total is the sum of its venues' equity.

use crate::TimestampMs;
use crate::ids::Venue;
use crate::money::Usd;
use serde::{Deserialize, Serialize};

pub const MS_PER_DAY: i64 = 24 * crate::MS_PER_HOUR;

/// Start (00:00 UTC) of the day containing `t`.
pub fn day_start(t: TimestampMs) -> TimestampMs {
    t.div_euclid(MS_PER_DAY) * MS_PER_DAY
}

/// The UTC date of `t` as "YYYY-MM-DD" (proleptic Gregorian; H. Hinnant's `civil_from_days`).
pub fn date(t: TimestampMs) -> String {
    let z = t.div_euclid(MS_PER_DAY) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// One venue's equity on one day, as taken from its balance.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueEquity {
    pub venue: Venue,
    /// Wallet plus unrealised P&L.
    pub equity: Usd,
    pub wallet: Usd,
    pub unrealised: Usd,
    /// When it was taken, on the venue's clock.
    pub taken_ms: TimestampMs,
}

/// One row of `GET /api/v1/equity`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EquityDay {
    /// 00:00 UTC of the day.
    pub day_ms: TimestampMs,
    pub date: String,
    /// Sum of `venues[].equity`.
    pub total: Usd,
    pub venues: Vec<VenueEquity>,
}

impl EquityDay {
    /// Group snapshots into days, oldest first, venues in order, each day with its total.
    pub fn group(snapshots: impl IntoIterator<Item = (TimestampMs, VenueEquity)>) -> Vec<EquityDay> {
        let mut days: std::collections::BTreeMap<TimestampMs, Vec<VenueEquity>> = Default::default();
        for (day, v) in snapshots {
            days.entry(day_start(day)).or_default().push(v);
        }
        days.into_iter()
            .map(|(day_ms, mut venues)| {
                venues.sort_by_key(|v| v.venue);
                let total = venues.iter().fold(Usd::ZERO, |sum, v| sum + v.equity);
                EquityDay { day_ms, date: date(day_ms), total, venues }
            })
            .collect()
    }
}

/// Query of `GET /api/v1/equity`: the days overlapping `[from, to]` (ms); by default the last
/// 90 days.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams), into_params(parameter_in = Query))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EquityQuery {
    pub from: Option<TimestampMs>,
    pub to: Option<TimestampMs>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn days_and_dates() {
        // (time, day start, date)
        let cases = [
            (0, 0, "1970-01-01"),
            (MS_PER_DAY - 1, 0, "1970-01-01"),
            (-1, -MS_PER_DAY, "1969-12-31"),
            (951_782_400_000, 951_782_400_000, "2000-02-29"),
            (1_772_323_200_000 + 5 * crate::MS_PER_HOUR, 1_772_323_200_000, "2026-03-01"),
            (1_798_761_599_999, 1_798_675_200_000, "2026-12-31"),
            (1_798_761_600_000, 1_798_761_600_000, "2027-01-01"),
        ];
        for (t, start, want) in cases {
            assert_eq!((day_start(t), date(t).as_str()), (start, want), "{t}");
        }
    }

    #[test]
    fn grouping_sums_each_day() {
        let v = |venue, equity, wallet| VenueEquity {
            venue,
            equity: Usd(equity),
            wallet: Usd(wallet),
            unrealised: Usd(equity - wallet),
            taken_ms: 0,
        };
        let d = MS_PER_DAY;
        let days = EquityDay::group([
            (d + 5, v(Venue::Lighter, dec!(50.5), dec!(50))),
            (d, v(Venue::Binance, dec!(100.25), dec!(101))),
            (0, v(Venue::Binance, dec!(100), dec!(100))),
        ]);
        assert_eq!(days.len(), 2);
        assert_eq!((days[0].day_ms, days[0].total), (0, Usd(dec!(100))));
        assert_eq!((days[1].day_ms, days[1].total), (d, Usd(dec!(150.75))));
        assert_eq!(days[1].venues.iter().map(|v| v.venue).collect::<Vec<_>>(), [Venue::Binance, Venue::Lighter]);
    }
}

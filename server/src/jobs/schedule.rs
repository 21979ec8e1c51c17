//! A job's schedule: a cron expression in UTC — five fields (minute hour day month weekday),
//! or six with seconds first for the sub-minute writes — and its next and previous times.

use app::TimestampMs;
use chrono::{DateTime, Utc};
use croner::Cron;
use std::str::FromStr;

#[derive(Debug, Clone)]
pub struct Schedule {
    text: String,
    cron: Cron,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cron expression {text:?}: {message}")]
pub struct ScheduleError {
    pub text: String,
    pub message: String,
}

impl Schedule {
    pub fn parse(text: &str) -> Result<Schedule, ScheduleError> {
        let err = |message: String| ScheduleError { text: text.to_owned(), message };
        let fields = text.split_whitespace().count();
        if !(5..=6).contains(&fields) {
            return Err(err(format!("{fields} fields; 5 (minute hour day month weekday) or 6 (seconds first)")));
        }
        let cron = Cron::from_str(text).map_err(|e| err(e.to_string()))?;
        Ok(Schedule { text: text.trim().to_owned(), cron })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The first time strictly after `t`.
    pub fn next_after(&self, t: TimestampMs) -> Option<TimestampMs> {
        let from = at(t)?;
        self.cron.find_next_occurrence(&from, false).ok().map(|d| d.timestamp_millis())
    }

    /// The last time at or before `t`.
    pub fn latest_at_or_before(&self, t: TimestampMs) -> Option<TimestampMs> {
        let from = at(t)?;
        self.cron.find_previous_occurrence(&from, true).ok().map(|d| d.timestamp_millis())
    }
}

fn at(t: TimestampMs) -> Option<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp_millis(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> TimestampMs {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    #[test]
    fn five_fields_in_utc_and_six_with_seconds() {
        let backup = Schedule::parse("0 1 * * *").unwrap();
        assert_eq!(backup.next_after(ms("2026-12-07T00:59:59Z")), Some(ms("2026-12-07T01:00:00Z")));
        assert_eq!(backup.next_after(ms("2026-12-07T01:00:00Z")), Some(ms("2026-12-08T01:00:00Z")), "strictly after");
        assert_eq!(backup.latest_at_or_before(ms("2026-12-07T01:00:00Z")), Some(ms("2026-12-07T01:00:00Z")));
        assert_eq!(backup.latest_at_or_before(ms("2026-12-07T00:30:00Z")), Some(ms("2026-12-06T01:00:00Z")));
        let monthly = Schedule::parse("0 2 1 * *").unwrap();
        assert_eq!(monthly.next_after(ms("2026-12-07T00:00:00Z")), Some(ms("2027-01-01T02:00:00Z")));
        let prices = Schedule::parse("*/10 * * * * *").unwrap();
        assert_eq!(prices.next_after(ms("2026-12-07T00:00:01.500Z")), Some(ms("2026-12-07T00:00:10Z")));
        for bad in ["0 1 * *", "* * * * * * *", "61 * * * *", "nonsense"] {
            assert!(Schedule::parse(bad).is_err(), "{bad}");
        }
    }
}

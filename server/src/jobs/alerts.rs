//! The rules behind the job alerts, pure so that tests can table them:
//! - a job whose success rate over its last `window` finished runs is below `min_success`
//!   (skipped runs are not the job's doing and do not count; a partial run is not a success);
//! - a job with no success within its period plus a grace time (Healthchecks.io's model): the
//!   deadline is the cron time after the last success's, plus the grace.
//!
//! Each alert fires when its condition becomes true and again only after it has cleared.

use super::schedule::Schedule;
use app::jobs::RunStatus;
use app::{Fraction, TimestampMs};
use rust_decimal::Decimal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateRule {
    pub window: u32,
    pub min_success: Fraction,
}

/// Successes among the newest `window` finished runs (`statuses` newest first); `None`
/// without any finished run.
pub fn success_rate(statuses: &[RunStatus], window: u32) -> Option<(Fraction, u32)> {
    let counted: Vec<RunStatus> =
        statuses.iter().copied().filter(|s| *s != RunStatus::Skipped).take(window.max(1) as usize).collect();
    if counted.is_empty() {
        return None;
    }
    let ok = counted.iter().filter(|s| **s == RunStatus::Success).count();
    let rate = Decimal::from(ok as u64) / Decimal::from(counted.len() as u64);
    Some((Fraction::new(rate.round_dp(4)).unwrap_or(Fraction::ZERO), counted.len() as u32))
}

/// The rate, when a full window of runs is below the rule's minimum.
pub fn rate_too_low(statuses: &[RunStatus], rule: RateRule) -> Option<Fraction> {
    let (rate, counted) = success_rate(statuses, rule.window)?;
    (counted >= rule.window && rate < rule.min_success).then_some(rate)
}

/// When a job whose last success was for cron time `last_ok` (or that has been watched since
/// then) becomes overdue.
pub fn deadline(schedule: &Schedule, last_ok: TimestampMs, grace_ms: i64) -> Option<TimestampMs> {
    schedule.next_after(last_ok).map(|t| t + grace_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use RunStatus::*;

    #[test]
    fn three_failures_in_five_runs_is_below_eighty_percent() {
        let rule = RateRule { window: 5, min_success: Fraction::from_percent(80) };
        assert_eq!(rate_too_low(&[Failed, Success, Failed, Success, Failed], rule), Some(Fraction::from_percent(40)));
        assert_eq!(rate_too_low(&[Failed, Success, Success, Success, Success], rule), None, "80 % is not below");
        assert_eq!(rate_too_low(&[Failed, Failed, Failed], rule), None, "not a full window yet");
        assert_eq!(
            rate_too_low(&[Skipped, Failed, Success, Failed, Success, Failed, Success], rule),
            Some(Fraction::from_percent(40)),
            "skipped runs are not counted; older runs fall out of the window"
        );
        assert_eq!(
            rate_too_low(&[Partial, Partial, Success, Success, Success], rule),
            Some(Fraction::from_percent(60))
        );
        assert_eq!(success_rate(&[], 5), None);
    }

    #[test]
    fn overdue_after_the_next_cron_time_plus_grace() {
        let hourly = Schedule::parse("5 * * * *").unwrap();
        let h = app::MS_PER_HOUR;
        let ten = 10 * 60_000;
        // Last success for 10:05 → due again at 11:05 → overdue from 11:15.
        let last = 10 * h + 5 * 60_000;
        assert_eq!(deadline(&hourly, last, ten), Some(11 * h + 15 * 60_000));
    }
}

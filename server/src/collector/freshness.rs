//! The one staleness policy. A venue's market data is fresh when its stream is up and an
//! update arrived within `stale_after` of **wall time**.
//!
//! Why wall time, and the time we received the update rather than the venue's timestamp on
//! it: it holds at every simulator speed. At 3600× one simulator tick spans an hour of venue
//! time, yet the stream still delivers every tick of real time; judged on venue time it would
//! look an hour old. For a real venue the two agree, and our receipt time is the one a skewed
//! venue clock cannot distort. The verdict is judged here only: `/status`, the System page and
//! the engine's risk gate all read the same [`Freshness`].

use super::state::VenueHealth;
use app::market::Freshness;
use app::{TimestampMs, Venue};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FreshnessPolicy {
    /// Real milliseconds without a market update after which a venue's data is stale.
    pub stale_after_ms: i64,
}

impl FreshnessPolicy {
    /// The verdict on one venue at wall time `now`. The reason names no moving figure (an age),
    /// so the verdict changes only when the state does.
    pub fn judge(&self, venue: Venue, health: &VenueHealth, now: TimestampMs) -> Freshness {
        let why = |detail: String| Some(format!("{venue} market data is stale or disconnected: {detail}"));
        let stale = if health.stream_down {
            why("its stream is down".into())
        } else {
            match health.received_ms {
                None => why("no market update received yet".into()),
                Some(t) if now - t > self.stale_after_ms => {
                    why(format!("no market update for over {} s", self.stale_after_ms / 1000))
                }
                Some(_) => None,
            }
        };
        Freshness { venue, stale }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: FreshnessPolicy = FreshnessPolicy { stale_after_ms: 30_000 };

    fn health(received_ms: Option<i64>, stream_down: bool) -> VenueHealth {
        VenueHealth { received_ms, stream_down, ..Default::default() }
    }

    #[test]
    fn fresh_within_the_window_of_wall_time() {
        let cases = [
            (health(None, false), 0, Some("no market update received yet")),
            (health(Some(1_000), false), 31_000, None),
            (health(Some(1_000), false), 31_001, Some("no market update for over 30 s")),
            (health(Some(1_000), true), 2_000, Some("its stream is down")),
        ];
        for (h, now, want) in cases {
            let verdict = POLICY.judge(Venue::Lighter, &h, now);
            match want {
                None => assert!(verdict.is_fresh(), "{verdict:?}"),
                Some(detail) => assert_eq!(
                    verdict.stale.as_deref(),
                    Some(format!("lighter market data is stale or disconnected: {detail}").as_str())
                ),
            }
        }
    }

    #[test]
    fn the_verdict_does_not_change_while_nothing_does() {
        let h = health(Some(0), false);
        assert_eq!(POLICY.judge(Venue::Binance, &h, 40_000), POLICY.judge(Venue::Binance, &h, 90_000));
    }
}

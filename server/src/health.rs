//! Venue health probes: every few seconds each venue answers one cheap REST call, and its round
//! trip (or its error) is kept for `GET /api/v1/status`.
//!
//! Market-data freshness says whether the push stream flows; this says whether the venue's REST
//! API — the path orders take — answers, and how fast. Probes run concurrently, one per venue,
//! so a venue that hangs does not delay the other's figure; each is bounded by a timeout.

use crate::clock::Clock;
use crate::venue::DynVenue;
use app::api::VenueStatus;
use app::{TimestampMs, Venue};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// How often each venue is probed. One weight-1 call per venue every 10 s is far inside every
/// venue's rate limits.
pub const PROBE_EVERY: Duration = Duration::from_secs(10);
/// A probe that has not answered by then counts as failed.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// The outcome of one venue's latest probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// Round trip in real milliseconds; none when the probe failed.
    pub latency_ms: Option<u64>,
    /// When the probe was sent (wall clock).
    pub probed_ms: TimestampMs,
    pub error: Option<String>,
}

/// Read side of the probes, shared with the HTTP handlers. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct HealthHandle {
    probes: Arc<RwLock<HashMap<Venue, Probe>>>,
}

impl HealthHandle {
    pub fn probe(&self, venue: Venue) -> Option<Probe> {
        self.probes.read().unwrap_or_else(|e| e.into_inner()).get(&venue).cloned()
    }

    /// Copy `status.venue`'s latest probe into the status row.
    pub fn fill(&self, status: &mut VenueStatus) {
        if let Some(p) = self.probe(status.venue) {
            status.latency_ms = p.latency_ms;
            status.probed_ms = Some(p.probed_ms);
            status.last_error = p.error;
        }
    }

    fn record(&self, venue: Venue, probe: Probe) {
        self.probes.write().unwrap_or_else(|e| e.into_inner()).insert(venue, probe);
    }
}

/// Probe every venue now and then every `every`, until `shutdown`.
pub async fn run(
    handle: HealthHandle,
    venues: Vec<DynVenue>,
    clock: Clock,
    every: Duration,
    shutdown: CancellationToken,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let probes = venues.iter().map(|v| async { (v.venue(), probe(v, &clock, PROBE_TIMEOUT).await) });
        for (venue, result) in futures::future::join_all(probes).await {
            if let Some(e) = &result.error {
                tracing::debug!(%venue, error = %e, "venue probe failed");
            }
            handle.record(venue, result);
        }
    }
}

/// Time one `ping` of `venue`.
pub async fn probe(venue: &DynVenue, clock: &Clock, timeout: Duration) -> Probe {
    let probed_ms = clock.wall_ms();
    let started = Instant::now();
    let outcome = tokio::time::timeout(timeout, venue.ping()).await;
    let elapsed = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    match outcome {
        Ok(Ok(())) => Probe { latency_ms: Some(elapsed), probed_ms, error: None },
        Ok(Err(e)) => Probe { latency_ms: None, probed_ms, error: Some(e.to_string()) },
        Err(_) => {
            Probe { latency_ms: None, probed_ms, error: Some(format!("no answer within {} ms", timeout.as_millis())) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::FaultSettings;
    use crate::venue::sim::history::History;
    use crate::venue::sim::{SimClock, SimConfig, SimVenue};
    use rust_decimal::Decimal;

    fn sim(venue: Venue, latency_ms: u64) -> DynVenue {
        let faults = FaultSettings { latency_ms, ..FaultSettings::default() };
        let config = SimConfig { seed: 1, starting_balance: Decimal::from(1000), faults };
        let history = History::embedded().expect("history");
        SimVenue::new(venue, history, SimClock::manual(1_772_323_200_000), config)
    }

    #[tokio::test]
    async fn a_probe_times_the_round_trip_or_reports_why_it_failed() {
        let slow = sim(Venue::Binance, 30);
        let p = probe(&slow, &Clock::system(), Duration::from_secs(5)).await;
        assert!(p.latency_ms.is_some_and(|ms| (30..5000).contains(&ms)), "{p:?}");
        assert_eq!(p.error, None);

        let hung = sim(Venue::Lighter, 2_000);
        let p = probe(&hung, &Clock::system(), Duration::from_millis(50)).await;
        assert_eq!((p.latency_ms, p.error.as_deref()), (None, Some("no answer within 50 ms")));
    }

    #[tokio::test]
    async fn the_task_probes_every_venue_and_the_status_rows_carry_it() {
        let handle = HealthHandle::default();
        let venues = vec![sim(Venue::Binance, 0), sim(Venue::Lighter, 20)];
        let stop = CancellationToken::new();
        let task = tokio::spawn(run(handle.clone(), venues, Clock::system(), Duration::from_millis(20), stop.clone()));
        for _ in 0..100 {
            if Venue::ALL.into_iter().all(|v| handle.probe(v).is_some()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        stop.cancel();
        task.await.expect("probe task");

        let mut row = VenueStatus {
            venue: Venue::Lighter,
            mode: app::VenueMode::Sim,
            connected: true,
            stale_reason: None,
            last_update_ms: None,
            data_age_ms: None,
            symbols: 0,
            latency_ms: None,
            probed_ms: None,
            last_error: Some("stale".into()),
        };
        handle.fill(&mut row);
        assert!(row.latency_ms.is_some_and(|ms| ms >= 20), "{row:?}");
        assert!(row.probed_ms.is_some());
        assert_eq!(row.last_error, None);
    }
}

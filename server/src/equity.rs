//! Daily equity snapshots: each venue's balance (wallet + unrealised P&L) recorded once per UTC
//! day, and at start-up when today's is missing. The day is the venue's own clock's: a
//! compressed simulator lives many market days per real day, and each of them gets its row.
//! A venue that cannot answer is tried again on the next poll.

use crate::db;
use crate::venue::{DynVenue, VenueError};
use app::equity::{VenueEquity, day_start};
use app::{TimestampMs, Venue};
use sea_orm::{DatabaseConnection, DbErr};
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often the venues' clocks are looked at. Cheap (no I/O unless a day is due); a simulator
/// at speed 3600 has a 24-second day, so its snapshot is at most 1/24 of a day late.
const POLL: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
enum SnapshotError {
    #[error(transparent)]
    Venue(#[from] VenueError),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

pub struct Snapshotter {
    db: DatabaseConnection,
    venues: Vec<DynVenue>,
    /// The latest day recorded per venue; read from the database so a restart on the same day
    /// does not take a second snapshot.
    done: HashMap<Venue, TimestampMs>,
    /// Venues whose last attempt failed, so a long outage is logged once, not every second.
    failing: HashSet<Venue>,
}

impl Snapshotter {
    pub async fn new(db: DatabaseConnection, venues: Vec<DynVenue>) -> Result<Self, DbErr> {
        let mut done = HashMap::new();
        for v in &venues {
            if let Some(day) = db::equity::last_day(&db, v.venue()).await? {
                done.insert(v.venue(), day);
            }
        }
        Ok(Self { db, venues, done, failing: HashSet::new() })
    }

    /// Snapshot every venue whose current day has no row yet; returns the venues written.
    pub async fn snapshot_due(&mut self) -> Vec<Venue> {
        let mut written = Vec::new();
        for v in &self.venues {
            let venue = v.venue();
            if self.done.get(&venue).is_some_and(|&day| day >= day_start(v.now_ms())) {
                continue;
            }
            match take(&self.db, v).await {
                Ok(day) => {
                    if self.failing.remove(&venue) {
                        tracing::info!(%venue, "equity snapshot taken again");
                    }
                    self.done.insert(venue, day);
                    written.push(venue);
                }
                Err(e) => {
                    if self.failing.insert(venue) {
                        tracing::warn!(%venue, error = %e, "equity snapshot failed; retrying every poll");
                    }
                }
            }
        }
        written
    }
}

/// One venue's balance, stored under the day of the venue's own timestamp on it.
async fn take(db: &DatabaseConnection, v: &DynVenue) -> Result<TimestampMs, SnapshotError> {
    let b = v.balance().await?;
    let day = day_start(b.time_ms);
    let row = VenueEquity {
        venue: v.venue(),
        equity: b.equity,
        wallet: b.wallet,
        unrealised: b.equity - b.wallet,
        taken_ms: b.time_ms,
    };
    db::equity::upsert(db, day, &row).await?;
    Ok(day)
}

/// The long-lived task: poll until `cancel`.
pub async fn run(db: DatabaseConnection, venues: Vec<DynVenue>, cancel: CancellationToken) {
    let mut snapshots = match Snapshotter::new(db, venues).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "equity snapshots disabled: cannot read the last ones");
            return;
        }
    };
    let mut poll = tokio::time::interval(POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = poll.tick() => {}
        }
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = snapshots.snapshot_due() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::venue::VenueClient;
    use crate::venue::sim::history::{History, ORIGIN_MS, PERIOD_MS};
    use crate::venue::sim::{SimClock, SimConfig, SimVenue};
    use app::equity::MS_PER_DAY;
    use app::order::{OrderRequest, OrderType, Side, TimeInForce};
    use app::{ClientOrderId, MS_PER_HOUR, Qty, Symbol};
    use rust_decimal::Decimal;

    #[tokio::test]
    async fn one_row_per_venue_per_day_over_two_day_boundaries() {
        let db = db::connect("sqlite::memory:").await.unwrap();
        // 22:00 UTC, a year into the recorded history.
        let day0 = day_start(ORIGIN_MS + PERIOD_MS) + 10 * MS_PER_DAY;
        let clock = SimClock::manual(day0 + 22 * MS_PER_HOUR);
        let history = History::embedded().unwrap();
        let sim = |venue, balance: i64| {
            let config = SimConfig { seed: 3, starting_balance: Decimal::from(balance), faults: Default::default() };
            SimVenue::new(venue, history.clone(), clock.clone(), config)
        };
        let (binance, lighter) = (sim(Venue::Binance, 100_000), sim(Venue::Lighter, 40_000));
        // Hold BTC on Binance so equity differs from the wallet and moves from day to day.
        let buy = OrderRequest {
            client_order_id: ClientOrderId::new("eq-1").unwrap(),
            symbol: Symbol::new("BTC").unwrap(),
            side: Side::Buy,
            qty: Qty(Decimal::ONE),
            order_type: OrderType::Market,
            price: None,
            time_in_force: TimeInForce::Ioc,
            reduce_only: false,
        };
        binance.place_order(&buy).await.unwrap();
        let venues: Vec<DynVenue> = vec![binance, lighter];

        let mut s = Snapshotter::new(db.clone(), venues.clone()).await.unwrap();
        assert_eq!(s.snapshot_due().await, [Venue::Binance, Venue::Lighter], "start-up: today's is missing");
        assert!(s.snapshot_due().await.is_empty());
        clock.advance(MS_PER_HOUR);
        assert!(s.snapshot_due().await.is_empty(), "23:00, same day");
        clock.advance(MS_PER_HOUR + 1);
        assert_eq!(s.snapshot_due().await.len(), 2, "just past midnight");
        clock.advance(6 * MS_PER_HOUR);
        assert!(s.snapshot_due().await.is_empty());
        clock.advance(MS_PER_DAY);
        assert_eq!(s.snapshot_due().await.len(), 2, "the second boundary");
        // A restart on the same day finds today's rows.
        let mut restarted = Snapshotter::new(db.clone(), venues).await.unwrap();
        assert!(restarted.snapshot_due().await.is_empty());

        let days = db::equity::days(&db, 0, i64::MAX).await.unwrap();
        let starts: Vec<TimestampMs> = days.iter().map(|d| d.day_ms).collect();
        assert_eq!(starts, [day0, day0 + MS_PER_DAY, day0 + 2 * MS_PER_DAY]);
        for d in &days {
            assert_eq!(d.venues.iter().map(|v| v.venue).collect::<Vec<_>>(), [Venue::Binance, Venue::Lighter]);
            assert_eq!(d.total.0, d.venues.iter().map(|v| v.equity.0).sum::<Decimal>());
            assert!(d.venues.iter().all(|v| v.equity == v.wallet + v.unrealised && day_start(v.taken_ms) == d.day_ms));
            assert_eq!(d.venues[1].equity.0, Decimal::from(40_000), "Lighter: no position, no fees");
            assert!(!d.venues[0].unrealised.is_zero());
        }
        assert_ne!(days[0].total, days[2].total, "the BTC position's value moved");
    }
}

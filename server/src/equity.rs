//! Daily equity snapshots: each venue's balance (wallet + unrealised P&L) recorded once per
//! market day, by the `snapshot` job (at 00:00, and at start-up when today's is missing). The
//! day is the venue's own clock's: a compressed simulator lives many market days per real day,
//! and the job, which reads the markets' clock, runs at each of their midnights. A venue that
//! cannot answer makes the run partial; the next run tries again.

use crate::db;
use crate::venue::{DynVenue, VenueError};
use app::equity::{VenueEquity, day_start};
use app::{TimestampMs, Venue};
use sea_orm::{DatabaseConnection, DbErr};

#[derive(Debug, thiserror::Error)]
enum SnapshotError {
    #[error(transparent)]
    Venue(#[from] VenueError),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// What a snapshot run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Taken {
    pub written: Vec<Venue>,
    /// Venues that were due but could not be snapshotted, with why.
    pub failed: Vec<String>,
}

/// Snapshot every venue whose current market day has no row yet. Idempotent: a second run on
/// the same day writes nothing.
pub async fn snapshot_due(db: &DatabaseConnection, venues: &[DynVenue]) -> Result<Taken, DbErr> {
    let mut taken = Taken::default();
    for v in venues {
        let venue = v.venue();
        if db::equity::last_day(db, venue).await?.is_some_and(|day| day >= day_start(v.now_ms())) {
            continue;
        }
        match take(db, v).await {
            Ok(_) => taken.written.push(venue),
            Err(e) => {
                tracing::warn!(%venue, error = %e, "equity snapshot failed");
                taken.failed.push(format!("{venue}: {e}"));
            }
        }
    }
    Ok(taken)
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

        let due = || async { snapshot_due(&db, &venues).await.unwrap().written };
        assert_eq!(due().await, [Venue::Binance, Venue::Lighter], "start-up: today's is missing");
        assert!(due().await.is_empty());
        clock.advance(MS_PER_HOUR);
        assert!(due().await.is_empty(), "23:00, same day");
        clock.advance(MS_PER_HOUR + 1);
        assert_eq!(due().await.len(), 2, "just past midnight");
        clock.advance(6 * MS_PER_HOUR);
        assert!(due().await.is_empty());
        clock.advance(MS_PER_DAY);
        assert_eq!(due().await.len(), 2, "the second boundary");

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

//! Nothing lost between the venues and the engine. A venue's stream can drop events: the
//! collector's forwarder lags behind a burst, a socket reconnects, the platform was down.
//! Funding payments arrive only on the stream, and a resting order's fills may too. So on a
//! lag, on a reconnect, at start-up and every hour (the `refetch` job) each venue is asked
//! again for what happened since the last complete fetch:
//! - its funding payments, each handed to the engine as the `FundingPaid` event it would have
//!   been (the engine books each settlement of a leg once, whenever it arrives);
//! - the report of every order of ours the engine still holds as unfinished, handed over as
//!   the venue's `Order` event: the report's cumulative fill books exactly what is missing
//!   (fills are keyed by order and cumulative quantity), never twice.
//!
//! The engine stays pure: what is fetched enters its one queue as events, in order with the
//! rest, and is logged and replayed like them.

use crate::db;
use crate::engine::{EngineEvent, EngineHandle};
use crate::metrics::names;
use crate::venue::{DynVenue, VenueEvent};
use app::trading::OrderStatus;
use app::{MS_PER_HOUR, TimestampMs, Venue};
use sea_orm::DatabaseConnection;
use std::collections::{BTreeSet, HashMap};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// Each fetch overlaps the previous one by this much venue time: an event stamped just before
/// a fetch may be published just after it.
const OVERLAP_MS: i64 = 5 * 60_000;
/// How far back the first fetch after start-up looks at most.
const FIRST_LOOKBACK_MS: i64 = 7 * 24 * MS_PER_HOUR;

/// What one request fetched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refetched {
    /// Payments and order reports handed to the engine.
    pub records: usize,
    /// Venues that could not be read, with why.
    pub failed: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("the re-fetcher is not running")]
pub struct Stopped;

struct Request {
    /// `None`: every venue.
    venue: Option<Venue>,
    reason: String,
    reply: Option<oneshot::Sender<Refetched>>,
}

/// Cheap to clone: asks the re-fetcher for a fetch.
#[derive(Clone, Debug)]
pub struct RefetchHandle {
    tx: mpsc::Sender<Request>,
}

impl RefetchHandle {
    /// Fetch `venue` again soon (a lag, a reconnect); nobody waits. Requests made while one
    /// runs are merged into the next.
    pub fn request(&self, venue: Venue, reason: &str) {
        let _ = self.tx.try_send(Request { venue: Some(venue), reason: reason.to_owned(), reply: None });
    }

    /// Fetch every venue now and wait for the outcome.
    pub async fn all(&self, reason: &str) -> Result<Refetched, Stopped> {
        let (tx, rx) = oneshot::channel();
        let req = Request { venue: None, reason: reason.to_owned(), reply: Some(tx) };
        self.tx.send(req).await.map_err(|_| Stopped)?;
        rx.await.map_err(|_| Stopped)
    }
}

pub struct Refetcher {
    venues: Vec<DynVenue>,
    db: DatabaseConnection,
    engine: EngineHandle,
    /// Per venue, the venue time up to which everything has been fetched.
    complete: HashMap<Venue, TimestampMs>,
    rx: mpsc::Receiver<Request>,
}

pub fn refetcher(venues: Vec<DynVenue>, db: DatabaseConnection, engine: EngineHandle) -> (Refetcher, RefetchHandle) {
    let (tx, rx) = mpsc::channel(64);
    (Refetcher { venues, db, engine, complete: HashMap::new(), rx }, RefetchHandle { tx })
}

impl Refetcher {
    pub async fn run(mut self, cancel: CancellationToken) {
        loop {
            let first = tokio::select! {
                _ = cancel.cancelled() => break,
                r = self.rx.recv() => match r { Some(r) => r, None => break },
            };
            // Everything asked meanwhile is served by the same fetch.
            let mut requests = vec![first];
            while let Ok(r) = self.rx.try_recv() {
                requests.push(r);
            }
            let wanted: BTreeSet<Venue> = if requests.iter().any(|r| r.venue.is_none()) {
                self.venues.iter().map(|v| v.venue()).collect()
            } else {
                requests.iter().filter_map(|r| r.venue).collect()
            };
            let reasons: BTreeSet<&str> = requests.iter().map(|r| r.reason.as_str()).collect();
            tracing::info!(venues = ?wanted, reasons = ?reasons, "re-fetching venue history");
            let mut done = Refetched::default();
            for venue in self.venues.clone().into_iter().filter(|v| wanted.contains(&v.venue())) {
                match self.fetch(&venue).await {
                    Ok(n) => done.records += n,
                    Err(e) => {
                        tracing::warn!(venue = %venue.venue(), error = %e, "re-fetch failed");
                        done.failed.push(format!("{}: {e}", venue.venue()));
                    }
                }
            }
            for r in requests {
                if let Some(reply) = r.reply {
                    let _ = reply.send(done.clone());
                }
            }
        }
    }

    /// One venue: payments since the last complete fetch, then every unfinished order's report.
    async fn fetch(&mut self, v: &DynVenue) -> Result<usize, String> {
        let venue = v.venue();
        let start = v.now_ms();
        let since = match self.complete.get(&venue) {
            Some(t) => *t,
            None => self.first_since(venue, start).await,
        };
        let payments = v.funding_payments(since).await.map_err(|e| e.to_string())?;
        let unfinished: Vec<(app::Symbol, app::ClientOrderId)> = self.engine.read(|view| {
            view.orders
                .values()
                .filter(|o| o.venue == venue && !o.status.is_final() && o.status != OrderStatus::Created)
                .map(|o| (o.symbol.clone(), o.client_order_id.clone()))
                .collect()
        });
        let mut reports = Vec::new();
        for (symbol, id) in unfinished {
            match v.query_order(&symbol, &id).await {
                Ok(Some(r)) => reports.push(r),
                // Not on the venue: the engine's own queries settle that.
                Ok(None) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        let counts = (payments.len(), reports.len());
        let events = self.engine.events();
        for p in payments {
            events.send(EngineEvent::Venue(VenueEvent::FundingPaid(p))).await.map_err(|_| "the engine stopped")?;
        }
        for r in reports {
            events.send(EngineEvent::Venue(VenueEvent::Order(r))).await.map_err(|_| "the engine stopped")?;
        }
        metrics::counter!(names::REFETCHED, "venue" => venue.as_str(), "kind" => "payment").increment(counts.0 as u64);
        metrics::counter!(names::REFETCHED, "venue" => venue.as_str(), "kind" => "order_report")
            .increment(counts.1 as u64);
        self.complete.insert(venue, start - OVERLAP_MS);
        tracing::debug!(%venue, since, payments = counts.0, reports = counts.1, "re-fetched");
        Ok(counts.0 + counts.1)
    }

    /// After a start: from the last fill or payment booked on the venue (what happened while the
    /// platform was down comes after it), at most a week back.
    async fn first_since(&self, venue: Venue, start: TimestampMs) -> TimestampMs {
        let fill = db::page::last_time::<db::fills::Fills>(&self.db, venue).await.ok().flatten();
        let paid = db::page::last_time::<db::payments::Payments>(&self.db, venue).await.ok().flatten();
        let last = fill.into_iter().chain(paid).max().unwrap_or(start - 24 * MS_PER_HOUR);
        (last - OVERLAP_MS).max(start - FIRST_LOOKBACK_MS)
    }
}

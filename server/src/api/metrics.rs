//! `GET /metrics`: the Prometheus exposition. On the main port it is for admins (the gate's
//! policy); with `metrics.port` set it is also served alone, without authentication, on that
//! port. The gauges that describe state are set from the platform's state just before
//! rendering: orders by status, open exposure, venue latency and staleness, backup age.

use crate::metrics::{handle, names};
use crate::state::AppState;
use app::trading::OrderStatus;
use app::{Usd, Venue};
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use rust_decimal::prelude::ToPrimitive;
use std::collections::{BTreeMap, HashMap};

pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

/// The metrics alone, for a separate port.
pub fn public(state: AppState) -> Router {
    router().with_state(state)
}

async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    refresh(&s);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle().render())
}

/// Set the state gauges from what the platform holds now.
fn refresh(s: &AppState) {
    let mut orders: HashMap<(Venue, OrderStatus), u32> = HashMap::new();
    let mut exposure: BTreeMap<Venue, Usd> = Venue::ALL.iter().map(|v| (*v, Usd::ZERO)).collect();
    s.engine.read(|v| {
        for o in v.orders.values() {
            *orders.entry((o.venue, o.status)).or_default() += 1;
        }
        for p in v.positions.values().filter(|p| p.status.is_active()) {
            for leg in &p.legs {
                let price = leg.mark_price.unwrap_or(leg.entry_price);
                *exposure.entry(leg.venue).or_default() += Usd(leg.qty.abs().0 * price.0);
            }
        }
    });
    for venue in Venue::ALL {
        for status in OrderStatus::ALL {
            let n = orders.get(&(venue, status)).copied().unwrap_or(0);
            metrics::gauge!(names::ORDERS, "venue" => venue.as_str(), "status" => app::text::name(&status))
                .set(f64::from(n));
        }
    }
    // Money stays Decimal; a gauge is a float only at the exposition.
    for (venue, notional) in exposure {
        metrics::gauge!(names::OPEN_EXPOSURE, "venue" => venue.as_str()).set(notional.0.to_f64().unwrap_or(0.0));
    }
    let wall = s.clock.wall_ms();
    let mut venues = s.collector.read(|c| c.venue_status(wall));
    venues.iter_mut().for_each(|v| s.health.fill(v));
    for v in venues {
        let venue = v.venue.as_str();
        if let Some(ms) = v.latency_ms {
            metrics::gauge!(names::VENUE_LATENCY, "venue" => venue).set(ms as f64 / 1000.0);
        }
        let age = v.data_age_ms.map_or(f64::INFINITY, |ms| ms as f64 / 1000.0);
        metrics::gauge!(names::VENUE_DATA_AGE, "venue" => venue).set(age);
        metrics::gauge!(names::VENUE_STALE, "venue" => venue).set(if v.connected { 0.0 } else { 1.0 });
    }
    let newest = crate::backup::retention::list(&s.jobs.context().backup.dir)
        .ok()
        .and_then(|list| list.into_iter().map(|(t, _)| t).max());
    let age = newest.map_or(f64::INFINITY, |t| (wall - t).max(0) as f64 / 1000.0);
    metrics::gauge!(names::BACKUP_AGE).set(age);
}

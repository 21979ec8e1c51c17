//! Liveness and status: venues connected, data freshness, REST latency, version, uptime.

use super::AppState;
use app::api::{Health, Status};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health)).route("/status", get(status))
}

async fn health() -> Json<Health> {
    Json(Health { status: "ok".into() })
}

async fn status(State(state): State<AppState>) -> Json<Status> {
    let now = state.now_ms();
    let venue_now = |v| state.venues.iter().find(|x| x.venue() == v).map_or(now, |x| x.now_ms());
    let mut venues = state.collector.read(|s| s.venue_status(venue_now, state.stale_after_ms));
    venues.iter_mut().for_each(|v| state.health.fill(v));
    let wall = crate::venue::sim::clock::wall_clock_ms();
    Json(Status {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        started_ms: state.started_ms,
        uptime_s: (wall - state.started_ms).max(0) / 1000,
        now_ms: now,
        venues,
    })
}

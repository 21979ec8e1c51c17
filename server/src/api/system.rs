//! Liveness and status: venues connected, data freshness, REST latency, version, uptime.

use crate::state::AppState;
use app::api::{Health, Status};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health)).route("/status", get(status))
}

#[utoipa::path(
    get,
    path = "/api/v1/health",
    operation_id = "health",
    tag = "system",
    responses((status = 200, description = "The server answers", body = app::api::Health))
)]
async fn health() -> Json<Health> {
    Json(Health { status: "ok".into() })
}

/// Each venue's freshness is the collector's stored verdict: the one the risk gate reads.
#[utoipa::path(
    get,
    path = "/api/v1/status",
    operation_id = "status",
    tag = "system",
    responses((status = 200, description = "Venues, freshness, latency, version and uptime", body = app::api::Status))
)]
async fn status(State(state): State<AppState>) -> Json<Status> {
    let wall = state.clock.wall_ms();
    let mut venues = state.collector.read(|s| s.venue_status(wall));
    venues.iter_mut().for_each(|v| state.health.fill(v));
    Json(Status {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        started_ms: state.started_ms,
        uptime_s: (wall - state.started_ms).max(0) / 1000,
        now_ms: state.clock.venue_ms(),
        venues,
    })
}

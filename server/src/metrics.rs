//! Prometheus metrics: the `metrics` facade everywhere, rendered by
//! `metrics-exporter-prometheus` from an axum route (`api::metrics`; no listener or push
//! gateway of its own). Counters and histograms are recorded where things happen; the gauges
//! that describe state (orders by status, exposure, venue staleness, backup age) are set from
//! the platform's state on each scrape, so they are never stale.
//!
//! The names are below, in one place; `docs/OPERATIONS.md` lists them for dashboards and
//! alerts, with a scrape configuration and alert rules beside it.

use metrics::{describe_counter, describe_gauge, describe_histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

pub mod names {
    pub const HTTP_REQUESTS: &str = "arb_http_requests_total";
    pub const HTTP_DURATION: &str = "arb_http_request_duration_seconds";
    pub const WS_CLIENTS: &str = "arb_ws_clients";
    pub const ENGINE_EVENTS: &str = "arb_engine_events_total";
    pub const ENGINE_DECISION: &str = "arb_engine_decision_seconds";
    pub const ORDERS: &str = "arb_orders";
    pub const FILLS: &str = "arb_fills_total";
    pub const FUNDING_CAPTURED: &str = "arb_funding_captured_usd";
    pub const OPEN_EXPOSURE: &str = "arb_open_exposure_usd";
    pub const VENUE_LATENCY: &str = "arb_venue_rest_latency_seconds";
    pub const VENUE_DATA_AGE: &str = "arb_venue_data_age_seconds";
    pub const VENUE_STALE: &str = "arb_venue_stale";
    pub const JOB_RUNS: &str = "arb_job_runs_total";
    pub const JOB_DURATION: &str = "arb_job_duration_seconds";
    pub const JOB_LAST_SUCCESS: &str = "arb_job_last_success_timestamp_seconds";
    pub const BACKUP_AGE: &str = "arb_backup_age_seconds";
    pub const REFETCHED: &str = "arb_refetched_total";
    /// Notification deliveries by channel and status (`ok`, `failed`, `retry`). The stored
    /// copy counts as the channel `store`; the outbox's channels add theirs with this name.
    pub const NOTIFICATION_DELIVERIES: &str = "arb_notification_deliveries_total";
}

/// The streams whose clients are counted.
pub const STREAMS: [&str; 6] = ["funding-rates", "positions", "orders", "notifications", "signals", "backtests"];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use (one per process: every server a test
/// starts shares it).
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let seconds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
        let builder = PrometheusBuilder::new().set_buckets(&seconds).unwrap_or_else(|_| PrometheusBuilder::new());
        let handle = match builder.install_recorder() {
            Ok(h) => h,
            Err(e) => {
                // Another recorder is global already: render ours, unseen by the facade.
                tracing::warn!(error = %e, "metrics recorder not installed");
                PrometheusBuilder::new().build_recorder().handle()
            }
        };
        describe();
        handle
    })
}

fn describe() {
    use names::*;
    describe_counter!(HTTP_REQUESTS, "HTTP requests by method, route and status");
    describe_histogram!(HTTP_DURATION, metrics::Unit::Seconds, "HTTP request latency by method and route");
    describe_gauge!(WS_CLIENTS, "Open WebSocket streams by stream");
    describe_counter!(ENGINE_EVENTS, "Events the engine processed, by kind");
    describe_histogram!(
        ENGINE_DECISION,
        metrics::Unit::Seconds,
        "From taking an event off the queue to handing its orders to the venues (decision + write-ahead)"
    );
    describe_gauge!(ORDERS, "Orders in the engine's working set by venue and status");
    describe_counter!(FILLS, "Fills booked, by venue");
    describe_gauge!(FUNDING_CAPTURED, "Settled funding booked since start, USD, by venue (negative: paid)");
    describe_gauge!(OPEN_EXPOSURE, "Notional of open position legs at the mark, USD, by venue");
    describe_gauge!(VENUE_LATENCY, metrics::Unit::Seconds, "Latest REST round trip by venue");
    describe_gauge!(VENUE_DATA_AGE, metrics::Unit::Seconds, "Real seconds since the venue's last market update");
    describe_gauge!(VENUE_STALE, "1 when the venue's market data is stale (opening blocked)");
    describe_counter!(JOB_RUNS, "Scheduled job runs by job and status");
    describe_histogram!(JOB_DURATION, metrics::Unit::Seconds, "Job run duration by job");
    describe_gauge!(JOB_LAST_SUCCESS, "Unix time of each job's last success");
    describe_gauge!(BACKUP_AGE, metrics::Unit::Seconds, "Age of the newest backup (+Inf: none)");
    describe_counter!(REFETCHED, "Payments and order reports re-fetched from the venues");
    describe_counter!(NOTIFICATION_DELIVERIES, "Notification deliveries by channel and status");
    // Present from the start, at zero: a scrape shows the series before the first change.
    for stream in STREAMS {
        metrics::gauge!(WS_CLIENTS, "stream" => stream).increment(0.0);
    }
    for venue in app::Venue::ALL {
        metrics::gauge!(FUNDING_CAPTURED, "venue" => venue.as_str()).increment(0.0);
    }
}

/// Counts one open WebSocket stream while it lives.
pub struct WsClient(&'static str);

impl WsClient {
    pub fn open(stream: &'static str) -> Self {
        metrics::gauge!(names::WS_CLIENTS, "stream" => stream).increment(1.0);
        WsClient(stream)
    }
}

impl Drop for WsClient {
    fn drop(&mut self) {
        metrics::gauge!(names::WS_CLIENTS, "stream" => self.0).decrement(1.0);
    }
}

/// Middleware for matched routes: a request counter and a latency histogram per route
/// template (never the concrete path: ids would make unbounded series).
pub async fn track_http(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let start = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::counter!(names::HTTP_REQUESTS, "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!(names::HTTP_DURATION, "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    res
}

//! The HTTP surface: REST under `/api/v1`, WebSockets under `/ws`, and the SPA from the
//! static directory with `index.html` as the fallback for client-side routes.

mod audit;
mod auth;
mod backtests;
mod balances;
mod config;
mod equity;
mod funding;
pub mod headers;
mod history;
mod jobs;
mod legacy;
pub mod metrics;
mod notifications;
pub mod openapi;
mod quotes;
mod reference;
mod signal_sources;
mod signals;
mod strategies;
mod streams;
mod symbols;
mod system;
mod tokens;
mod trading;
mod users;
pub mod ws;

use crate::state::AppState;
use axum::Router;
use std::path::PathBuf;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

/// The whole application; tests drive it with `oneshot` or serve it on port 0.
pub fn app(state: AppState, static_dir: Option<PathBuf>) -> Router {
    let api = Router::new()
        .merge(system::router())
        .merge(funding::router())
        .merge(trading::router())
        .merge(config::router())
        .merge(symbols::router())
        .merge(equity::router())
        .merge(history::router())
        .merge(legacy::router())
        .merge(auth::router())
        .merge(users::router())
        .merge(tokens::router())
        .merge(audit::router())
        .merge(balances::router())
        .merge(quotes::router())
        .merge(jobs::router())
        .merge(notifications::router())
        .merge(signals::router())
        .merge(signal_sources::router())
        .merge(strategies::router())
        .merge(backtests::router())
        .route("/openapi.json", axum::routing::get(openapi::document))
        .route("/docs", axum::routing::get(openapi::page))
        .route("/docs.css", axum::routing::get(reference::stylesheet))
        // Counted per matched route (the template, not the concrete path).
        .route_layer(axum::middleware::from_fn(crate::metrics::track_http));
    let mut router = Router::new()
        .nest("/api/v1", api.fallback(|| async { crate::error::ApiError::NotFound("no such endpoint".into()) }))
        .merge(ws::router())
        .merge(streams::router())
        .merge(metrics::router());
    if let Some(dir) = static_dir {
        let index = dir.join("index.html");
        // The wasm is large; gzip it (the API's JSON is small and streamed over WebSockets).
        let spa = ServeDir::new(dir).fallback(ServeFile::new(index));
        router = router.fallback_service(tower::ServiceBuilder::new().layer(CompressionLayer::new()).service(spa));
    }
    // Every request, API, stream or file, passes the authentication gate (which lets the SPA's
    // files and the login through).
    let gate = axum::middleware::from_fn_with_state(state.gate(), crate::auth::middleware::authenticate);
    // Outside the gate, so that refusals carry the headers too.
    headers::add(router.layer(gate).layer(TraceLayer::new_for_http()).with_state(state))
}

//! `/_fake/*`: HTTP steering for manual trials against a stand-alone fake (tests use the
//! handle directly). Not part of Binance's API.

use super::core::{Control, Fake, OrderEvents};
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::post;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize)]
struct Q {
    symbol: Option<String>,
    price: Option<rust_decimal::Decimal>,
    rate: Option<rust_decimal::Decimal>,
    ms: Option<i64>,
    mode: Option<String>,
}

pub fn router() -> Router<Arc<Fake>> {
    Router::new()
        .route("/_fake/mark", post(mark))
        .route("/_fake/funding", post(funding))
        .route("/_fake/settle", post(settle))
        .route("/_fake/advance", post(advance))
        .route("/_fake/drop_sockets", post(drop_sockets))
        .route("/_fake/order_events", post(order_events))
}

fn handle(f: &Arc<Fake>) -> super::FakeHandle {
    super::FakeHandle::new(f.clone(), std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
}

async fn mark(State(f): State<Arc<Fake>>, Query(q): Query<Q>) -> &'static str {
    match (q.symbol, q.price) {
        (Some(s), Some(p)) if handle(&f).set_mark(&s, p) => "ok",
        _ => "need a known symbol and price",
    }
}

async fn funding(State(f): State<Arc<Fake>>, Query(q): Query<Q>) -> &'static str {
    match (q.symbol, q.rate) {
        (Some(s), Some(r)) if handle(&f).set_funding_rate(&s, r) => "ok",
        _ => "need a known symbol and rate",
    }
}

async fn settle(State(f): State<Arc<Fake>>, Query(q): Query<Q>) -> &'static str {
    if q.symbol.is_some_and(|s| f.settle_next(&s)) { "ok" } else { "need a known symbol" }
}

async fn advance(State(f): State<Arc<Fake>>, Query(q): Query<Q>) -> &'static str {
    f.advance(q.ms.unwrap_or(0));
    "ok"
}

async fn drop_sockets(State(f): State<Arc<Fake>>) -> &'static str {
    f.control(Control::Drop(None));
    "ok"
}

async fn order_events(State(f): State<Arc<Fake>>, Query(q): Query<Q>) -> &'static str {
    f.faults().order_events = match q.mode.as_deref() {
        Some("withhold") => OrderEvents::Withhold,
        Some("drop") => OrderEvents::Drop,
        _ => OrderEvents::Deliver,
    };
    if q.mode.as_deref() == Some("release") {
        f.release_withheld();
    }
    "ok"
}

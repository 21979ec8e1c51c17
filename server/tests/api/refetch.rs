//! Nothing lost between the venues and the engine. Both simulated venues are wrapped so that,
//! while a switch is on, their streams lose every order report, fill and funding payment, and
//! an order's REST answer says only "accepted" (as Lighter's does): the engine learns nothing
//! of what the venue did. Then the `refetch` job (run by hand), and later a stream's
//! reconnect, fetch it again. History holds every payment and fill the venue made, each
//! once, and the position's P&L equals its fills and payments.

use crate::helpers::{call, router_with, settings, users};
use app::auth::Role;
use app::jobs::{JobRun, RunStatus};
use app::market::{FundingSnapshot, MarkPrice, Market, OrderBook, SettledFunding, TopOfBook};
use app::order::{Balance, Fill, FundingPayment, OrderReport, OrderRequest, VenueOrderStatus, VenuePosition};
use app::trading::{CommandAck, PositionId, PositionStatus, PositionView};
use app::{ClientOrderId, Qty, Symbol, TimestampMs, Usd, Venue, VenueMode};
use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde_json::json;
use server::db::fills::Fills;
use server::db::page;
use server::db::payments::Payments;
use server::venue::sim::SimVenue;
use server::venue::{DynVenue, VenueClient, VenueError, VenueEvent};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

/// A simulated venue whose account news can be lost on the way.
struct Lossy {
    inner: Arc<SimVenue>,
    losing: Arc<AtomicBool>,
    events: broadcast::Sender<VenueEvent>,
}

impl Lossy {
    fn wrap(inner: Arc<SimVenue>, cancel: CancellationToken) -> Arc<Lossy> {
        let (events, _) = broadcast::channel(8192);
        let losing = Arc::new(AtomicBool::new(false));
        let (mut rx, tx, lose) = (inner.subscribe(), events.clone(), losing.clone());
        tokio::spawn(async move {
            loop {
                let e = tokio::select! {
                    _ = cancel.cancelled() => return,
                    e = rx.recv() => e,
                };
                match e {
                    Ok(VenueEvent::Order(_) | VenueEvent::Fill(_) | VenueEvent::FundingPaid(_))
                        if lose.load(Ordering::SeqCst) => {}
                    Ok(e) => {
                        let _ = tx.send(e);
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        });
        Arc::new(Lossy { inner, losing, events })
    }

    /// A reconnect of the stream, as a real connector reports one.
    fn reconnect(&self) {
        let (venue, time_ms) = (self.inner.venue(), self.inner.now_ms());
        let _ = self.events.send(VenueEvent::Connection { venue, connected: false, time_ms });
        let _ = self.events.send(VenueEvent::Connection { venue, connected: true, time_ms });
    }
}

#[async_trait::async_trait]
impl VenueClient for Lossy {
    fn venue(&self) -> Venue {
        self.inner.venue()
    }
    fn mode(&self) -> VenueMode {
        self.inner.mode()
    }
    fn now_ms(&self) -> TimestampMs {
        self.inner.now_ms()
    }
    fn subscribe(&self) -> broadcast::Receiver<VenueEvent> {
        self.events.subscribe()
    }
    async fn markets(&self) -> Result<Vec<Market>, VenueError> {
        self.inner.markets().await
    }
    async fn funding(&self, symbol: &Symbol) -> Result<FundingSnapshot, VenueError> {
        self.inner.funding(symbol).await
    }
    async fn funding_history(
        &self,
        s: &Symbol,
        from: TimestampMs,
        to: TimestampMs,
    ) -> Result<Vec<SettledFunding>, VenueError> {
        self.inner.funding_history(s, from, to).await
    }
    async fn mark_price(&self, symbol: &Symbol) -> Result<MarkPrice, VenueError> {
        self.inner.mark_price(symbol).await
    }
    async fn top_of_book(&self, symbol: &Symbol) -> Result<TopOfBook, VenueError> {
        self.inner.top_of_book(symbol).await
    }
    async fn order_book(&self, symbol: &Symbol, depth: usize) -> Result<OrderBook, VenueError> {
        self.inner.order_book(symbol, depth).await
    }
    async fn place_order(&self, order: &OrderRequest) -> Result<OrderReport, VenueError> {
        let report = self.inner.place_order(order).await?;
        if !self.losing.load(Ordering::SeqCst) {
            return Ok(report);
        }
        // Accepted, nothing more said: the fill was to come on the stream, which loses it.
        Ok(OrderReport {
            filled_qty: Qty::ZERO,
            avg_price: None,
            fee: Usd::ZERO,
            status: VenueOrderStatus::New,
            ..report
        })
    }
    async fn cancel_order(&self, symbol: &Symbol, id: &ClientOrderId) -> Result<OrderReport, VenueError> {
        self.inner.cancel_order(symbol, id).await
    }
    async fn query_order(&self, symbol: &Symbol, id: &ClientOrderId) -> Result<Option<OrderReport>, VenueError> {
        self.inner.query_order(symbol, id).await
    }
    async fn open_orders(&self) -> Result<Vec<OrderReport>, VenueError> {
        self.inner.open_orders().await
    }
    async fn positions(&self) -> Result<Vec<VenuePosition>, VenueError> {
        self.inner.positions().await
    }
    async fn balance(&self) -> Result<Balance, VenueError> {
        self.inner.balance().await
    }
    async fn fills(&self, since_ms: TimestampMs) -> Result<Vec<Fill>, VenueError> {
        self.inner.fills(since_ms).await
    }
    async fn funding_payments(&self, since_ms: TimestampMs) -> Result<Vec<FundingPayment>, VenueError> {
        self.inner.funding_payments(since_ms).await
    }
}

async fn position(r: &axum::Router, id: PositionId) -> PositionView {
    let (s, v) = call(r, "GET", &format!("/api/v1/positions/{id}"), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    serde_json::from_value(v).unwrap()
}

/// Wait for `done` (an effect of other tasks), failing after a minute.
async fn until<F: AsyncFn() -> bool>(what: &str, done: F) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_payments_and_fills_are_fetched_again_each_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    // One market hour per second; no reconciliation and no hourly re-fetch behind the test's back.
    let overrides = [
        ("ARB__SIM__SPEED", "3600"),
        ("ARB__SIM__TICK_MS", "50"),
        ("ARB__JOBS__RECONCILE__ENABLED", "false"),
        ("ARB__JOBS__REFETCH__ENABLED", "false"),
    ];
    let settings = settings(&overrides, &dir);
    let shutdown = CancellationToken::new();
    let mut built = server::venue::build::build(&settings, &shutdown).unwrap();
    let lossy: Vec<Arc<Lossy>> = built.sims.iter().map(|s| Lossy::wrap(s.clone(), shutdown.clone())).collect();
    built.all = lossy.iter().map(|l| l.clone() as DynVenue).collect();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let running = server::startup::start_built(settings, listener, built, shutdown).await.unwrap();
    running.state.collector.wait_ready().await;
    let state = &running.state;
    let r = router_with(state, users(state).await.token(Role::Admin));
    let (_, cfg) = call(&r, "GET", "/api/v1/config", None).await;
    let mut p = cfg["params"].clone();
    for (k, v) in [("exit_below_apr", json!("-1")), ("stop_loss", json!("1")), ("take_profit", json!("10"))] {
        p[k] = v;
    }
    p["slippage_cap_bps"] = json!(200);
    assert_eq!(call(&r, "PUT", "/api/v1/config", Some(p)).await.0, StatusCode::OK);

    // The start-up reconciliation would query the orders below: let it pass first.
    until("the start-up reconciliation", async || {
        let (_, v) = call(&r, "GET", "/api/v1/reconciliation", None).await;
        v.as_array().is_some_and(|a| a.iter().any(|x| x["trigger"] == "startup"))
    })
    .await;
    // Lose everything the venues say about our account while the position opens and earns.
    lossy.iter().for_each(|l| l.losing.store(true, Ordering::SeqCst));
    let body = json!({"symbol": "ETH", "direction": "long_lighter_short_binance", "notional": "3000", "slices": 1});
    let deadline = Instant::now() + Duration::from_secs(30);
    let id = loop {
        let (s, v) = call(&r, "POST", "/api/v1/orders/open", Some(body.clone())).await;
        if s == StatusCode::OK {
            break serde_json::from_value::<CommandAck>(v).unwrap().positions[0];
        }
        assert!(Instant::now() < deadline, "open refused: {v}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let payments_on = async |venue: usize, n: usize| lossy[venue].inner.exchange().payments_since(0).len() >= n;
    // Binance settles every 8 market hours, Lighter every hour.
    until("settlements on both venues", async || payments_on(0, 1).await && payments_on(1, 3).await).await;
    let stuck = position(&r, id).await;
    assert_eq!(stuck.status, PositionStatus::Opening, "the engine heard of no fill");
    assert!(stuck.pnl.funding_settled.is_zero() && stuck.legs.iter().all(|l| l.qty.is_zero()));

    // The hourly job, run now.
    lossy.iter().for_each(|l| l.losing.store(false, Ordering::SeqCst));
    let (s, v) = call(&r, "POST", "/api/v1/jobs/refetch/run", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let run: JobRun = serde_json::from_value(v).unwrap();
    assert_eq!(run.status, Some(RunStatus::Success), "{run:?}");
    assert!(run.records >= 5, "2 order reports and at least 4 payments: {run:?}");
    until("the position to open", async || position(&r, id).await.status == PositionStatus::Open).await;

    // Lose the payments again; the stream's reconnect brings them back.
    lossy.iter().for_each(|l| l.losing.store(true, Ordering::SeqCst));
    let before = lossy[1].inner.exchange().payments_since(0).len();
    until("more Lighter settlements", async || payments_on(1, before + 2).await).await;
    lossy.iter().for_each(|l| l.losing.store(false, Ordering::SeqCst));
    lossy.iter().for_each(|l| l.reconnect());
    // Flat on the venues, the position earns nothing more: what follows compares still books.
    let (status, v) =
        call(&r, "POST", "/api/v1/orders/close", Some(json!({"position_id": id, "percent": "100"}))).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    until("the close", async || position(&r, id).await.status == PositionStatus::Closed).await;
    let db = state.db.clone();
    let all_stored = async || {
        let venue: usize = lossy.iter().map(|l| l.inner.exchange().payments_since(0).len()).sum();
        page::of_positions::<Payments>(&db, &[id]).await.unwrap().len() >= venue
    };
    until("every payment stored", all_stored).await;

    // Every payment the venues made, each once.
    let stored_payments = page::of_positions::<Payments>(&state.db, &[id]).await.unwrap();
    let mut venue_payments = BTreeSet::new();
    let mut venue_funding = Decimal::ZERO;
    for l in &lossy {
        for p in l.inner.exchange().payments_since(0) {
            venue_funding += p.amount.0;
            venue_payments.insert((p.venue, p.payment_id));
        }
    }
    let ours: Vec<(Venue, String)> = stored_payments.iter().map(|p| (p.venue, p.payment_id.clone())).collect();
    assert_eq!(ours.len(), venue_payments.len(), "no payment twice, none missing");
    assert_eq!(ours.into_iter().collect::<BTreeSet<_>>(), venue_payments);

    // Every fill: per order, our rows add up to what the venue filled.
    let fills = page::of_positions::<Fills>(&state.db, &[id]).await.unwrap();
    let mut ours: BTreeMap<ClientOrderId, (Decimal, Decimal)> = BTreeMap::new();
    for f in &fills {
        let e = ours.entry(f.client_order_id.clone()).or_default();
        e.0 += f.qty.0;
        e.1 += f.fee.0;
    }
    assert!(!ours.is_empty());
    for (order, (qty, fee)) in &ours {
        let venue = lossy.iter().find_map(|l| l.inner.exchange().order(order).cloned()).expect("the venue's order");
        assert_eq!((*qty, *fee), (venue.filled_qty.0, venue.fee.0), "{order}");
    }

    // The position's P&L is its fills and payments.
    let p = position(&r, id).await;
    assert_eq!(p.pnl.funding_settled.0, venue_funding);
    assert_eq!(p.pnl.fees.0, fills.iter().map(|f| f.fee.0).sum::<Decimal>());
    assert_eq!(p.pnl.price_realized.0, fills.iter().map(|f| f.realized_pnl.0).sum::<Decimal>());
    assert!(server::jobs::report::books_check(&state.db, &[p.clone()]).await.unwrap().is_empty());
    running.stop().await;
}

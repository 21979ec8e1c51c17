//! The engine's async shell: one bounded queue in, the pure engine in the middle, outputs
//! carried out in order. Orders are persisted before they are sent; every event is appended
//! to the event log before it is processed, so a session can be replayed exactly.

use super::event_log::EventLog;
use super::{Command, Engine, EngineEvent, Output, Refusal, SendFailure, VenueSnapshot};
use crate::db;
use crate::venue::{DynVenue, VenueError, VenueEvent};
use app::reconcile::ReconcileReport;
use app::trading::{CommandAck, EngineStatus, Notification, Opportunity, OrderView, PositionId, PositionView};
use app::{ClientOrderId, Symbol, TimestampMs, Venue};
use sea_orm::DatabaseConnection;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// What readers see: refreshed after every event.
#[derive(Debug, Clone, Default)]
pub struct EngineView {
    pub positions: BTreeMap<PositionId, PositionView>,
    pub orders: BTreeMap<ClientOrderId, OrderView>,
    pub status: Option<EngineStatus>,
    pub opportunities: Vec<Opportunity>,
    pub params: app::params::StrategyParams,
    pub params_version: i64,
    pub last_reconcile: Option<ReconcileReport>,
    pub symbol_rules: app::symbols::SymbolRules,
    pub symbol_rules_version: i64,
}

type Replies = Arc<Mutex<HashMap<u64, oneshot::Sender<Result<CommandAck, Refusal>>>>>;
/// A read of the engine's own state, run on its loop between two events.
type Inspection = Box<dyn FnOnce(&Engine) + Send>;
type ReconcileReplies = HashMap<u64, oneshot::Sender<ReconcileReport>>;

/// Ask the runner to reconcile; the report comes back on `reply`.
pub struct ReconcileRequest {
    pub trigger: String,
    pub reply: Option<oneshot::Sender<ReconcileReport>>,
}

/// Cloneable handle: send commands, read the view, follow the streams.
#[derive(Clone)]
pub struct EngineHandle {
    tx: mpsc::Sender<EngineEvent>,
    reconcile_tx: mpsc::Sender<ReconcileRequest>,
    inspect_tx: mpsc::Sender<Inspection>,
    replies: Replies,
    next_request: Arc<AtomicU64>,
    pub view: Arc<RwLock<EngineView>>,
    pub positions: broadcast::Sender<PositionView>,
    pub orders: broadcast::Sender<OrderView>,
    pub notifications: broadcast::Sender<Notification>,
}

impl EngineHandle {
    /// Send a command and wait for the engine's answer.
    pub async fn command(&self, command: Command) -> Result<CommandAck, Refusal> {
        let request = self.next_request.fetch_add(1, Ordering::SeqCst);
        let (tx, rx) = oneshot::channel();
        self.replies.lock().unwrap_or_else(|e| e.into_inner()).insert(request, tx);
        if self.tx.send(EngineEvent::Command { request, command }).await.is_err() {
            return Err(Refusal("the engine is not running".into()));
        }
        rx.await.unwrap_or_else(|_| Err(Refusal("the engine stopped before answering".into())))
    }

    /// Compare our books with every venue now (the venue is the truth) and return the report.
    pub async fn reconcile(&self, trigger: &str) -> Result<ReconcileReport, Refusal> {
        let (tx, rx) = oneshot::channel();
        let req = ReconcileRequest { trigger: trigger.to_owned(), reply: Some(tx) };
        if self.reconcile_tx.send(req).await.is_err() {
            return Err(Refusal("the engine is not running".into()));
        }
        rx.await.map_err(|_| Refusal("the engine stopped before reconciling".into()))
    }

    /// Read something the view does not carry (the market cache behind a quote) from the
    /// engine itself, in its total order: what it would use if a command arrived now. Not an
    /// event: nothing changes, so nothing is logged.
    pub async fn inspect<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Engine) -> T + Send + 'static,
    ) -> Result<T, Refusal> {
        let (tx, rx) = oneshot::channel();
        let job: Inspection = Box::new(move |engine| {
            let _ = tx.send(f(engine));
        });
        if self.inspect_tx.send(job).await.is_err() {
            return Err(Refusal("the engine is not running".into()));
        }
        rx.await.map_err(|_| Refusal("the engine stopped before answering".into()))
    }

    pub fn read<T>(&self, f: impl FnOnce(&EngineView) -> T) -> T {
        f(&self.view.read().unwrap_or_else(|e| e.into_inner()))
    }
}

pub struct Runner {
    engine: Engine,
    venues: Vec<DynVenue>,
    db: DatabaseConnection,
    handle: EngineHandle,
    rx: mpsc::Receiver<EngineEvent>,
    reconcile_rx: mpsc::Receiver<ReconcileRequest>,
    inspect_rx: mpsc::Receiver<Inspection>,
    reconcile_replies: ReconcileReplies,
    reconcile_every: Duration,
    log: EventLog,
}

/// Build the runner and its handle. `engine` is already restored from the database.
pub fn runner(engine: Engine, venues: Vec<DynVenue>, db: DatabaseConnection, log: EventLog) -> (Runner, EngineHandle) {
    let (tx, rx) = mpsc::channel(4096);
    let (reconcile_tx, reconcile_rx) = mpsc::channel(16);
    let (inspect_tx, inspect_rx) = mpsc::channel(64);
    let handle = EngineHandle {
        tx,
        reconcile_tx,
        inspect_tx,
        replies: Arc::default(),
        next_request: Arc::new(AtomicU64::new(1)),
        view: Arc::default(),
        positions: broadcast::channel(1024).0,
        orders: broadcast::channel(1024).0,
        notifications: broadcast::channel(256).0,
    };
    let runner = Runner {
        engine,
        venues,
        db,
        handle: handle.clone(),
        rx,
        reconcile_rx,
        inspect_rx,
        reconcile_replies: HashMap::new(),
        reconcile_every: Duration::from_secs(60),
        log,
    };
    // Readers see the restored books, parameters and symbol rules from the start, not defaults
    // until the venues have answered.
    runner.refresh_view(true);
    (runner, handle)
}

/// In-flight orders restored at start-up are queried on the first timer ticks; the start-up
/// reconciliation waits this long so that their outcomes are known first.
const STARTUP_RECONCILE_DELAY: Duration = Duration::from_secs(2);

impl Runner {
    /// How often the books are reconciled with the venues (default 60 s).
    pub fn reconcile_every(mut self, every: Duration) -> Self {
        self.reconcile_every = every.max(Duration::from_secs(1));
        self
    }
    pub async fn run(mut self, cancel: CancellationToken) {
        for v in self.venues.clone() {
            tokio::spawn(forward(v.clone(), self.handle.tx.clone(), cancel.clone()));
            match v.markets().await {
                Ok(m) => self.process(EngineEvent::Markets(m)).await,
                Err(e) => tracing::warn!(venue = %v.venue(), error = %e, "engine: markets unavailable"),
            }
        }
        self.refresh_view(true);
        let mut timer = tokio::time::interval(Duration::from_millis(250));
        let mut balances = tokio::time::interval(Duration::from_secs(5));
        let mut reconcile =
            tokio::time::interval_at(tokio::time::Instant::now() + STARTUP_RECONCILE_DELAY, self.reconcile_every);
        let mut first_reconcile = true;
        loop {
            let event = tokio::select! {
                _ = cancel.cancelled() => break,
                e = self.rx.recv() => match e { Some(e) => e, None => break },
                _ = timer.tick() => EngineEvent::Timer { now_ms: self.now() },
                _ = balances.tick() => { self.poll_balances(); continue; }
                _ = reconcile.tick() => {
                    let trigger = if std::mem::take(&mut first_reconcile) { "startup" } else { "schedule" };
                    self.start_reconcile(ReconcileRequest { trigger: trigger.into(), reply: None });
                    continue;
                }
                Some(req) = self.reconcile_rx.recv() => { self.start_reconcile(req); continue; }
                Some(job) = self.inspect_rx.recv() => { job(&self.engine); continue; }
            };
            // Commands change what readers see at once; market moves are picked up each tick.
            let full = matches!(event, EngineEvent::Timer { .. } | EngineEvent::Command { .. });
            self.process(event).await;
            self.refresh_view(full);
        }
        tracing::info!("engine stopped");
    }

    fn now(&self) -> TimestampMs {
        self.venues.iter().map(|v| v.now_ms()).max().unwrap_or_else(crate::venue::sim::clock::wall_clock_ms)
    }

    /// Read every venue's positions and open orders off the engine's loop; the snapshot comes
    /// back through the queue so that the comparison happens in the engine's total order.
    fn start_reconcile(&mut self, req: ReconcileRequest) {
        let request = self.handle.next_request.fetch_add(1, Ordering::SeqCst);
        if let Some(reply) = req.reply {
            self.reconcile_replies.insert(request, reply);
        }
        let (venues, tx, since_ms) = (self.venues.clone(), self.handle.tx.clone(), self.engine.now_ms());
        tokio::spawn(async move {
            let mut snapshots = Vec::new();
            for v in venues {
                let result = match (v.positions().await, v.open_orders().await) {
                    (Ok(p), Ok(o)) => Ok((p, o)),
                    (Err(e), _) | (_, Err(e)) => Err(e.to_string()),
                };
                snapshots.push(VenueSnapshot { venue: v.venue(), since_ms, result });
            }
            let _ = tx.send(EngineEvent::Reconcile { request, trigger: req.trigger, snapshots }).await;
        });
    }

    fn poll_balances(&self) {
        for v in &self.venues {
            let (v, tx) = (v.clone(), self.handle.tx.clone());
            tokio::spawn(async move {
                if let Ok(b) = v.balance().await {
                    let _ = tx.send(EngineEvent::Balance(b)).await;
                }
            });
        }
    }

    pub(in crate::engine) async fn process(&mut self, event: EngineEvent) {
        if let Err(e) = self.log.append(&event) {
            tracing::error!(error = %e, "event log write failed");
        }
        let outputs = self.engine.process(&event);
        self.persist(&outputs).await;
        for output in outputs {
            self.carry_out(output).await;
        }
    }

    /// Store every order and position the event changed, and the fills and funding payments
    /// it booked, in one transaction, before any of its orders is sent: a kill between two
    /// writes must not leave an order's fill recorded without the leg it moved (or the
    /// reverse), and nothing is sent that is not on record. Fills and payments are keyed, so
    /// an event replayed after a crash that lost the commit stores each of them once.
    async fn persist(&self, outputs: &[Output]) {
        use sea_orm::TransactionTrait;
        let mut orders = BTreeMap::new();
        let mut positions = BTreeMap::new();
        let (mut fills, mut payments) = (Vec::new(), Vec::new());
        for o in outputs {
            match o {
                Output::Order(v) => {
                    orders.insert(v.client_order_id.clone(), v);
                }
                Output::Position(v) => {
                    positions.insert(v.id, v);
                }
                Output::Fill(f) => fills.push(f),
                Output::FundingBooked(p) => payments.push(p),
                _ => {}
            }
        }
        if orders.is_empty() && positions.is_empty() && fills.is_empty() && payments.is_empty() {
            return;
        }
        let now = self.engine.now_ms();
        let result = async {
            let txn = self.db.begin().await?;
            for v in orders.values() {
                db::trading::upsert_order(&txn, v).await?;
            }
            for v in positions.values() {
                let state = self.engine.position_state(v.id).unwrap_or_default();
                db::trading::upsert_position(&txn, v, &state, now).await?;
            }
            for f in fills {
                db::fills::insert(&txn, f).await?;
            }
            for p in payments {
                db::payments::insert(&txn, p).await?;
            }
            txn.commit().await
        }
        .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "storing orders, positions, fills and payments failed");
        }
    }

    async fn carry_out(&mut self, output: Output) {
        match output {
            Output::Send(approved, venue) => {
                let req = approved.into_inner();
                let (v, tx) = (self.venue(venue), self.handle.tx.clone());
                tokio::spawn(async move {
                    let result = match v {
                        Some(v) => v.place_order(&req).await.map_err(failure),
                        None => Err(SendFailure::Refused(format!("{venue} is not configured"))),
                    };
                    let _ = tx.send(EngineEvent::Sent { id: req.client_order_id, result }).await;
                });
            }
            Output::Query { venue, symbol, id } => self.spawn_query(venue, symbol, id),
            Output::Reply { request, result } => {
                // Whoever reads after the acknowledgement must see the command's effect.
                self.refresh_view(true);
                if let Some(tx) = self.handle.replies.lock().unwrap_or_else(|e| e.into_inner()).remove(&request) {
                    let _ = tx.send(result);
                }
            }
            // Stored by `persist` (one transaction per event) before any Send was carried out.
            Output::Order(view) => {
                let _ = self.handle.orders.send(view);
            }
            Output::Position(view) => {
                let _ = self.handle.positions.send(view);
            }
            // Stored by `persist`, with the order or position they moved; read by History.
            Output::Fill(_) | Output::FundingBooked(_) => {}
            Output::Reconciled { request, report } => {
                if !report.clean() {
                    tracing::warn!(trigger = %report.trigger, differences = report.differences.len(), "reconciliation found differences");
                }
                if let Err(e) = db::reconciliations::insert(&self.db, &report).await {
                    tracing::error!(error = %e, "storing the reconciliation report failed");
                }
                self.handle.view.write().unwrap_or_else(|e| e.into_inner()).last_reconcile = Some(report.clone());
                if let Some(reply) = self.reconcile_replies.remove(&request) {
                    let _ = reply.send(report);
                }
            }
            Output::Notify(n) => {
                tracing::info!(level = ?n.level, title = %n.title, "{}", n.message);
                if let Err(e) = db::trading::insert_notification(&self.db, &n).await {
                    tracing::error!(error = %e, "storing notification failed");
                }
                let _ = self.handle.notifications.send(n);
            }
        }
    }

    fn spawn_query(&self, venue: Venue, symbol: Symbol, id: ClientOrderId) {
        let (v, tx) = (self.venue(venue), self.handle.tx.clone());
        tokio::spawn(async move {
            let result = match v {
                Some(v) => v.query_order(&symbol, &id).await.map_err(|e| e.to_string()),
                None => Err(format!("{venue} is not configured")),
            };
            let _ = tx.send(EngineEvent::Queried { id, result }).await;
        });
    }

    fn venue(&self, v: Venue) -> Option<DynVenue> {
        self.venues.iter().find(|x| x.venue() == v).cloned()
    }

    /// Refresh what readers see; position views (marks move P&L) only on timer ticks.
    fn refresh_view(&self, positions: bool) {
        let mut view = self.handle.view.write().unwrap_or_else(|e| e.into_inner());
        if positions {
            view.positions = self.engine.positions().into_iter().map(|p| (p.id, p)).collect();
            view.opportunities = self.engine.opportunities();
            let (params, version) = self.engine.params();
            view.params = params.clone();
            view.params_version = version;
            let (rules, version) = self.engine.symbol_rules();
            view.symbol_rules = rules.clone();
            view.symbol_rules_version = version;
        }
        view.status = Some(self.engine.status());
        if view.orders.len() != self.engine.order_count() || positions {
            view.orders = self.engine.orders().into_iter().map(|o| (o.client_order_id.clone(), o)).collect();
        }
    }
}

fn failure(e: VenueError) -> SendFailure {
    match e {
        VenueError::OutcomeUnknown { message, .. } => SendFailure::Unknown(message),
        other => SendFailure::Refused(other.to_string()),
    }
}

/// Venue events into the engine's queue. Account events always pass; market events are
/// sampled (funding when the prediction changes, marks and books once a second per symbol)
/// so that the event log stays a manageable size.
async fn forward(venue: DynVenue, tx: mpsc::Sender<EngineEvent>, cancel: CancellationToken) {
    let mut rx = venue.subscribe();
    let mut last: HashMap<(u8, Symbol), (TimestampMs, String)> = HashMap::new();
    loop {
        let event = tokio::select! {
            _ = cancel.cancelled() => return,
            e = rx.recv() => e,
        };
        let event = match event {
            Ok(e) => e,
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(venue = %venue.venue(), skipped = n, "engine lagged behind venue events");
                continue;
            }
            Err(broadcast::error::RecvError::Closed) => return,
        };
        let keep = match &event {
            VenueEvent::Funding(f) => {
                changed(&mut last, (0, f.symbol.clone()), f.time_ms, f.predicted.rate.to_string(), 0)
            }
            VenueEvent::Mark(m) => changed(&mut last, (1, m.symbol.clone()), m.time_ms, String::new(), 1_000),
            VenueEvent::Book(b) => changed(&mut last, (2, b.symbol.clone()), b.time_ms, String::new(), 1_000),
            _ => true,
        };
        if keep && tx.send(EngineEvent::Venue(event)).await.is_err() {
            return;
        }
    }
}

fn changed(
    last: &mut HashMap<(u8, Symbol), (TimestampMs, String)>,
    key: (u8, Symbol),
    t: TimestampMs,
    value: String,
    every_ms: i64,
) -> bool {
    let keep = match last.get(&key) {
        None => true,
        Some((lt, lv)) => {
            if every_ms > 0 {
                t - lt >= every_ms
            } else {
                lv != &value
            }
        }
    };
    if keep {
        last.insert(key, (t, value));
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::symbols::SymbolRules;

    #[tokio::test]
    async fn the_view_shows_the_restored_state_before_the_runner_runs() {
        let db = db::connect("sqlite::memory:").await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let log = EventLog::create(dir.path(), 0).unwrap();
        let mut engine = Engine::new(app::params::StrategyParams::default(), 7);
        let rules = SymbolRules { ignore: vec![app::symbols::Pattern::new("LUNA").unwrap()], ..Default::default() };
        engine.restore_symbol_rules(3, rules.clone());
        let (_runner, handle) = runner(engine, vec![], db, log);
        assert_eq!(handle.read(|v| (v.params_version, v.symbol_rules_version, v.symbol_rules.clone())), (7, 3, rules));
    }
}

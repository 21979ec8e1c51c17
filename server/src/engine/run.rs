//! The engine's async shell: one bounded queue in, the pure engine in the middle, outputs
//! carried out in order. It reconciles once at start-up; later reconciliations are asked for
//! (the `reconcile` jobs, the API). Every event is appended to the event log before it is processed, so
//! a session can be replayed exactly; what an event changed is stored (`persist`) before any
//! order it produced is sent. Notifications and reconciliation reports are handed to their
//! subscribers (`crate::notify`, `reports`): nothing on the way from a decision to the venues
//! waits for them.

use super::event_log::EventLog;
use super::handle::{EngineHandle, Inbox, ReconcileRequest};
use super::reports::{self, Stored};
use super::{Engine, EngineEvent, Output, SendFailure, VenueSnapshot, persist};
use crate::clock::Clock;
use crate::metrics::names;
use crate::notify::Notifier;
use crate::venue::{DynVenue, VenueError};
use app::reconcile::ReconcileReport;
use app::trading::{Kind, Level, Notification};
use app::{ClientOrderId, Symbol, Venue};
use sea_orm::{DatabaseConnection, DbErr};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// In-flight orders restored at start-up are queried on the first timer ticks; the start-up
/// reconciliation waits this long so that their outcomes are known first.
const STARTUP_RECONCILE_DELAY: Duration = Duration::from_secs(2);
/// A failed write-ahead transaction is tried this many times before its orders are dropped.
const STORE_ATTEMPTS: u32 = 3;

pub struct Runner {
    engine: Engine,
    venues: Vec<DynVenue>,
    db: DatabaseConnection,
    clock: Clock,
    notifier: Notifier,
    handle: EngineHandle,
    inbox: Inbox,
    reports: mpsc::UnboundedSender<Stored>,
    reports_rx: Option<mpsc::UnboundedReceiver<Stored>>,
    reconcile_replies: HashMap<u64, oneshot::Sender<ReconcileReport>>,
    log: EventLog,
}

/// Build the runner and its handle. `engine` is already restored from the database. The clock
/// is the system's and notifications go nowhere until set (`with_clock`, `with_notifier`).
pub fn runner(engine: Engine, venues: Vec<DynVenue>, db: DatabaseConnection, log: EventLog) -> (Runner, EngineHandle) {
    let (handle, inbox) = EngineHandle::new();
    let (reports, reports_rx) = mpsc::unbounded_channel();
    let runner = Runner {
        engine,
        venues,
        db,
        clock: Clock::system(),
        notifier: Notifier::new().0,
        handle: handle.clone(),
        inbox,
        reports,
        reports_rx: Some(reports_rx),
        reconcile_replies: HashMap::new(),
        log,
    };
    // Readers see the restored books, parameters and symbol rules from the start, not defaults
    // until the venues have answered.
    runner.refresh_view(true);
    (runner, handle)
}

impl Runner {
    /// The platform's clock: its venue time drives the engine's timer.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn with_notifier(mut self, notifier: Notifier) -> Self {
        self.notifier = notifier;
        self
    }

    pub async fn run(mut self, cancel: CancellationToken) {
        if let Some(rx) = self.reports_rx.take() {
            tokio::spawn(reports::store(self.db.clone(), rx));
        }
        for v in self.venues.clone() {
            match v.markets().await {
                Ok(m) => self.process(EngineEvent::Markets(m)).await,
                Err(e) => tracing::warn!(venue = %v.venue(), error = %e, "engine: markets unavailable"),
            }
        }
        self.refresh_view(true);
        let mut timer = tokio::time::interval(Duration::from_millis(250));
        let mut balances = tokio::time::interval(Duration::from_secs(5));
        // The start-up reconciliation; later ones are the scheduler's (`reconcile` job) or asked for.
        let startup_reconcile = tokio::time::sleep(STARTUP_RECONCILE_DELAY);
        tokio::pin!(startup_reconcile);
        let mut reconciled_at_startup = false;
        loop {
            let event = tokio::select! {
                _ = cancel.cancelled() => break,
                e = self.inbox.events.recv() => match e { Some(e) => e, None => break },
                _ = timer.tick() => EngineEvent::Timer { now_ms: self.clock.venue_ms(), wall_ms: self.clock.wall_ms() },
                _ = balances.tick() => { self.poll_balances(); continue; }
                _ = &mut startup_reconcile, if !reconciled_at_startup => {
                    reconciled_at_startup = true;
                    self.start_reconcile(ReconcileRequest { trigger: "startup".into(), reply: None });
                    continue;
                }
                Some(req) = self.inbox.reconcile.recv() => { self.start_reconcile(req); continue; }
                Some(job) = self.inbox.inspect.recv() => { job(&self.engine); continue; }
            };
            // Commands change what readers see at once; market moves are picked up each tick.
            let full = matches!(event, EngineEvent::Timer { .. } | EngineEvent::Command { .. });
            self.process(event).await;
            self.refresh_view(full);
        }
        tracing::info!("engine stopped");
    }

    /// Read every venue's positions and open orders off the engine's loop; the snapshot comes
    /// back through the queue so that the comparison happens in the engine's total order.
    fn start_reconcile(&mut self, req: ReconcileRequest) {
        let request = self.handle.next_request();
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

    /// Log the event, let the engine decide, store what it changed, then carry out its outputs.
    pub(in crate::engine) async fn process(&mut self, event: EngineEvent) {
        let taken = std::time::Instant::now();
        metrics::counter!(names::ENGINE_EVENTS, "kind" => event.kind()).increment(1);
        if let Err(e) = self.log.append(&event) {
            tracing::error!(error = %e, "event log write failed");
        }
        let outputs = self.engine.process(&event);
        let decided = outputs.iter().any(|o| matches!(o, Output::Send(..)));
        if decided {
            // The decision instant, for the decision → both legs benchmark.
            tracing::trace!(target: "engine::decision", "orders decided");
        }
        let stored = self.store(&outputs).await;
        let sending = decided && stored.is_ok();
        for output in outputs {
            match (&stored, output) {
                (Err(e), Output::Send(approved, _)) => self.not_sent(approved.into_inner().client_order_id, e),
                (_, output) => self.carry_out(output),
            }
        }
        if decided {
            metrics::histogram!(names::ENGINE_DECISION).record(taken.elapsed().as_secs_f64());
        }
        if sending {
            // Let the orders just spawned reach their venues before this loop refreshes the
            // readers' view: a spawned task waits in this worker's queue until the loop yields,
            // and the legs of one decision should leave together, not one view refresh apart.
            tokio::task::yield_now().await;
        }
    }

    /// The write-ahead transaction, tried again on failure (a busy database).
    async fn store(&self, outputs: &[Output]) -> Result<(), DbErr> {
        let mut attempt = 0;
        loop {
            match persist::store(&self.db, &self.engine, outputs).await {
                Ok(()) => return Ok(()),
                Err(e) if attempt + 1 >= STORE_ATTEMPTS => {
                    tracing::error!(error = %e, "storing orders, positions, fills and payments failed");
                    return Err(e);
                }
                Err(e) => {
                    tracing::warn!(error = %e, attempt, "storing an event's changes failed; trying again");
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(20 << attempt)).await;
                }
            }
        }
    }

    /// An order that could not be put on record is not sent: the engine learns it was refused
    /// (it never reached the venue), and a person is told why.
    fn not_sent(&self, id: ClientOrderId, e: &DbErr) {
        let reason = format!("not sent: storing it failed ({e})");
        let n = Notification::new(
            Level::Critical,
            Kind::OrderNotSent,
            self.engine.now_ms(),
            "Order not sent",
            format!("{id}: {reason}"),
        );
        self.notifier.publish(n.about(&id));
        let tx = self.handle.tx.clone();
        // Through a task: the queue may be full, and this loop is the one that drains it.
        tokio::spawn(async move {
            let _ = tx.send(EngineEvent::Sent { id, result: Err(SendFailure::Refused(reason)) }).await;
        });
    }

    fn carry_out(&mut self, output: Output) {
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
                // As for positions: `/orders` shows a fill with the event that brought it. A
                // refresh that only counts orders would miss a change of one it already holds.
                let id = view.client_order_id.clone();
                self.handle.view.write().unwrap_or_else(|e| e.into_inner()).orders.insert(id, view.clone());
                let _ = self.handle.orders.send(view);
            }
            Output::Position(view) => {
                // Readers see a position change with the signal that caused it, not a tick later.
                self.handle.view.write().unwrap_or_else(|e| e.into_inner()).positions.insert(view.id, view.clone());
                let _ = self.handle.positions.send(view);
            }
            Output::Signal(record) => {
                self.handle.view.write().unwrap_or_else(|e| e.into_inner()).signals.insert(record.id, record.clone());
                let _ = self.handle.signals.send(record);
            }
            // Stored by `persist`, with the order or position they moved; read by History.
            Output::Fill(f) => metrics::counter!(names::FILLS, "venue" => f.venue.as_str()).increment(1),
            Output::FundingBooked(p) => {
                let amount = rust_decimal::prelude::ToPrimitive::to_f64(&p.amount.0).unwrap_or(0.0);
                metrics::gauge!(names::FUNDING_CAPTURED, "venue" => p.venue.as_str()).increment(amount);
            }
            Output::Reconciled { request, report } => {
                self.handle.view.write().unwrap_or_else(|e| e.into_inner()).last_reconcile = Some(report.clone());
                let reply = self.reconcile_replies.remove(&request);
                let _ = self.reports.send(Stored { report, reply });
            }
            Output::Notify(n) => self.notifier.publish(n),
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
            view.signals = self.engine.signal_records().into_iter().map(|r| (r.id, r)).collect();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db;
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

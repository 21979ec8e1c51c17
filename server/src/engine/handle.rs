//! The engine's handle: what the rest of the server holds to send commands, ask for a
//! reconciliation, inspect the engine between two events, read its view and follow its
//! streams. Cheap to clone. The loop that answers it is in `run`.

use super::{Command, Engine, EngineEvent, Refusal};
use app::ClientOrderId;
use app::reconcile::ReconcileReport;
use app::trading::{CommandAck, EngineStatus, Opportunity, OrderView, PositionId, PositionView};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::{broadcast, mpsc, oneshot};

/// What readers see: refreshed after every event. Holds the engine's working set: active
/// positions and orders, and finished ones until the engine lets them go (History reads
/// those from the database).
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
    /// Pending signals and those finished in the last hour.
    pub signals: BTreeMap<i64, app::signal::SignalRecord>,
}

pub(super) type Replies = Arc<Mutex<HashMap<u64, oneshot::Sender<Result<CommandAck, Refusal>>>>>;
/// A read of the engine's own state, run on its loop between two events.
pub(super) type Inspection = Box<dyn FnOnce(&Engine) + Send>;

/// Ask the runner to reconcile; the report comes back on `reply`.
pub struct ReconcileRequest {
    pub trigger: String,
    pub reply: Option<oneshot::Sender<ReconcileReport>>,
}

/// The receiving ends, owned by the runner.
pub(super) struct Inbox {
    pub events: mpsc::Receiver<EngineEvent>,
    pub reconcile: mpsc::Receiver<ReconcileRequest>,
    pub inspect: mpsc::Receiver<Inspection>,
}

#[derive(Clone)]
pub struct EngineHandle {
    pub(super) tx: mpsc::Sender<EngineEvent>,
    reconcile_tx: mpsc::Sender<ReconcileRequest>,
    inspect_tx: mpsc::Sender<Inspection>,
    pub(super) replies: Replies,
    next_request: Arc<AtomicU64>,
    pub view: Arc<RwLock<EngineView>>,
    pub positions: broadcast::Sender<PositionView>,
    pub orders: broadcast::Sender<OrderView>,
    pub signals: broadcast::Sender<app::signal::SignalRecord>,
}

impl EngineHandle {
    pub(super) fn new() -> (Self, Inbox) {
        let (tx, events) = mpsc::channel(4096);
        let (reconcile_tx, reconcile) = mpsc::channel(16);
        let (inspect_tx, inspect) = mpsc::channel(64);
        let handle = EngineHandle {
            tx,
            reconcile_tx,
            inspect_tx,
            replies: Arc::default(),
            next_request: Arc::new(AtomicU64::new(1)),
            view: Arc::default(),
            positions: broadcast::channel(1024).0,
            orders: broadcast::channel(1024).0,
            signals: broadcast::channel(1024).0,
        };
        (handle, Inbox { events, reconcile, inspect })
    }

    /// The engine's input queue, for the market-data owner that feeds it venue events.
    pub fn events(&self) -> mpsc::Sender<EngineEvent> {
        self.tx.clone()
    }

    pub(super) fn next_request(&self) -> u64 {
        self.next_request.fetch_add(1, Ordering::SeqCst)
    }

    /// Send a command and wait for the engine's answer.
    pub async fn command(&self, command: Command) -> Result<CommandAck, Refusal> {
        let request = self.next_request();
        let (tx, rx) = oneshot::channel();
        self.replies.lock().unwrap_or_else(|e| e.into_inner()).insert(request, tx);
        if self.tx.send(EngineEvent::Command { request, command }).await.is_err() {
            return Err(Refusal("the engine is not running".into()));
        }
        rx.await.unwrap_or_else(|_| Err(Refusal("the engine stopped before answering".into())))
    }

    /// Compare our books with every venue now (the venue is the truth) and return the report
    /// once it is stored.
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

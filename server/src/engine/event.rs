//! What enters the engine (one enum, one queue) and what comes out of it.

use super::risk::{Refusal, RiskApproved};
use super::signals::Signal;
use crate::venue::VenueEvent;
use app::history::{FillRecord, FundingRecord};
use app::market::{Freshness, Market};
use app::order::{Balance, OrderReport, OrderRequest, VenuePosition};
use app::params::StrategyParams;
use app::signal::SignalRecord;
use app::symbols::SymbolRules;
use app::trading::{
    CloseAllRequest, ClosePositionRequest, CommandAck, Notification, OpenPositionRequest, OrderView, PositionView,
};
use app::{ClientOrderId, StrategyId, Symbol, TimestampMs, Usd, Venue};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Every input, in the single total order the engine processes them in. Serializable so that
/// the persisted log can be replayed exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum EngineEvent {
    /// Market and account updates pushed by a venue.
    Venue(VenueEvent),
    /// A venue's markets (filters, fees, leverage limits), at start-up.
    Markets(Vec<Market>),
    Balance(Balance),
    /// The answer to a `Send`.
    Sent {
        id: ClientOrderId,
        result: Result<OrderReport, SendFailure>,
    },
    /// The answer to a `Query`: `Ok(None)` means the venue never got the order.
    Queried {
        id: ClientOrderId,
        result: Result<Option<OrderReport>, String>,
    },
    Command {
        request: u64,
        command: Command,
    },
    Timer {
        now_ms: TimestampMs,
        /// Wall-clock time, for what people and signal sources time in real time (a signal's
        /// expiry and back-off). Logs written before it existed read 0.
        #[serde(default)]
        wall_ms: TimestampMs,
    },
    /// The market-data owner's verdict on venues whose data changed from fresh to stale or
    /// back. Opening waits for every venue to be fresh.
    Freshness(Vec<Freshness>),
    /// Each venue's positions and open orders, fetched for a reconciliation; `request` links
    /// the report to whoever asked (0: nobody waits).
    Reconcile {
        request: u64,
        trigger: String,
        snapshots: Vec<VenueSnapshot>,
    },
}

impl EngineEvent {
    /// The event's kind, for the metrics (`arb_engine_events_total{kind}`).
    pub fn kind(&self) -> &'static str {
        match self {
            EngineEvent::Venue(v) => match v {
                VenueEvent::Funding(_) => "funding",
                VenueEvent::Mark(_) => "mark",
                VenueEvent::Book(_) => "book",
                VenueEvent::Order(_) => "order_report",
                VenueEvent::Fill(_) => "fill",
                VenueEvent::FundingPaid(_) => "funding_paid",
                VenueEvent::Position(_) => "position",
                VenueEvent::Connection { .. } => "connection",
            },
            EngineEvent::Markets(_) => "markets",
            EngineEvent::Balance(_) => "balance",
            EngineEvent::Sent { .. } => "sent",
            EngineEvent::Queried { .. } => "queried",
            EngineEvent::Command { .. } => "command",
            EngineEvent::Timer { .. } => "timer",
            EngineEvent::Freshness(_) => "freshness",
            EngineEvent::Reconcile { .. } => "reconcile",
        }
    }
}

/// One venue's books as read for a reconciliation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VenueSnapshot {
    pub venue: Venue,
    /// Engine time when the fetch began: orders touched since then make their symbol pending.
    pub since_ms: TimestampMs,
    pub result: Result<(Vec<VenuePosition>, Vec<OrderReport>), String>,
}

/// Why a send failed, reduced to what the engine must do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SendFailure {
    /// The venue did not act (refused, or unreachable before sending): the order is dead.
    Refused(String),
    /// It may have acted: query by client order id.
    Unknown(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Command {
    Open(OpenPositionRequest),
    Close(ClosePositionRequest),
    CloseAll(CloseAllRequest),
    Pause,
    Resume,
    /// Stop all opening and close everything; only reduce-only orders go out after it.
    Kill,
    SetParams {
        version: i64,
        params: StrategyParams,
    },
    /// Which symbols may open from now on (already stored as `version`).
    SetSymbolRules {
        version: i64,
        rules: SymbolRules,
    },
    /// A signal already stored by the intake: run it in its turn.
    Signal(Box<Signal>),
    /// Stop working a pending signal (`by`: who, for its reason).
    CancelSignal {
        id: i64,
        by: String,
    },
    /// Each strategy's own exposure cap (already stored), replacing the previous set.
    SetStrategyCaps(BTreeMap<StrategyId, Usd>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Hand the order to its venue; the answer comes back as `EngineEvent::Sent`.
    Send(RiskApproved<OrderRequest>, Venue),
    /// Look an in-flight order up; the answer comes back as `EngineEvent::Queried`.
    Query {
        venue: Venue,
        symbol: Symbol,
        id: ClientOrderId,
    },
    Reply {
        request: u64,
        result: Result<CommandAck, Refusal>,
    },
    /// Changed state to persist and publish.
    Position(PositionView),
    Order(OrderView),
    /// Newly filled quantity booked to a leg; stored with the order and position it moved.
    Fill(FillRecord),
    /// A settled funding payment booked to a leg; stored with the position it moved.
    FundingBooked(FundingRecord),
    Notify(Notification),
    /// A signal's new state: stored with the positions and orders it moved, then streamed.
    Signal(SignalRecord),
    /// A reconciliation's outcome: stored, shown, and sent to whoever asked.
    Reconciled {
        request: u64,
        report: app::reconcile::ReconcileReport,
    },
}

//! What the engine lets go of. Closed positions and finished orders leave the working set once
//! they are stored (every event's changes are stored before the next event is processed), so
//! the cost of an event does not grow with history. History reads them from the database.
//!
//! They stay a while first, measured in venue time:
//! - a closed position for one longest funding interval and an hour: a venue may report a
//!   settlement after the close (its streams are not ordered with our fills), and the payment
//!   is still that position's money (`book_funding`);
//! - a finished order for an hour: a reconciliation that finds it resting on a venue then still
//!   knows it for ours and queries it, rather than calling it foreign;
//! - a finished signal for an hour of wall time, so the Signals page's live list keeps it a
//!   while (the database keeps it for good).

use super::Engine;
use app::trading::PositionId;
use app::{ClientOrderId, MS_PER_HOUR, TimestampMs};

/// The longest funding interval (8 h) and an hour.
pub const KEEP_CLOSED_MS: i64 = 9 * MS_PER_HOUR;
pub const KEEP_FINISHED_ORDERS_MS: i64 = MS_PER_HOUR;
pub const KEEP_FINISHED_SIGNALS_MS: i64 = MS_PER_HOUR;

impl Engine {
    /// Drop closed positions and finished orders older than their keeping time.
    pub(super) fn let_go_of_finished(&mut self) {
        let now = self.now_ms;
        let positions: Vec<PositionId> = self
            .positions
            .values()
            .filter(|p| !p.status.is_active() && !self.executions.contains_key(&p.id))
            .filter(|p| p.closed_ms.is_some_and(|t| now - t >= KEEP_CLOSED_MS))
            .map(|p| p.id)
            .collect();
        for id in positions {
            self.positions.remove(&id);
        }
        let inflight: Vec<&ClientOrderId> = self.executions.values().flat_map(|e| e.inflight.iter()).collect();
        let orders: Vec<ClientOrderId> = self
            .orders
            .values()
            .filter(|o| o.is_final() && now - o.view.updated_ms >= KEEP_FINISHED_ORDERS_MS)
            .map(|o| o.view.client_order_id.clone())
            .filter(|id| !inflight.contains(&id))
            .collect();
        for id in orders {
            self.orders.remove(&id);
            self.last_query.remove(&id);
        }
        let wall = self.wall_ms;
        self.signals
            .retain(|_, s| !s.record.status.is_final() || wall - s.record.updated_ms < KEEP_FINISHED_SIGNALS_MS);
    }
}

/// The oldest time a finished position or order may carry to be restored into the engine.
pub fn restore_since(now: TimestampMs) -> (TimestampMs, TimestampMs) {
    (now - KEEP_CLOSED_MS, now - KEEP_FINISHED_ORDERS_MS)
}

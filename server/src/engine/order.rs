//! Our orders and their lifecycle as one transition table. Every order is recorded (Created)
//! before it is sent; every status change goes through [`transition`].

use app::order::{OrderReport, VenueOrderStatus};
use app::trading::{OrderPurpose, OrderStatus, OrderView, PositionId};
use app::{ClientOrderId, Price, Qty, Symbol, TimestampMs, Usd, Venue};

/// What happened to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderEvent {
    /// Handed to the venue client.
    Send,
    /// The venue answered with this status.
    Report(VenueOrderStatus),
    /// The request timed out or failed with a 5xx: the venue may or may not have it.
    Timeout,
    /// The venue refused it, or a query found that it never arrived.
    Reject,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("order cannot go from {from:?} on {event:?}")]
pub struct TransitionError {
    pub from: OrderStatus,
    pub event: OrderEvent,
}

/// Every allowed (status, event) pair; anything else is an error.
pub fn transition(from: OrderStatus, event: OrderEvent) -> Result<OrderStatus, TransitionError> {
    use OrderEvent as E;
    use OrderStatus as S;
    use VenueOrderStatus as V;
    let to = match (from, event) {
        (S::Created, E::Send) => S::Sent,
        // An in-flight order learns its fate from an answer, a stream report or a query.
        (S::Sent | S::Unknown, E::Report(v)) => from_venue(v),
        (S::Sent, E::Timeout) => S::Unknown,
        (S::Unknown, E::Timeout) => S::Unknown,
        (S::Created | S::Sent | S::Unknown, E::Reject) => S::Rejected,
        (S::Accepted | S::PartiallyFilled, E::Report(v)) => from_venue(v),
        // Reports can arrive twice (answer and stream) or out of order: a final status stays.
        (S::Filled, E::Report(V::Filled | V::PartiallyFilled | V::New)) => S::Filled,
        (S::Canceled | S::Expired, E::Report(V::New | V::PartiallyFilled)) => from,
        // A fill reported after the cancel (the venue matched before it saw the cancel).
        (S::Canceled | S::Expired, E::Report(V::Filled)) => S::Filled,
        (S::Canceled, E::Report(V::Canceled)) | (S::Expired, E::Report(V::Expired)) => from,
        (S::Rejected, E::Report(V::Rejected)) => S::Rejected,
        _ => return Err(TransitionError { from, event }),
    };
    Ok(to)
}

fn from_venue(v: VenueOrderStatus) -> OrderStatus {
    match v {
        VenueOrderStatus::New => OrderStatus::Accepted,
        VenueOrderStatus::PartiallyFilled => OrderStatus::PartiallyFilled,
        VenueOrderStatus::Filled => OrderStatus::Filled,
        VenueOrderStatus::Canceled => OrderStatus::Canceled,
        VenueOrderStatus::Rejected => OrderStatus::Rejected,
        VenueOrderStatus::Expired => OrderStatus::Expired,
    }
}

/// One of our orders. `filled_qty` comes from the venue's reports (cumulative).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub view: OrderView,
}

impl Order {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: ClientOrderId,
        (position_id, strategy): (PositionId, app::StrategyId),
        venue: Venue,
        symbol: Symbol,
        side: app::order::Side,
        qty: Qty,
        limit_price: Option<Price>,
        reduce_only: bool,
        purpose: OrderPurpose,
        slice: u32,
        now: TimestampMs,
    ) -> Self {
        Self {
            view: OrderView {
                client_order_id: id,
                position_id,
                strategy,
                venue,
                symbol,
                side,
                qty,
                limit_price,
                reduce_only,
                purpose,
                slice,
                status: OrderStatus::Created,
                filled_qty: Qty::ZERO,
                avg_price: None,
                fee: Usd::ZERO,
                created_ms: now,
                updated_ms: now,
                error: None,
            },
        }
    }

    pub fn apply(&mut self, event: OrderEvent, now: TimestampMs) -> Result<(), TransitionError> {
        self.view.status = transition(self.view.status, event)?;
        self.view.updated_ms = now;
        Ok(())
    }

    /// Take the venue's report: status through the table, cumulative quantities never shrink.
    pub fn apply_report(&mut self, r: &OrderReport, now: TimestampMs) -> Result<(), TransitionError> {
        self.apply(OrderEvent::Report(r.status), now)?;
        if r.filled_qty >= self.view.filled_qty {
            self.view.filled_qty = r.filled_qty;
            self.view.avg_price = r.avg_price.or(self.view.avg_price);
            self.view.fee = r.fee;
        }
        Ok(())
    }

    pub fn is_final(&self) -> bool {
        self.view.status.is_final()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderEvent as E;
    use OrderStatus as S;
    use VenueOrderStatus as V;

    #[test]
    fn the_table() {
        let ok = [
            (S::Created, E::Send, S::Sent),
            (S::Sent, E::Report(V::New), S::Accepted),
            (S::Sent, E::Report(V::Filled), S::Filled),
            (S::Sent, E::Report(V::Expired), S::Expired),
            (S::Sent, E::Timeout, S::Unknown),
            (S::Unknown, E::Report(V::PartiallyFilled), S::PartiallyFilled),
            (S::Unknown, E::Reject, S::Rejected),
            (S::Accepted, E::Report(V::PartiallyFilled), S::PartiallyFilled),
            (S::PartiallyFilled, E::Report(V::Filled), S::Filled),
            (S::Filled, E::Report(V::Filled), S::Filled),
            (S::Canceled, E::Report(V::Filled), S::Filled),
            (S::Created, E::Reject, S::Rejected),
        ];
        for (from, event, to) in ok {
            assert_eq!(transition(from, event), Ok(to), "{from:?} + {event:?}");
        }
        let bad = [
            (S::Created, E::Report(V::Filled)),
            (S::Filled, E::Send),
            (S::Filled, E::Report(V::Canceled)),
            (S::Rejected, E::Report(V::Filled)),
            (S::Accepted, E::Send),
            (S::Filled, E::Timeout),
        ];
        for (from, event) in bad {
            assert!(transition(from, event).is_err(), "{from:?} + {event:?} must be refused");
        }
    }
}

//! Reconciliation reports: our books against each venue's, in both directions. The venue is
//! the truth; every difference is recorded with what was done about it.

use crate::TimestampMs;
use crate::ids::{ClientOrderId, Symbol, Venue};
use crate::money::Qty;
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DifferenceKind {
    /// The venue holds a position we have no leg for.
    VenueOnlyPosition,
    /// We hold a leg the venue does not have.
    OursOnlyPosition,
    /// Both hold it, in different sizes.
    SizeMismatch,
    /// The venue has a resting order we do not know as open.
    VenueOnlyOrder,
    /// We think an order is open; the venue does not list it.
    OursOnlyOrder,
    /// The venue could not be read; nothing was compared.
    Unreachable,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Difference {
    pub venue: Venue,
    pub kind: DifferenceKind,
    pub symbol: Option<Symbol>,
    pub order: Option<ClientOrderId>,
    /// Signed quantities (positive long) where a position is concerned.
    pub ours: Option<Qty>,
    pub theirs: Option<Qty>,
    /// What was done: adopted the venue's size, queried the order, alert only, …
    pub action: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueCheck {
    pub venue: Venue,
    pub reachable: bool,
    pub positions: usize,
    pub open_orders: usize,
    /// Symbols left out because one of our orders on them was still in flight.
    pub pending: Vec<Symbol>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconcileReport {
    pub time_ms: TimestampMs,
    /// `startup`, `schedule` or `manual`.
    pub trigger: String,
    pub venues: Vec<VenueCheck>,
    pub differences: Vec<Difference>,
}

impl ReconcileReport {
    /// Every venue was read and nothing differed.
    pub fn clean(&self) -> bool {
        self.differences.is_empty() && self.venues.iter().all(|v| v.reachable)
    }
}

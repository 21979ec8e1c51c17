//! The realised P&L over a window, as `GET /history/pnl` and the chat's `/pnl` both answer it:
//! cumulative and per UTC day from the stored fills and payments, and apart, what the open
//! positions hold unrealised now.

use crate::db::fills::Fills;
use crate::db::page;
use crate::db::payments::Payments;
use crate::error::ApiError;
use crate::state::AppState;
use app::history::{OpenPnl, PnlSeries, pnl_series};
use app::trading::PositionView;
use app::{Symbol, TimestampMs};

/// The series from `from` (default: the first fill or payment) to `to` (default: now, venue time),
/// of every record or of one symbol's, one strategy's, or both.
pub async fn series(
    s: &AppState,
    scope: page::Scope<'_>,
    from: Option<TimestampMs>,
    to: Option<TimestampMs>,
) -> Result<PnlSeries, ApiError> {
    let to = to.unwrap_or_else(|| s.clock.venue_ms());
    let from = match from {
        Some(f) => f,
        None => {
            let first =
                [page::first_time::<Fills>(&s.db, scope).await?, page::first_time::<Payments>(&s.db, scope).await?];
            first.into_iter().flatten().min().unwrap_or(to).min(to)
        }
    };
    if from > to {
        return Err(ApiError::field("from", "`from` must not be after `to` (by default now)"));
    }
    let fills = page::between::<Fills>(&s.db, scope, from, to).await?;
    let payments = page::between::<Payments>(&s.db, scope, from, to).await?;
    let mut open = OpenPnl::default();
    let strategy = scope.strategy;
    for p in active_positions(s, scope.symbol).into_iter().filter(|p| strategy.is_none_or(|st| *st == p.strategy)) {
        open.positions += 1;
        open.unrealized += p.pnl.price_unrealized;
        open.funding_estimate += p.pnl.funding_estimate;
    }
    Ok(pnl_series(&fills, &payments, from, to, open))
}

/// The positions not yet finished (of `symbol`, if given), as the engine holds them now: their
/// unrealised P&L moves with every mark, so the stored copy would be behind.
pub fn active_positions(s: &AppState, symbol: Option<&Symbol>) -> Vec<PositionView> {
    s.engine.read(|v| {
        v.positions
            .values()
            .filter(|p| p.status.is_active() && symbol.is_none_or(|s| *s == p.symbol))
            .cloned()
            .collect()
    })
}

//! History's position and order lists, read through the one pager (`page`): closed and failed
//! positions with their peak size (from `fills`), and every stored order. Fills and payments
//! are listed by their own modules with the same pager.

use super::columns::parse_json;
use super::entities::{order, position};
use super::fills;
use super::page::{Columns, Filter, Rows, page};
use app::TimestampMs;
use app::history::ClosedPosition;
use app::trading::{OrderView, PositionView};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

/// Closed and failed positions as stored, newest close first.
pub async fn closed_views(db: &impl ConnectionTrait, f: &Filter<i64>) -> Result<Rows<PositionView>, DbErr> {
    let select = position::Entity::find()
        .filter(position::Column::Status.is_in(["closed", "failed"]))
        .filter(position::Column::ClosedMs.is_not_null());
    let cols = Columns {
        time: position::Column::ClosedMs,
        key: position::Column::Id,
        symbol: position::Column::Symbol,
        strategy: position::Column::Strategy,
        venue: None,
        position_id: Some(position::Column::Id),
        status: Some(position::Column::Status),
    };
    page(db, select, cols, f).await?.map(|r| parse_json::<PositionView>(&r.view))
}

/// Every closed or failed position opened in `[from, to]`, read page by page. A position
/// closes after it opens, so only closes from `from` on are read.
pub async fn closed_opened_between(
    db: &impl ConnectionTrait,
    from_ms: TimestampMs,
    to_ms: TimestampMs,
) -> Result<Vec<PositionView>, DbErr> {
    let mut f = Filter::<i64> { from_ms: Some(from_ms), limit: PAGE, ..Default::default() };
    let mut out = Vec::new();
    loop {
        let page = closed_views(db, &f).await?;
        out.extend(page.rows.into_iter().filter(|v| (from_ms..=to_ms).contains(&v.opened_ms)));
        match page.next.and_then(|n| n.parse().ok()) {
            Some(cursor) => f.cursor = Some(cursor),
            None => return Ok(out),
        }
    }
}

/// Rows per read when a caller wants every row.
const PAGE: u64 = 1000;

/// Closed and failed positions, newest close first, with the peak size from their fills.
pub async fn closed_positions(db: &impl ConnectionTrait, f: &Filter<i64>) -> Result<Rows<ClosedPosition>, DbErr> {
    let page = closed_views(db, f).await?;
    let peaks = fills::peak_long_qty(db, &page.rows).await?;
    let rows = page.rows.into_iter().map(|v| closed_row(v.clone(), peaks.get(&v.id).copied())).collect();
    Ok(Rows { rows, next: page.next, total: page.total })
}

/// A finished position's History row: its final P&L (all realised: the legs are flat).
pub fn closed_row(v: PositionView, peak_qty: Option<app::Qty>) -> ClosedPosition {
    ClosedPosition {
        peak_qty,
        id: v.id,
        strategy: v.strategy,
        symbol: v.symbol,
        direction: v.direction,
        status: v.status,
        opened_ms: v.opened_ms,
        closed_ms: v.closed_ms,
        price_pnl: v.pnl.price_realized + v.pnl.price_unrealized,
        funding: v.pnl.funding_settled,
        fees: v.pnl.fees,
        net: v.pnl.net,
        note: v.note,
    }
}

/// Every stored order (final or not), newest first.
pub async fn orders(db: &impl ConnectionTrait, f: &Filter<String>) -> Result<Rows<OrderView>, DbErr> {
    let cols = Columns {
        time: order::Column::CreatedMs,
        key: order::Column::ClientOrderId,
        symbol: order::Column::Symbol,
        strategy: order::Column::Strategy,
        venue: Some(order::Column::Venue),
        position_id: Some(order::Column::PositionId),
        status: Some(order::Column::Status),
    };
    page(db, order::Entity::find(), cols, f).await?.map(super::trading::order_view)
}

//! History's reading side: the filter every list takes, keyset paging (newest first, by time
//! then key, so rows written while a user pages do not shift the pages), and the lists of
//! closed positions and orders. Fills and payments live in `fills` and `payments`.

use super::entities::{order, position};
use app::TimestampMs;
use app::history::ClosedPosition;
use app::trading::{OrderView, PositionView};
use app::{Symbol, Venue};
use rust_decimal::Decimal;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, ModelTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Select,
};
use std::fmt;
use std::str::FromStr;

/// Where the previous page ended: its last row's time and key, as `"<time_ms>:<key>"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor<K> {
    pub time_ms: TimestampMs,
    pub key: K,
}

impl<K: FromStr> FromStr for Cursor<K> {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let (t, k) = s.split_once(':').ok_or(())?;
        Ok(Cursor { time_ms: t.parse().map_err(|_| ())?, key: k.parse().map_err(|_| ())? })
    }
}

impl<K: fmt::Display> fmt::Display for Cursor<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.time_ms, self.key)
    }
}

/// A list's filter, already validated by the API.
#[derive(Debug, Clone, Default)]
pub struct Filter<K> {
    pub symbol: Option<Symbol>,
    pub venue: Option<Venue>,
    pub position_id: Option<app::trading::PositionId>,
    /// Stored status text (`closed`, `filled`, …).
    pub status: Option<String>,
    pub from_ms: Option<TimestampMs>,
    pub to_ms: Option<TimestampMs>,
    pub cursor: Option<Cursor<K>>,
    pub limit: u64,
}

/// One page of rows and what the API needs to page on.
pub struct Rows<M> {
    pub rows: Vec<M>,
    /// The cursor of the next (older) page, when there is one.
    pub next: Option<String>,
    pub total: u64,
}

impl<M> Rows<M> {
    pub fn map<N>(self, f: impl FnMut(&M) -> Result<N, DbErr>) -> Result<Rows<N>, DbErr> {
        Ok(Rows { rows: self.rows.iter().map(f).collect::<Result<_, _>>()?, next: self.next, total: self.total })
    }
}

/// A time or key column's value as cursor text.
fn cursor_part(v: sea_orm::Value) -> String {
    use sea_orm::Value as V;
    match v {
        V::BigInt(Some(n)) => n.to_string(),
        V::Int(Some(n)) => n.to_string(),
        V::String(Some(s)) => *s,
        other => format!("{other:?}"),
    }
}

/// The columns a list is filtered and ordered on; `None` where the table has no such column.
pub struct Columns<C> {
    pub time: C,
    pub key: C,
    pub symbol: C,
    pub venue: Option<C>,
    pub position_id: Option<C>,
    pub status: Option<C>,
}

/// Apply `f` to `select`, count the matches, and read one page after the cursor.
pub async fn page<E, K>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    cols: Columns<E::Column>,
    f: &Filter<K>,
) -> Result<Rows<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: FromQueryResult + ModelTrait<Entity = E> + Sync,
    K: Clone + Into<sea_orm::Value>,
{
    let mut q = select;
    if let Some(s) = &f.symbol {
        q = q.filter(cols.symbol.eq(s.as_str()));
    }
    if let (Some(v), Some(c)) = (f.venue, cols.venue) {
        q = q.filter(c.eq(v.as_str()));
    }
    if let (Some(id), Some(c)) = (f.position_id, cols.position_id) {
        q = q.filter(c.eq(id.get()));
    }
    if let (Some(s), Some(c)) = (&f.status, cols.status) {
        q = q.filter(c.eq(s.as_str()));
    }
    if let Some(t) = f.from_ms {
        q = q.filter(cols.time.gte(t));
    }
    if let Some(t) = f.to_ms {
        q = q.filter(cols.time.lte(t));
    }
    let total = q.clone().count(db).await?;
    if let Some(c) = &f.cursor {
        let older = Condition::any()
            .add(cols.time.lt(c.time_ms))
            .add(Condition::all().add(cols.time.eq(c.time_ms)).add(cols.key.lt(c.key.clone())));
        q = q.filter(older);
    }
    let mut rows = q.order_by_desc(cols.time).order_by_desc(cols.key).limit(f.limit + 1).all(db).await?;
    let more = rows.len() as u64 > f.limit;
    rows.truncate(f.limit as usize);
    let next = rows
        .last()
        .filter(|_| more)
        .map(|m| format!("{}:{}", cursor_part(m.get(cols.time)), cursor_part(m.get(cols.key))));
    Ok(Rows { rows, next, total })
}

pub(super) fn decimal(s: &str) -> Result<Decimal, DbErr> {
    Decimal::from_str(s).map_err(|e| DbErr::Custom(format!("stored decimal {s:?}: {e}")))
}

pub(super) fn parse_text<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, DbErr> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|e| DbErr::Custom(format!("stored value {s:?}: {e}")))
}

fn parse_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, DbErr> {
    serde_json::from_str(s).map_err(|e| DbErr::Custom(format!("parsing stored JSON: {e}")))
}

/// Closed and failed positions, newest close first, with the peak size from their fills.
pub async fn closed_positions(db: &impl ConnectionTrait, f: &Filter<i64>) -> Result<Rows<ClosedPosition>, DbErr> {
    let select = position::Entity::find()
        .filter(position::Column::Status.is_in(["closed", "failed"]))
        .filter(position::Column::ClosedMs.is_not_null());
    let cols = Columns {
        time: position::Column::ClosedMs,
        key: position::Column::Id,
        symbol: position::Column::Symbol,
        venue: None,
        position_id: Some(position::Column::Id),
        status: Some(position::Column::Status),
    };
    let page = page(db, select, cols, f).await?.map(|r| parse_json::<PositionView>(&r.view))?;
    let peaks = super::fills::peak_long_qty(db, &page.rows).await?;
    let rows = page
        .rows
        .into_iter()
        .map(|v| ClosedPosition {
            peak_qty: peaks.get(&v.id).copied(),
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
        })
        .collect();
    Ok(Rows { rows, next: page.next, total: page.total })
}

/// Every stored order (final or not), newest first.
pub async fn orders(db: &impl ConnectionTrait, f: &Filter<String>) -> Result<Rows<OrderView>, DbErr> {
    let cols = Columns {
        time: order::Column::CreatedMs,
        key: order::Column::ClientOrderId,
        symbol: order::Column::Symbol,
        venue: Some(order::Column::Venue),
        position_id: Some(order::Column::PositionId),
        status: Some(order::Column::Status),
    };
    page(db, order::Entity::find(), cols, f).await?.map(|r| parse_json(&r.view))
}

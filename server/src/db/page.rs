//! The one pager of History's lists: a filter every list takes, keyset paging (newest first, by
//! time then key, so rows written while a user pages do not shift the pages), and the reads by
//! time window that the P&L series makes of the same tables. Tables say which of their columns
//! play which part ([`Columns`]); the queries here know no table.

use app::TimestampMs;
use app::{StrategyId, Symbol, Venue};
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
    pub strategy: Option<StrategyId>,
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

/// The columns a list is filtered and ordered on; `None` where the table has no such column.
pub struct Columns<C> {
    pub time: C,
    pub key: C,
    pub symbol: C,
    pub strategy: C,
    pub venue: Option<C>,
    pub position_id: Option<C>,
    pub status: Option<C>,
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
    if let Some(s) = &f.strategy {
        q = q.filter(cols.strategy.eq(s.as_str()));
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

/// A table of records booked to positions and read back by time, keyed by row id: fills and
/// funding payments. Each says which columns play which part and how a row reads; listing,
/// windows and first times are the functions below, the same for both.
pub trait Ledger: EntityTrait {
    type Record;
    fn columns() -> Columns<Self::Column>;
    fn record(m: &Self::Model) -> Result<Self::Record, DbErr>;
}

impl<C> Columns<C> {
    /// A ledger's columns: filtered by symbol, strategy, venue and position; no status.
    pub fn ledger(time: C, key: C, symbol: C, strategy: C, venue: C, position_id: C) -> Self {
        Columns { time, key, symbol, strategy, venue: Some(venue), position_id: Some(position_id), status: None }
    }
}

/// Which records of a ledger a window or a first time reads: all, or one symbol's, one
/// strategy's, or both.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope<'a> {
    pub symbol: Option<&'a Symbol>,
    pub strategy: Option<&'a StrategyId>,
}

impl<'a> From<Option<&'a Symbol>> for Scope<'a> {
    fn from(symbol: Option<&'a Symbol>) -> Self {
        Scope { symbol, strategy: None }
    }
}

impl Scope<'_> {
    fn apply<E: EntityTrait>(&self, mut q: Select<E>, cols: &Columns<E::Column>) -> Select<E> {
        if let Some(s) = self.symbol {
            q = q.filter(cols.symbol.eq(s.as_str()));
        }
        if let Some(s) = self.strategy {
            q = q.filter(cols.strategy.eq(s.as_str()));
        }
        q
    }
}

/// One page of a ledger, newest first; the cursor key is the row id.
pub async fn list<T>(db: &impl ConnectionTrait, f: &Filter<i64>) -> Result<Rows<T::Record>, DbErr>
where
    T: Ledger,
    T::Model: FromQueryResult + ModelTrait<Entity = T> + Sync,
{
    page(db, T::find(), T::columns(), f).await?.map(T::record)
}

/// Every record with its time in `[from, to]` (in `scope`), oldest first.
pub async fn between<'a, T: Ledger>(
    db: &impl ConnectionTrait,
    scope: impl Into<Scope<'a>>,
    from_ms: TimestampMs,
    to_ms: TimestampMs,
) -> Result<Vec<T::Record>, DbErr> {
    let cols = T::columns();
    let q = scope.into().apply(T::find().filter(cols.time.between(from_ms, to_ms)), &cols);
    q.order_by_asc(cols.time).order_by_asc(cols.key).all(db).await?.iter().map(T::record).collect()
}

/// The time of the first record (in `scope`).
pub async fn first_time<'a, T: Ledger>(
    db: &impl ConnectionTrait,
    scope: impl Into<Scope<'a>>,
) -> Result<Option<TimestampMs>, DbErr> {
    let cols = T::columns();
    let q = scope.into().apply(T::find().select_only().column(cols.time), &cols);
    q.order_by_asc(cols.time).into_tuple::<TimestampMs>().one(db).await
}

/// The time of the latest record on `venue` (where re-fetching from a venue resumes).
pub async fn last_time<T: Ledger>(db: &impl ConnectionTrait, venue: Venue) -> Result<Option<TimestampMs>, DbErr> {
    let cols = T::columns();
    let Some(venue_col) = cols.venue else { return Ok(None) };
    T::find()
        .select_only()
        .column(cols.time)
        .filter(venue_col.eq(venue.as_str()))
        .order_by_desc(cols.time)
        .into_tuple::<TimestampMs>()
        .one(db)
        .await
}

/// Every record booked to one of `positions`, oldest first.
pub async fn of_positions<T: Ledger>(
    db: &impl ConnectionTrait,
    positions: &[app::trading::PositionId],
) -> Result<Vec<T::Record>, DbErr> {
    let cols = T::columns();
    let Some(col) = cols.position_id else { return Ok(vec![]) };
    let ids: Vec<i64> = positions.iter().map(|p| p.get()).collect();
    T::find().filter(col.is_in(ids)).order_by_asc(cols.key).all(db).await?.iter().map(T::record).collect()
}

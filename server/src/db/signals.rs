//! Signals as stored: inserted by the intake before anything else, once per source and signal
//! id (the idempotency key), then updated by the engine's write-ahead transaction as they move.
//! Each row keeps the record (`view`) and the engine's working state (`state`) as JSON, with
//! the columns the lists filter on.

use super::columns::{json, parse_json, text};
use app::TimestampMs;
use app::signal::{SignalQuery, SignalRecord, SignalRequest, SignalStatus};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
    TryInsertResult,
};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "signals")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub source: String,
        pub signal_id: String,
        pub strategy: String,
        pub action: String,
        pub status: String,
        pub symbol: Option<String>,
        pub received_ms: i64,
        pub updated_ms: i64,
        pub view: String,
        pub state: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::{Column, Entity as Signals};

/// What the intake's insert found.
pub enum Intake {
    /// Stored now: the engine must be told.
    New(SignalRecord),
    /// Stored before under the same source and signal id: answered as it is, never acted on
    /// again.
    Seen(SignalRecord),
}

/// Store a signal as `received`, unless its source sent the same signal id before. `state`
/// makes the engine's working state of the new record (the engine is not this module's to
/// know), stored with it so that a restart finds everything it needs.
pub async fn insert_received(
    db: &(impl ConnectionTrait + TransactionTrait),
    source: &str,
    req: &SignalRequest,
    expires_at_ms: Option<TimestampMs>,
    now: TimestampMs,
    state: impl FnOnce(&SignalRecord) -> serde_json::Value,
) -> Result<Intake, DbErr> {
    let txn = db.begin().await?;
    let model = entity::ActiveModel {
        source: Set(source.to_owned()),
        signal_id: Set(req.signal_id.clone()),
        strategy: Set(req.strategy.to_string()),
        action: Set(text(&req.action)),
        status: Set(SignalStatus::Received.name()),
        symbol: Set(req.symbol.as_ref().map(|s| s.to_string())),
        received_ms: Set(now),
        updated_ms: Set(now),
        // Filled in below, once the id is known.
        view: Set(String::new()),
        state: Set(String::new()),
        ..Default::default()
    };
    let conflict = OnConflict::columns([Column::Source, Column::SignalId]).do_nothing().to_owned();
    let id = match Signals::insert(model).on_conflict(conflict).do_nothing().exec(&txn).await? {
        TryInsertResult::Inserted(r) => r.last_insert_id,
        TryInsertResult::Conflicted | TryInsertResult::Empty => {
            txn.rollback().await?;
            return match find(db, source, &req.signal_id).await? {
                Some(r) => Ok(Intake::Seen(r)),
                None => Err(DbErr::Custom(format!("signal {source}/{} conflicted but is not stored", req.signal_id))),
            };
        }
    };
    let record = SignalRecord::received(id, source, req, expires_at_ms, now);
    let row = entity::ActiveModel {
        id: Set(id),
        view: Set(json(&record)?),
        state: Set(json(&state(&record))?),
        ..Default::default()
    };
    Signals::update(row).exec(&txn).await?;
    txn.commit().await?;
    Ok(Intake::New(record))
}

/// The engine's change of a signal: its record and working state. A row the intake did not
/// insert (a test driving the engine alone) is inserted.
pub async fn upsert(db: &impl ConnectionTrait, r: &SignalRecord, state: &serde_json::Value) -> Result<(), DbErr> {
    let model = entity::ActiveModel {
        id: Set(r.id),
        source: Set(r.source.clone()),
        signal_id: Set(r.signal_id.clone()),
        strategy: Set(r.strategy.to_string()),
        action: Set(text(&r.action)),
        status: Set(r.status.name()),
        symbol: Set(r.symbol.as_ref().map(|s| s.to_string())),
        received_ms: Set(r.received_ms),
        updated_ms: Set(r.updated_ms),
        view: Set(json(r)?),
        state: Set(json(state)?),
    };
    let cols = [Column::Status, Column::Symbol, Column::UpdatedMs, Column::View, Column::State];
    Signals::insert(model).on_conflict(OnConflict::column(Column::Id).update_columns(cols).to_owned()).exec(db).await?;
    Ok(())
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<Option<SignalRecord>, DbErr> {
    Signals::find_by_id(id).one(db).await?.map(|m| parse_json(&m.view)).transpose()
}

pub async fn find(db: &impl ConnectionTrait, source: &str, signal_id: &str) -> Result<Option<SignalRecord>, DbErr> {
    let row = Signals::find().filter(Column::Source.eq(source)).filter(Column::SignalId.eq(signal_id)).one(db).await?;
    row.map(|m| parse_json(&m.view)).transpose()
}

/// Newest first, filtered.
pub async fn list(db: &impl ConnectionTrait, q: &SignalQuery, limit: u64) -> Result<Vec<SignalRecord>, DbErr> {
    let mut select = Signals::find();
    if let Some(s) = q.status {
        select = select.filter(Column::Status.eq(s.name()));
    }
    if let Some(s) = &q.strategy {
        select = select.filter(Column::Strategy.eq(s.as_str()));
    }
    if let Some(s) = &q.source {
        select = select.filter(Column::Source.eq(s.as_str()));
    }
    let rows = select.order_by_desc(Column::Id).limit(limit).all(db).await?;
    rows.iter().map(|m| parse_json(&m.view)).collect()
}

/// The working state of every signal not yet final, oldest first: what the engine resumes.
pub async fn unfinished(db: &impl ConnectionTrait) -> Result<Vec<serde_json::Value>, DbErr> {
    let pending = [SignalStatus::Received.name(), SignalStatus::Executing.name()];
    let rows = Signals::find().filter(Column::Status.is_in(pending)).order_by_asc(Column::Id).all(db).await?;
    rows.iter().map(|m| parse_json(&m.state)).collect()
}

/// A source's signals received since `since`, counted by status.
pub async fn counts_since(
    db: &impl ConnectionTrait,
    source: &str,
    since: TimestampMs,
) -> Result<Vec<(SignalStatus, u64)>, DbErr> {
    let rows: Vec<(String, i64)> = Signals::find()
        .select_only()
        .column(Column::Status)
        .column_as(Column::Id.count(), "n")
        .filter(Column::Source.eq(source))
        .filter(Column::ReceivedMs.gte(since))
        .group_by(Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let mut out: Vec<(SignalStatus, u64)> = rows
        .into_iter()
        .filter_map(|(s, n)| Some((app::text::parse(&s).ok()?, u64::try_from(n).unwrap_or(0))))
        .collect();
    out.sort();
    Ok(out)
}

/// When a source's latest signal arrived.
pub async fn last_received(db: &impl ConnectionTrait, source: &str) -> Result<Option<TimestampMs>, DbErr> {
    Signals::find()
        .select_only()
        .column(Column::ReceivedMs)
        .filter(Column::Source.eq(source))
        .order_by_desc(Column::Id)
        .into_tuple::<TimestampMs>()
        .one(db)
        .await
}

//! The job log: a row is inserted when a run starts and completed when it ends, so a run that
//! never ended (the process died) stays visible as such.

use super::columns::{parse_text, text};
use app::TimestampMs;
use app::jobs::{JobRun, RunStatus, Trigger};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "job_runs")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub job: String,
        pub scheduled_ms: i64,
        pub started_ms: i64,
        pub ended_ms: Option<i64>,
        pub status: Option<String>,
        pub trigger: String,
        pub records: i64,
        pub error: Option<String>,
        pub duration_ms: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::{Column, Entity as JobRuns};

/// How a run ended, to complete its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    pub ended_ms: TimestampMs,
    pub status: RunStatus,
    pub records: i64,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// A run begins: its row, without an end. Returns the row's id.
pub async fn start(
    db: &impl ConnectionTrait,
    job: &str,
    scheduled_ms: TimestampMs,
    started_ms: TimestampMs,
    trigger: Trigger,
) -> Result<i64, DbErr> {
    let model = entity::ActiveModel {
        job: Set(job.to_owned()),
        scheduled_ms: Set(scheduled_ms),
        started_ms: Set(started_ms),
        trigger: Set(text(&trigger)),
        records: Set(0),
        ..Default::default()
    };
    Ok(model.insert(db).await?.id)
}

pub async fn finish(db: &impl ConnectionTrait, id: i64, ended: &Ended) -> Result<(), DbErr> {
    let model = entity::ActiveModel {
        id: Set(id),
        ended_ms: Set(Some(ended.ended_ms)),
        status: Set(Some(text(&ended.status))),
        records: Set(ended.records),
        error: Set(ended.error.clone()),
        duration_ms: Set(Some(ended.duration_ms)),
        ..Default::default()
    };
    model.update(db).await?;
    Ok(())
}

/// A run that did not start (its previous run was still going): one finished row; its id.
pub async fn skipped(
    db: &impl ConnectionTrait,
    job: &str,
    scheduled_ms: TimestampMs,
    now_ms: TimestampMs,
    trigger: Trigger,
    why: &str,
) -> Result<i64, DbErr> {
    let id = start(db, job, scheduled_ms, now_ms, trigger).await?;
    let ended =
        Ended { ended_ms: now_ms, status: RunStatus::Skipped, records: 0, error: Some(why.to_owned()), duration_ms: 0 };
    finish(db, id, &ended).await?;
    Ok(id)
}

/// One run by its id.
pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<Option<JobRun>, DbErr> {
    JobRuns::find_by_id(id).one(db).await?.map(run).transpose()
}

/// The job's latest runs, newest first.
pub async fn recent(db: &impl ConnectionTrait, job: &str, limit: u64) -> Result<Vec<JobRun>, DbErr> {
    let rows = JobRuns::find().filter(Column::Job.eq(job)).order_by_desc(Column::Id).limit(limit).all(db).await?;
    rows.into_iter().map(run).collect()
}

/// The latest run that succeeded.
pub async fn last_success(db: &impl ConnectionTrait, job: &str) -> Result<Option<JobRun>, DbErr> {
    let row = JobRuns::find()
        .filter(Column::Job.eq(job))
        .filter(Column::Status.eq(text(&RunStatus::Success)))
        .order_by_desc(Column::Id)
        .one(db)
        .await?;
    row.map(run).transpose()
}

/// The greatest cron time any run of `job` was for (skipped runs count: the time was seen).
pub async fn last_scheduled(db: &impl ConnectionTrait, job: &str) -> Result<Option<TimestampMs>, DbErr> {
    let row = JobRuns::find()
        .filter(Column::Job.eq(job))
        .filter(Column::Trigger.is_in([text(&Trigger::Schedule), text(&Trigger::Missed)]))
        .order_by_desc(Column::ScheduledMs)
        .one(db)
        .await?;
    Ok(row.map(|m| m.scheduled_ms))
}

/// Delete runs that started before `before` (wall time); returns how many.
pub async fn prune(db: &impl ConnectionTrait, before: TimestampMs) -> Result<u64, DbErr> {
    Ok(JobRuns::delete_many().filter(Column::StartedMs.lt(before)).exec(db).await?.rows_affected)
}

fn run(m: entity::Model) -> Result<JobRun, DbErr> {
    Ok(JobRun {
        id: m.id,
        job: m.job,
        scheduled_ms: m.scheduled_ms,
        started_ms: m.started_ms,
        ended_ms: m.ended_ms,
        status: m.status.as_deref().map(parse_text).transpose()?,
        trigger: parse_text(&m.trigger)?,
        records: m.records,
        error: m.error,
        duration_ms: m.duration_ms,
    })
}

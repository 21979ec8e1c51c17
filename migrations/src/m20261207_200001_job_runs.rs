//! The job log: one row per run of a scheduled job (or a run by hand), with the cron time it
//! was for, when it started and ended, how it ended, how much it did and why it failed.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum JobRuns {
    Table,
    Id,
    Job,
    ScheduledMs,
    StartedMs,
    EndedMs,
    /// `success`, `partial`, `failed`, `skipped`; null while running.
    Status,
    /// `schedule`, `missed`, `manual`, `cli`.
    Trigger,
    Records,
    Error,
    DurationMs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(JobRuns::Table)
                .if_not_exists()
                .col(ColumnDef::new(JobRuns::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(JobRuns::Job).string_len(40).not_null())
                .col(ColumnDef::new(JobRuns::ScheduledMs).big_integer().not_null())
                .col(ColumnDef::new(JobRuns::StartedMs).big_integer().not_null())
                .col(ColumnDef::new(JobRuns::EndedMs).big_integer().null())
                .col(ColumnDef::new(JobRuns::Status).string_len(16).null())
                .col(ColumnDef::new(JobRuns::Trigger).string_len(16).not_null())
                .col(ColumnDef::new(JobRuns::Records).big_integer().not_null().default(0))
                .col(ColumnDef::new(JobRuns::Error).text().null())
                .col(ColumnDef::new(JobRuns::DurationMs).big_integer().null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_job_runs_job_id")
                .table(JobRuns::Table)
                .col(JobRuns::Job)
                .col(JobRuns::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(JobRuns::Table).to_owned()).await
    }
}

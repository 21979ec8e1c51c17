//! Reconciliation reports: when, why (start-up, schedule, manual), whether clean, and the whole
//! report (every difference and what was done) as JSON.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Reconciliations {
    Table,
    Id,
    TimeMs,
    Trigger,
    Clean,
    Report,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Reconciliations::Table)
                .if_not_exists()
                .col(ColumnDef::new(Reconciliations::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(Reconciliations::TimeMs).big_integer().not_null())
                .col(ColumnDef::new(Reconciliations::Trigger).string_len(16).not_null())
                .col(ColumnDef::new(Reconciliations::Clean).boolean().not_null())
                .col(ColumnDef::new(Reconciliations::Report).text().not_null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Reconciliations::Table).to_owned()).await
    }
}

//! Backtests run from the API: the request, how far the run is, and once done its report and
//! (for a sweep) its ranked points, as JSON text.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Backtests {
    Table,
    Id,
    Author,
    CreatedMs,
    FinishedMs,
    Status,
    Progress,
    Request,
    Error,
    Net,
    AprBudget,
    Report,
    Sweep,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Backtests::Table)
                .if_not_exists()
                .col(ColumnDef::new(Backtests::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(Backtests::Author).string_len(64).not_null())
                .col(ColumnDef::new(Backtests::CreatedMs).big_integer().not_null())
                .col(ColumnDef::new(Backtests::FinishedMs).big_integer().null())
                .col(ColumnDef::new(Backtests::Status).string_len(16).not_null())
                .col(ColumnDef::new(Backtests::Progress).string_len(16).not_null())
                .col(ColumnDef::new(Backtests::Request).text().not_null())
                .col(ColumnDef::new(Backtests::Error).text().null())
                .col(ColumnDef::new(Backtests::Net).string_len(40).null())
                .col(ColumnDef::new(Backtests::AprBudget).string_len(40).null())
                .col(ColumnDef::new(Backtests::Report).text().null())
                .col(ColumnDef::new(Backtests::Sweep).text().null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Backtests::Table).to_owned()).await
    }
}

//! The trading core's books: positions (with the engine's full state as JSON, so a restart
//! resumes exactly), orders (recorded before they are sent), versioned strategy parameters,
//! and notifications.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Positions {
    Table,
    Id,
    Symbol,
    Status,
    OpenedMs,
    ClosedMs,
    /// The engine's position (legs and ledgers) and any running execution, as JSON.
    State,
    /// The API view at the last change, as JSON.
    View,
    UpdatedMs,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    ClientOrderId,
    PositionId,
    Venue,
    Symbol,
    Status,
    CreatedMs,
    UpdatedMs,
    View,
}

#[derive(DeriveIden)]
enum StrategyParams {
    Table,
    Version,
    Params,
    CreatedMs,
    Author,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    Level,
    TimeMs,
    Title,
    Message,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Positions::Table)
                .if_not_exists()
                .col(ColumnDef::new(Positions::Id).big_integer().not_null().primary_key())
                .col(ColumnDef::new(Positions::Symbol).string_len(20).not_null())
                .col(ColumnDef::new(Positions::Status).string_len(16).not_null())
                .col(ColumnDef::new(Positions::OpenedMs).big_integer().not_null())
                .col(ColumnDef::new(Positions::ClosedMs).big_integer().null())
                .col(ColumnDef::new(Positions::State).text().not_null())
                .col(ColumnDef::new(Positions::View).text().not_null())
                .col(ColumnDef::new(Positions::UpdatedMs).big_integer().not_null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Orders::Table)
                .if_not_exists()
                .col(ColumnDef::new(Orders::ClientOrderId).string_len(40).not_null().primary_key())
                .col(ColumnDef::new(Orders::PositionId).big_integer().not_null())
                .col(ColumnDef::new(Orders::Venue).string_len(16).not_null())
                .col(ColumnDef::new(Orders::Symbol).string_len(20).not_null())
                .col(ColumnDef::new(Orders::Status).string_len(20).not_null())
                .col(ColumnDef::new(Orders::CreatedMs).big_integer().not_null())
                .col(ColumnDef::new(Orders::UpdatedMs).big_integer().not_null())
                .col(ColumnDef::new(Orders::View).text().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_orders_position").table(Orders::Table).col(Orders::PositionId).to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(StrategyParams::Table)
                .if_not_exists()
                .col(ColumnDef::new(StrategyParams::Version).big_integer().not_null().primary_key())
                .col(ColumnDef::new(StrategyParams::Params).text().not_null())
                .col(ColumnDef::new(StrategyParams::CreatedMs).big_integer().not_null())
                .col(ColumnDef::new(StrategyParams::Author).string_len(64).not_null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Notifications::Table)
                .if_not_exists()
                .col(ColumnDef::new(Notifications::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(Notifications::Level).string_len(16).not_null())
                .col(ColumnDef::new(Notifications::TimeMs).big_integer().not_null())
                .col(ColumnDef::new(Notifications::Title).string_len(200).not_null())
                .col(ColumnDef::new(Notifications::Message).text().not_null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Positions::Table.into_iden(),
            Orders::Table.into_iden(),
            StrategyParams::Table.into_iden(),
            Notifications::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

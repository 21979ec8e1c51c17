//! Daily equity per venue: one row per venue and UTC day (of the venue's clock), written again
//! rather than duplicated when a snapshot is repeated.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EquitySnapshots {
    Table,
    Venue,
    /// 00:00 UTC of the day, in ms.
    DayMs,
    /// Wallet plus unrealised P&L, as decimal text.
    Equity,
    Wallet,
    Unrealised,
    TakenMs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(EquitySnapshots::Table)
                .if_not_exists()
                .col(ColumnDef::new(EquitySnapshots::Venue).string_len(16).not_null())
                .col(ColumnDef::new(EquitySnapshots::DayMs).big_integer().not_null())
                .col(ColumnDef::new(EquitySnapshots::Equity).string_len(40).not_null())
                .col(ColumnDef::new(EquitySnapshots::Wallet).string_len(40).not_null())
                .col(ColumnDef::new(EquitySnapshots::Unrealised).string_len(40).not_null())
                .col(ColumnDef::new(EquitySnapshots::TakenMs).big_integer().not_null())
                .primary_key(Index::create().col(EquitySnapshots::Venue).col(EquitySnapshots::DayMs))
                .to_owned(),
        )
        .await?;
        // Range reads go by day across venues.
        m.create_index(
            Index::create()
                .name("ix_equity_snapshots_day")
                .table(EquitySnapshots::Table)
                .col(EquitySnapshots::DayMs)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(EquitySnapshots::Table).to_owned()).await
    }
}

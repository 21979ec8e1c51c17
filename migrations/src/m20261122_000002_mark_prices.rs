//! Mark and index price samples per venue and symbol (every 10 s by default).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MarkPrices {
    Table,
    Id,
    Venue,
    Symbol,
    TimeMs,
    Mark,
    IndexPrice,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MarkPrices::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(MarkPrices::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(MarkPrices::Venue).string_len(16).not_null())
                    .col(ColumnDef::new(MarkPrices::Symbol).string_len(20).not_null())
                    .col(ColumnDef::new(MarkPrices::TimeMs).big_integer().not_null())
                    .col(ColumnDef::new(MarkPrices::Mark).string_len(40).not_null())
                    .col(ColumnDef::new(MarkPrices::IndexPrice).string_len(40).not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_mark_prices_key")
                    .table(MarkPrices::Table)
                    .col(MarkPrices::Symbol)
                    .col(MarkPrices::Venue)
                    .col(MarkPrices::TimeMs)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(MarkPrices::Table).to_owned()).await
    }
}

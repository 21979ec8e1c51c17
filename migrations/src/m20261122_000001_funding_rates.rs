//! Funding-rate history: settled rates (one row per settlement) and minute snapshots of the
//! predicted rate. Unique per (venue, symbol, kind, time) so backfills can be repeated.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FundingRates {
    Table,
    Id,
    Venue,
    Symbol,
    Kind,
    TimeMs,
    Rate,
    IntervalHours,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FundingRates::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(FundingRates::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(FundingRates::Venue).string_len(16).not_null())
                    .col(ColumnDef::new(FundingRates::Symbol).string_len(20).not_null())
                    .col(ColumnDef::new(FundingRates::Kind).string_len(16).not_null())
                    .col(ColumnDef::new(FundingRates::TimeMs).big_integer().not_null())
                    .col(ColumnDef::new(FundingRates::Rate).string_len(40).not_null())
                    .col(ColumnDef::new(FundingRates::IntervalHours).integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_funding_rates_key")
                    .table(FundingRates::Table)
                    .col(FundingRates::Symbol)
                    .col(FundingRates::Venue)
                    .col(FundingRates::Kind)
                    .col(FundingRates::TimeMs)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_funding_rates_time")
                    .table(FundingRates::Table)
                    .col(FundingRates::TimeMs)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(FundingRates::Table).to_owned()).await
    }
}

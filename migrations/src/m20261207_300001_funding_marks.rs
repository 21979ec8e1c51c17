//! Settled funding keeps the mark price it settled at, when known: imported Binance history
//! carries it (the backtester's price path runs through it); the collector's rows have none.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FundingRates {
    Table,
    Mark,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut column = ColumnDef::new(FundingRates::Mark).string_len(40).null().to_owned();
        m.alter_table(Table::alter().table(FundingRates::Table).add_column(&mut column).to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(FundingRates::Table).drop_column(FundingRates::Mark).to_owned()).await
    }
}

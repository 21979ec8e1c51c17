//! Notifications become typed: each row gains its kind, the symbol and position it concerns,
//! and its de-duplication key. Rows from before read with no kind.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Kind,
    Symbol,
    PositionId,
    DedupKey,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        let columns = [
            ColumnDef::new(Notifications::Kind).string_len(40).null().to_owned(),
            ColumnDef::new(Notifications::Symbol).string_len(32).null().to_owned(),
            ColumnDef::new(Notifications::PositionId).big_integer().null().to_owned(),
            ColumnDef::new(Notifications::DedupKey).string_len(200).not_null().default("").to_owned(),
        ];
        for mut column in columns {
            m.alter_table(Table::alter().table(Notifications::Table).add_column(&mut column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [Notifications::Kind, Notifications::Symbol, Notifications::PositionId, Notifications::DedupKey] {
            m.alter_table(Table::alter().table(Notifications::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

//! Which symbols trade: versioned rule sets (include and ignore patterns as JSON) with who set
//! them and when. The newest version is in effect.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SymbolRules {
    Table,
    Version,
    /// `{"include": [...], "ignore": [...]}`.
    Rules,
    CreatedMs,
    Author,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SymbolRules::Table)
                .if_not_exists()
                .col(ColumnDef::new(SymbolRules::Version).big_integer().not_null().primary_key())
                .col(ColumnDef::new(SymbolRules::Rules).text().not_null())
                .col(ColumnDef::new(SymbolRules::CreatedMs).big_integer().not_null())
                .col(ColumnDef::new(SymbolRules::Author).string_len(64).not_null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(SymbolRules::Table).to_owned()).await
    }
}

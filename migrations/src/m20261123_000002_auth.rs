//! Who may use the platform and what they did: users (argon2 password hashes), browser
//! sessions and API tokens (stored as SHA-256 hashes only, so a copy of the database opens
//! nothing), and the audit trail.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Username,
    PasswordHash,
    Role,
    Disabled,
    CreatedMs,
    LastLoginMs,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    IdHash,
    Username,
    CsrfToken,
    CreatedMs,
    ExpiresMs,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    Name,
    TokenHash,
    Role,
    Owner,
    CreatedMs,
    ExpiresMs,
    LastUsedMs,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    TimeMs,
    Actor,
    Action,
    Target,
    Before,
    After,
    Outcome,
    Detail,
    Ip,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Users::Table)
                .if_not_exists()
                .col(ColumnDef::new(Users::Username).string_len(32).not_null().primary_key())
                .col(ColumnDef::new(Users::PasswordHash).string_len(200).not_null())
                .col(ColumnDef::new(Users::Role).string_len(16).not_null())
                .col(ColumnDef::new(Users::Disabled).boolean().not_null())
                .col(ColumnDef::new(Users::CreatedMs).big_integer().not_null())
                .col(ColumnDef::new(Users::LastLoginMs).big_integer().null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .if_not_exists()
                .col(ColumnDef::new(Sessions::IdHash).string_len(64).not_null().primary_key())
                .col(ColumnDef::new(Sessions::Username).string_len(32).not_null())
                .col(ColumnDef::new(Sessions::CsrfToken).string_len(64).not_null())
                .col(ColumnDef::new(Sessions::CreatedMs).big_integer().not_null())
                .col(ColumnDef::new(Sessions::ExpiresMs).big_integer().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_sessions_username").table(Sessions::Table).col(Sessions::Username).to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ApiTokens::Table)
                .if_not_exists()
                .col(ColumnDef::new(ApiTokens::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(ApiTokens::Name).string_len(64).not_null())
                .col(ColumnDef::new(ApiTokens::TokenHash).string_len(64).not_null().unique_key())
                .col(ColumnDef::new(ApiTokens::Role).string_len(16).not_null())
                .col(ColumnDef::new(ApiTokens::Owner).string_len(32).not_null())
                .col(ColumnDef::new(ApiTokens::CreatedMs).big_integer().not_null())
                .col(ColumnDef::new(ApiTokens::ExpiresMs).big_integer().null())
                .col(ColumnDef::new(ApiTokens::LastUsedMs).big_integer().null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .if_not_exists()
                .col(ColumnDef::new(AuditLog::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(AuditLog::TimeMs).big_integer().not_null())
                .col(ColumnDef::new(AuditLog::Actor).string_len(100).not_null())
                .col(ColumnDef::new(AuditLog::Action).string_len(64).not_null())
                .col(ColumnDef::new(AuditLog::Target).string_len(200).null())
                .col(ColumnDef::new(AuditLog::Before).text().null())
                .col(ColumnDef::new(AuditLog::After).text().null())
                .col(ColumnDef::new(AuditLog::Outcome).string_len(16).not_null())
                .col(ColumnDef::new(AuditLog::Detail).text().null())
                .col(ColumnDef::new(AuditLog::Ip).string_len(64).null())
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_audit_actor").table(AuditLog::Table).col(AuditLog::Actor).to_owned())
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Users::Table.into_iden(),
            Sessions::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            AuditLog::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

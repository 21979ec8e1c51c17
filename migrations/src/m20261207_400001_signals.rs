//! Signals from outside programs: the sources an admin registers (with the secret that signs
//! their requests and their limits as JSON), every signal stored at intake before anything
//! else (one per source and signal id: the idempotency key), the intake's rejections per
//! source, and each strategy's own exposure cap.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SignalSources {
    Table,
    Name,
    /// The HMAC key, needed in clear to check signatures; never answered after creation.
    Secret,
    /// `app::signal::SourceRequest` as JSON.
    Settings,
    Disabled,
    CreatedMs,
    UpdatedMs,
}

#[derive(DeriveIden)]
enum Signals {
    Table,
    Id,
    Source,
    SignalId,
    Strategy,
    Action,
    Status,
    Symbol,
    ReceivedMs,
    UpdatedMs,
    /// `app::signal::SignalRecord` as JSON.
    View,
    /// The engine's working state (`engine::signals::Signal`) as JSON, to resume after a restart.
    State,
}

#[derive(DeriveIden)]
enum SignalRejections {
    Table,
    Id,
    Source,
    SignalId,
    TimeMs,
    Status,
    Field,
    Reason,
}

#[derive(DeriveIden)]
enum StrategyCaps {
    Table,
    Strategy,
    MaxNotional,
    UpdatedMs,
    Author,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SignalSources::Table)
                .if_not_exists()
                .col(ColumnDef::new(SignalSources::Name).string_len(40).not_null().primary_key())
                .col(ColumnDef::new(SignalSources::Secret).string_len(128).not_null())
                .col(ColumnDef::new(SignalSources::Settings).text().not_null())
                .col(ColumnDef::new(SignalSources::Disabled).boolean().not_null())
                .col(ColumnDef::new(SignalSources::CreatedMs).big_integer().not_null())
                .col(ColumnDef::new(SignalSources::UpdatedMs).big_integer().not_null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Signals::Table)
                .if_not_exists()
                .col(ColumnDef::new(Signals::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(Signals::Source).string_len(64).not_null())
                .col(ColumnDef::new(Signals::SignalId).string_len(64).not_null())
                .col(ColumnDef::new(Signals::Strategy).string_len(40).not_null())
                .col(ColumnDef::new(Signals::Action).string_len(16).not_null())
                .col(ColumnDef::new(Signals::Status).string_len(16).not_null())
                .col(ColumnDef::new(Signals::Symbol).string_len(20).null())
                .col(ColumnDef::new(Signals::ReceivedMs).big_integer().not_null())
                .col(ColumnDef::new(Signals::UpdatedMs).big_integer().not_null())
                .col(ColumnDef::new(Signals::View).text().not_null())
                .col(ColumnDef::new(Signals::State).text().not_null())
                .to_owned(),
        )
        .await?;
        // The idempotency key: a second insert of the same source and signal id conflicts.
        m.create_index(
            Index::create()
                .name("ux_signals_source_signal_id")
                .table(Signals::Table)
                .col(Signals::Source)
                .col(Signals::SignalId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_signals_status").table(Signals::Table).col(Signals::Status).to_owned())
            .await?;
        m.create_table(
            Table::create()
                .table(SignalRejections::Table)
                .if_not_exists()
                .col(ColumnDef::new(SignalRejections::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(SignalRejections::Source).string_len(64).not_null())
                .col(ColumnDef::new(SignalRejections::SignalId).string_len(64).null())
                .col(ColumnDef::new(SignalRejections::TimeMs).big_integer().not_null())
                .col(ColumnDef::new(SignalRejections::Status).integer().not_null())
                .col(ColumnDef::new(SignalRejections::Field).string_len(64).null())
                .col(ColumnDef::new(SignalRejections::Reason).text().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_signal_rejections_source")
                .table(SignalRejections::Table)
                .col(SignalRejections::Source)
                .col(SignalRejections::Id)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(StrategyCaps::Table)
                .if_not_exists()
                .col(ColumnDef::new(StrategyCaps::Strategy).string_len(40).not_null().primary_key())
                .col(ColumnDef::new(StrategyCaps::MaxNotional).string_len(40).not_null())
                .col(ColumnDef::new(StrategyCaps::UpdatedMs).big_integer().not_null())
                .col(ColumnDef::new(StrategyCaps::Author).string_len(64).not_null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            SignalSources::Table.into_iden(),
            Signals::Table.into_iden(),
            SignalRejections::Table.into_iden(),
            StrategyCaps::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

//! The notification outbox: one row per notification (or fold summary) per channel and target,
//! with its attempts, next attempt, status and the channel's last answer; and the channel rules
//! an admin edited (they override the settings file's).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NotificationDeliveries {
    Table,
    Id,
    NotificationId,
    Channel,
    Target,
    Status,
    Attempts,
    NextAttemptMs,
    CreatedMs,
    UpdatedMs,
    LastAnswer,
    Folded,
    FoldedInto,
    WindowEndMs,
    PartsSent,
    Silent,
    DedupKey,
}

#[derive(DeriveIden)]
enum NotificationRules {
    Table,
    Channel,
    Rules,
    UpdatedMs,
    UpdatedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use NotificationDeliveries as D;
        m.create_table(
            Table::create()
                .table(D::Table)
                .if_not_exists()
                .col(ColumnDef::new(D::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(D::NotificationId).big_integer().not_null())
                .col(ColumnDef::new(D::Channel).string_len(64).not_null())
                .col(ColumnDef::new(D::Target).string_len(64).not_null().default(""))
                .col(ColumnDef::new(D::Status).string_len(16).not_null())
                .col(ColumnDef::new(D::Attempts).integer().not_null().default(0))
                .col(ColumnDef::new(D::NextAttemptMs).big_integer().not_null())
                .col(ColumnDef::new(D::CreatedMs).big_integer().not_null())
                .col(ColumnDef::new(D::UpdatedMs).big_integer().not_null())
                .col(ColumnDef::new(D::LastAnswer).text().null())
                .col(ColumnDef::new(D::Folded).integer().not_null().default(0))
                .col(ColumnDef::new(D::FoldedInto).big_integer().null())
                // Set on the messages that open or report a fold window: where it ends.
                .col(ColumnDef::new(D::WindowEndMs).big_integer().null())
                // A long message goes out in parts; those acknowledged are never sent again.
                .col(ColumnDef::new(D::PartsSent).integer().not_null().default(0))
                .col(ColumnDef::new(D::Silent).boolean().not_null().default(false))
                .col(ColumnDef::new(D::DedupKey).string_len(200).not_null().default(""))
                .to_owned(),
        )
        .await?;
        // What the dispatcher resumes from, and what the System page lists.
        m.create_index(
            Index::create()
                .name("idx_deliveries_status_next")
                .table(D::Table)
                .col(D::Status)
                .col(D::NextAttemptMs)
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("idx_deliveries_window").table(D::Table).col(D::WindowEndMs).to_owned())
            .await?;
        m.create_table(
            Table::create()
                .table(NotificationRules::Table)
                .if_not_exists()
                .col(ColumnDef::new(NotificationRules::Channel).string_len(64).not_null().primary_key())
                .col(ColumnDef::new(NotificationRules::Rules).text().not_null())
                .col(ColumnDef::new(NotificationRules::UpdatedMs).big_integer().not_null())
                .col(ColumnDef::new(NotificationRules::UpdatedBy).string_len(64).not_null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(NotificationRules::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(NotificationDeliveries::Table).to_owned()).await
    }
}

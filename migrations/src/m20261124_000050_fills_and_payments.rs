//! History's rows: every fill the engine booked to a leg and every funding payment it booked
//! to a position, written in the same transaction as the order and position they moved.
//! Unique keys make a replay harmless: a fill is (client order id, the order's cumulative
//! filled quantity after it), a payment is (venue, the venue's payment id).
//!
//! Positions that ended by an aborted execution had no close time; History lists finished
//! positions by it, so those get the time of their last change.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Fills {
    Table,
    Id,
    ClientOrderId,
    /// Normalised decimal text, so that "0.50" and "0.5" are one key.
    FilledQty,
    PositionId,
    Venue,
    Symbol,
    Side,
    Purpose,
    Qty,
    Price,
    Fee,
    RealizedPnl,
    TimeMs,
}

#[derive(DeriveIden)]
enum FundingPayments {
    Table,
    Id,
    Venue,
    PaymentId,
    PositionId,
    Symbol,
    Rate,
    IntervalHours,
    PositionQty,
    MarkPrice,
    Amount,
    TimeMs,
}

#[derive(DeriveIden)]
enum Positions {
    Table,
    Status,
    ClosedMs,
    UpdatedMs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Fills::Table)
                .if_not_exists()
                .col(ColumnDef::new(Fills::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(Fills::ClientOrderId).string_len(40).not_null())
                .col(ColumnDef::new(Fills::FilledQty).string_len(64).not_null())
                .col(ColumnDef::new(Fills::PositionId).big_integer().not_null())
                .col(ColumnDef::new(Fills::Venue).string_len(16).not_null())
                .col(ColumnDef::new(Fills::Symbol).string_len(20).not_null())
                .col(ColumnDef::new(Fills::Side).string_len(8).not_null())
                .col(ColumnDef::new(Fills::Purpose).string_len(16).not_null())
                .col(ColumnDef::new(Fills::Qty).text().not_null())
                .col(ColumnDef::new(Fills::Price).text().not_null())
                .col(ColumnDef::new(Fills::Fee).text().not_null())
                .col(ColumnDef::new(Fills::RealizedPnl).text().not_null())
                .col(ColumnDef::new(Fills::TimeMs).big_integer().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_fills_order_filled")
                .table(Fills::Table)
                .col(Fills::ClientOrderId)
                .col(Fills::FilledQty)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_fills_time").table(Fills::Table).col(Fills::TimeMs).to_owned()).await?;
        m.create_index(Index::create().name("ix_fills_position").table(Fills::Table).col(Fills::PositionId).to_owned())
            .await?;

        m.create_table(
            Table::create()
                .table(FundingPayments::Table)
                .if_not_exists()
                .col(ColumnDef::new(FundingPayments::Id).big_integer().not_null().auto_increment().primary_key())
                .col(ColumnDef::new(FundingPayments::Venue).string_len(16).not_null())
                .col(ColumnDef::new(FundingPayments::PaymentId).string_len(64).not_null())
                .col(ColumnDef::new(FundingPayments::PositionId).big_integer().not_null())
                .col(ColumnDef::new(FundingPayments::Symbol).string_len(20).not_null())
                .col(ColumnDef::new(FundingPayments::Rate).text().not_null())
                .col(ColumnDef::new(FundingPayments::IntervalHours).integer().not_null())
                .col(ColumnDef::new(FundingPayments::PositionQty).text().not_null())
                .col(ColumnDef::new(FundingPayments::MarkPrice).text().not_null())
                .col(ColumnDef::new(FundingPayments::Amount).text().not_null())
                .col(ColumnDef::new(FundingPayments::TimeMs).big_integer().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_funding_payments_venue_id")
                .table(FundingPayments::Table)
                .col(FundingPayments::Venue)
                .col(FundingPayments::PaymentId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_funding_payments_time")
                .table(FundingPayments::Table)
                .col(FundingPayments::TimeMs)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_funding_payments_position")
                .table(FundingPayments::Table)
                .col(FundingPayments::PositionId)
                .to_owned(),
        )
        .await?;
        let ended = Query::update()
            .table(Positions::Table)
            .value(Positions::ClosedMs, Expr::col(Positions::UpdatedMs))
            .and_where(Expr::col(Positions::Status).is_in(["closed", "failed"]))
            .and_where(Expr::col(Positions::ClosedMs).is_null())
            .to_owned();
        m.exec_stmt(ended).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Fills::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(FundingPayments::Table).to_owned()).await
    }
}

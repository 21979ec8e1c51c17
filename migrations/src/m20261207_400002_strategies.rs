//! Every position, order, fill and funding payment carries its strategy, as a column History
//! filters and groups on.
//!
//! Before this, every position read `"funding-spread"`, whether the strategy or a person opened
//! it. The audit log tells them apart: a successful `order.open` lists the positions it opened.
//! Those become `manual`, the rest `auto`, in the column and in the stored JSON (the engine's
//! state and the API view) alike; orders, fills and payments take their position's. Without
//! exits stored, a manual position reads as having none (only a person or a risk rule closes
//! it), and `auto` ones take the parameters' when the engine restores them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Positions {
    Table,
    Strategy,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
}

#[derive(DeriveIden)]
enum Fills {
    Table,
}

#[derive(DeriveIden)]
enum FundingPayments {
    Table,
}

const OLD: &str = r#""strategy":"funding-spread""#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let tables = [
            Positions::Table.into_iden(),
            Orders::Table.into_iden(),
            Fills::Table.into_iden(),
            FundingPayments::Table.into_iden(),
        ];
        for t in tables {
            let mut column = ColumnDef::new(Positions::Strategy).string_len(40).not_null().default("auto").to_owned();
            m.alter_table(Table::alter().table(t).add_column(&mut column).to_owned()).await?;
        }
        let db = m.get_connection();
        let backend = db.get_database_backend();
        // Positions a person opened, from the audit log's record of each successful open.
        let rows = db
            .query_all(Statement::from_string(
                backend,
                "SELECT after FROM audit_log WHERE action = 'order.open' AND outcome = 'ok'",
            ))
            .await?;
        let mut manual: Vec<i64> = Vec::new();
        for row in rows {
            let after: Option<String> = row.try_get("", "after")?;
            let ids = after.and_then(|a| serde_json::from_str::<Vec<i64>>(&a).ok()).unwrap_or_default();
            manual.extend(ids);
        }
        db.execute_unprepared(&format!(
            "UPDATE positions SET view = REPLACE(view, '{OLD}', '\"strategy\":\"auto\"'), \
             state = REPLACE(state, '{OLD}', '\"strategy\":\"auto\"')"
        ))
        .await?;
        for chunk in manual.chunks(500) {
            let ids = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            db.execute_unprepared(&format!(
                "UPDATE positions SET strategy = 'manual', \
                 view = REPLACE(view, '\"strategy\":\"auto\"', '\"strategy\":\"manual\"'), \
                 state = REPLACE(state, '\"strategy\":\"auto\"', '\"strategy\":\"manual\"') \
                 WHERE id IN ({ids})"
            ))
            .await?;
        }
        for table in ["orders", "fills", "funding_payments"] {
            db.execute_unprepared(&format!(
                "UPDATE {table} SET strategy = COALESCE((SELECT p.strategy FROM positions p \
                 WHERE p.id = {table}.position_id), 'auto')"
            ))
            .await?;
        }
        for (table, name) in [
            ("positions", "ix_positions_strategy"),
            ("fills", "ix_fills_strategy"),
            ("funding_payments", "ix_payments_strategy"),
        ] {
            db.execute_unprepared(&format!("CREATE INDEX IF NOT EXISTS {name} ON {table} (strategy)")).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let tables = [
            Positions::Table.into_iden(),
            Orders::Table.into_iden(),
            Fills::Table.into_iden(),
            FundingPayments::Table.into_iden(),
        ];
        for t in tables {
            m.alter_table(Table::alter().table(t).drop_column(Positions::Strategy).to_owned()).await?;
        }
        Ok(())
    }
}

//! The database schema as sea-orm migrations, one file per migration, applied at start-up.
//! Money and rates are stored as TEXT: SQLite's DECIMAL is a float and loses exactness.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_funding_rates;
mod m20261122_000002_mark_prices;
mod m20261122_000003_trading;
mod m20261122_000004_symbol_rules;
mod m20261122_000005_equity_snapshots;
mod m20261123_000001_reconciliations;
mod m20261123_000002_auth;
mod m20261123_000003_fills_and_payments;
mod m20261207_000001_notification_kinds;
mod m20261207_100001_notification_outbox;
mod m20261207_200001_job_runs;
mod m20261207_300001_funding_marks;
mod m20261207_300002_backtests;
mod m20261207_400001_signals;
mod m20261207_400002_strategies;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_funding_rates::Migration),
            Box::new(m20261122_000002_mark_prices::Migration),
            Box::new(m20261122_000003_trading::Migration),
            Box::new(m20261122_000004_symbol_rules::Migration),
            Box::new(m20261122_000005_equity_snapshots::Migration),
            Box::new(m20261123_000001_reconciliations::Migration),
            Box::new(m20261123_000002_auth::Migration),
            Box::new(m20261123_000003_fills_and_payments::Migration),
            Box::new(m20261207_000001_notification_kinds::Migration),
            Box::new(m20261207_100001_notification_outbox::Migration),
            Box::new(m20261207_200001_job_runs::Migration),
            Box::new(m20261207_300001_funding_marks::Migration),
            Box::new(m20261207_300002_backtests::Migration),
            Box::new(m20261207_400001_signals::Migration),
            Box::new(m20261207_400002_strategies::Migration),
        ]
    }
}

//! Persistence: connecting (SQLite file by default, PostgreSQL by URL), migrating at start-up,
//! and the queries, as functions taking a connection. Nothing here is on the hot path: the
//! collector writes in batches on a timer.

pub mod audit;
pub mod columns;
pub mod entities;
pub mod equity;
pub mod fills;
pub mod funding;
pub mod history;
pub mod page;
pub mod payments;
pub mod prices;
pub mod reconciliations;
pub mod symbols;
pub mod trading;
pub mod users;

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
use std::time::Duration;

/// Connect and bring the schema up to date. For a `sqlite://path` URL the parent directory is
/// created, so the default `./data/arb.db` works on a fresh clone.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let file = path.split('?').next().unwrap_or_default();
        if let Some(dir) = std::path::Path::new(file).parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", dir.display())))?;
        }
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options.connect_timeout(Duration::from_secs(10)).sqlx_logging(false);
    if url.starts_with("sqlite:") && url.contains(":memory:") {
        // Every pooled connection to :memory: would be its own empty database.
        options.max_connections(1).min_connections(1);
    }
    let db = Database::connect(options).await?;
    Migrator::up(&db, None).await?;
    Ok(db)
}

//! Persistence: connecting (SQLite file by default, PostgreSQL by URL), migrating at start-up,
//! and the queries, as functions taking a connection. One write is on the hot path: the
//! engine's write-ahead transaction before its orders are sent (`engine::persist`); the
//! collector writes in batches beside its loop.

pub mod audit;
pub mod backtests;
pub mod columns;
pub mod deliveries;
pub mod entities;
pub mod equity;
pub mod fills;
pub mod funding;
pub mod history;
pub mod job_runs;
pub mod page;
pub mod payments;
pub mod prices;
pub mod reconciliations;
pub mod signals;
pub mod sources;
pub mod strategies;
pub mod symbols;
pub mod trading;
pub mod users;

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
use std::time::Duration;

/// How a SQLite file commits (PostgreSQL is configured on its server).
///
/// The file runs in WAL mode. With `Normal`, a commit writes the WAL but does not wait for
/// the disk: a killed process loses nothing it committed (the operating system holds the
/// write), while a power cut or kernel crash may lose the last transactions, never the file's
/// consistency. With `Full` every commit waits for the disk too, at about a millisecond each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Durability {
    #[default]
    Normal,
    Full,
}

/// Connections to a SQLite file: the engine's write-ahead commit need not wait behind a
/// reader (WAL lets readers and one writer work at once).
const SQLITE_POOL: u32 = 4;

/// Connect with the default durability and bring the schema up to date.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, Durability::default()).await
}

/// Connect and bring the schema up to date. For a `sqlite://path` URL the parent directory is
/// created, so the default `./data/arb.db` works on a fresh clone.
pub async fn connect_with(url: &str, durability: Durability) -> Result<DatabaseConnection, DbErr> {
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
    } else if url.starts_with("sqlite:") {
        use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
        let synchronous = match durability {
            Durability::Normal => SqliteSynchronous::Normal,
            Durability::Full => SqliteSynchronous::Full,
        };
        options
            .max_connections(SQLITE_POOL)
            .map_sqlx_sqlite_opts(move |o| o.journal_mode(SqliteJournalMode::Wal).synchronous(synchronous));
    }
    let db = Database::connect(options).await?;
    Migrator::up(&db, None).await?;
    Ok(db)
}

/// Close every pooled connection and return once they are all closed.
///
/// sqlx's own `close` can return with a connection still open (sqlx issue 3217): a
/// dropped connection is handed back by a spawned task, which can put it in the idle queue
/// after the close last looked there, or keep it checked out after the close stopped waiting.
/// That connection then closes whenever the pool is dropped, on a background thread. On
/// SQLite the last connection to close checkpoints and deletes `-wal` and `-shm` by name, so
/// it must be closed before anything else touches the files (a restore's swap, a second
/// server on the same database). Closing again picks such a straggler up; the deadline keeps
/// a connection held by a stuck task from hanging shutdown (it is logged).
pub async fn close(db: &DatabaseConnection) {
    let closed = match db {
        DatabaseConnection::SqlxSqlitePoolConnection(_) => drain(db.get_sqlite_connection_pool()).await,
        DatabaseConnection::SqlxPostgresPoolConnection(_) => drain(db.get_postgres_connection_pool()).await,
        _ => db.close_by_ref().await.is_ok(),
    };
    if !closed {
        tracing::warn!("closing the database: a connection is still open after {CLOSE_DEADLINE:?}");
    }
}

const CLOSE_DEADLINE: Duration = Duration::from_secs(10);

/// Close `pool` until none of its connections is left open, or the deadline passes.
async fn drain<DB: sea_orm::sqlx::Database>(pool: &sea_orm::sqlx::Pool<DB>) -> bool {
    let deadline = tokio::time::Instant::now() + CLOSE_DEADLINE;
    loop {
        if tokio::time::timeout_at(deadline, pool.close()).await.is_err() {
            return false;
        }
        if pool.size() == 0 {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::ConnectionTrait;

    /// Queries on every pooled connection at once, then a close right after the last answer
    /// (their connections are still being handed back by spawned tasks): once `close` returns
    /// no connection is open — the process holds no file of the database open.
    ///
    /// (Whether `-wal` and `-shm` are gone is not the test: two connections closing at the same
    /// instant can each see the other still open, and then neither removes them, which a
    /// loaded machine showed once. That is harmless; a connection closing *later* is not.)
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn close_returns_only_when_every_connection_is_closed() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("arb.db");
        let url = format!("sqlite://{}?mode=rwc", file.display());
        for round in 0..40 {
            let db = connect(&url).await.unwrap();
            let queries = (0..SQLITE_POOL * 2).map(|_| {
                let db = db.clone();
                tokio::spawn(async move { db.execute_unprepared("SELECT count(*) FROM users").await.unwrap() })
            });
            for q in queries.collect::<Vec<_>>() {
                q.await.unwrap();
            }
            close(&db).await;
            assert_eq!(db.get_sqlite_connection_pool().size(), 0, "round {round}");
            assert_eq!(open_files_under(dir.path()), Vec::<String>::new(), "round {round}");
        }
    }

    /// The files under `dir` this process has open (Linux: `/proc/self/fd`).
    fn open_files_under(dir: &std::path::Path) -> Vec<String> {
        let fds = std::fs::read_dir("/proc/self/fd").expect("/proc/self/fd");
        fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
            .filter(|target| target.starts_with(dir))
            .map(|target| target.display().to_string())
            .collect()
    }
}

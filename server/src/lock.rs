//! One server per database. A running server (and `run-once`) holds this lock for its whole
//! life; `restore` needs it, so it refuses while a server runs on the same database.
//!
//! SQLite: an exclusive `flock` on `<database>.lock` beside the file (the kernel drops it when
//! the process dies, even by SIGKILL). PostgreSQL: a session advisory lock held on a connection
//! of its own, likewise released when the connection closes.

use sea_orm::sqlx::{self, Connection};
use std::io::Write;
use std::path::PathBuf;

/// The advisory-lock key on PostgreSQL ("arb-srv" in ASCII).
const PG_KEY: i64 = 0x6172_622d_7372_76;

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("a server is running on this database ({0}); stop it first")]
    Held(String),
    #[error("cannot take the database lock: {0}")]
    Io(String),
}

/// Held while it lives.
pub enum ServerLock {
    /// In-memory databases: nothing to share.
    None,
    File(std::fs::File),
    Postgres(Box<sqlx::PgConnection>),
}

impl std::fmt::Debug for ServerLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ServerLock::None => "ServerLock::None",
            ServerLock::File(_) => "ServerLock::File",
            ServerLock::Postgres(_) => "ServerLock::Postgres",
        })
    }
}

/// The SQLite file a `sqlite://` URL names (`None` for memory or another database).
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let file = rest.split('?').next().unwrap_or_default();
    (!file.is_empty() && !file.contains(":memory:")).then(|| PathBuf::from(file))
}

impl ServerLock {
    /// Take the lock for the database at `url`, or say who holds it.
    pub async fn acquire(url: &str) -> Result<ServerLock, LockError> {
        if url.starts_with("postgres") {
            return Self::postgres(url).await;
        }
        let Some(db) = sqlite_file(url) else { return Ok(ServerLock::None) };
        let path = lock_path(&db);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| LockError::Io(format!("{}: {e}", dir.display())))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| LockError::Io(format!("{}: {e}", path.display())))?;
        match file.try_lock() {
            Ok(()) => {
                // Who holds it, for the refusal's message.
                let _ = file.set_len(0).and_then(|_| writeln!(file, "{}", std::process::id()));
                Ok(ServerLock::File(file))
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                let pid = std::fs::read_to_string(&path).unwrap_or_default();
                Err(LockError::Held(format!("process {} holds {}", pid.trim(), path.display())))
            }
            Err(std::fs::TryLockError::Error(e)) => Err(LockError::Io(format!("{}: {e}", path.display()))),
        }
    }

    async fn postgres(url: &str) -> Result<ServerLock, LockError> {
        let mut conn = sqlx::PgConnection::connect(url).await.map_err(|e| LockError::Io(e.to_string()))?;
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(PG_KEY)
            .fetch_one(&mut conn)
            .await
            .map_err(|e| LockError::Io(e.to_string()))?;
        if got {
            Ok(ServerLock::Postgres(Box::new(conn)))
        } else {
            Err(LockError::Held("another session holds the platform's advisory lock".into()))
        }
    }
}

/// `<database>.lock` beside the database file.
pub fn lock_path(db: &std::path::Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    db.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/arb.db?mode=rwc", dir.path().display());
        let first = ServerLock::acquire(&url).await.unwrap();
        let err = ServerLock::acquire(&url).await.unwrap_err();
        assert!(err.to_string().contains(&std::process::id().to_string()), "{err}");
        drop(first);
        ServerLock::acquire(&url).await.unwrap();
        assert!(matches!(ServerLock::acquire("sqlite::memory:").await.unwrap(), ServerLock::None));
        assert_eq!(sqlite_file("sqlite:///data/arb.db?mode=rwc"), Some(PathBuf::from("/data/arb.db")));
    }
}

//! `server restore FILE`: every check first (the checksum beside the file, the file's own
//! integrity, no server on the database), then the swap, keeping the replaced database. The
//! schema is left as the backup has it: the migrations bring an older backup up to date when
//! the server (or anything that connects) next starts.

use super::{BackupError, Kind, io, postgres, sqlite, verify_checksum};
use crate::lock::{ServerLock, sqlite_file};
use app::TimestampMs;
use chrono::{DateTime, Utc};
use sea_orm::sqlx;
use std::path::{Path, PathBuf};

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// Where the replaced database was kept (none when there was none).
    pub replaced: Option<PathBuf>,
}

/// Check `file` as a backup of the kind `url` names, without changing anything.
pub async fn check(url: &str, file: &Path) -> Result<Kind, BackupError> {
    let kind = Kind::of(url)?;
    verify_checksum(file)?;
    match kind {
        Kind::Sqlite => sqlite::integrity_check(file).await?,
        Kind::Postgres => postgres::check(file).await?,
    }
    Ok(kind)
}

/// Replace the database at `url` with `file`. Refuses, changing nothing, when the file fails
/// its checks or a server holds the database.
pub async fn restore(url: &str, file: &Path, now_ms: TimestampMs) -> Result<Restored, BackupError> {
    let kind = check(url, file).await?;
    let lock = ServerLock::acquire(url).await?;
    let stamp = DateTime::<Utc>::from_timestamp_millis(now_ms).unwrap_or_default().format("%Y%m%d-%H%M%S");
    let restored = match kind {
        Kind::Sqlite => swap_sqlite(url, file, &stamp.to_string())?,
        Kind::Postgres => {
            let keep = file.with_file_name(format!("replaced-{stamp}.dump"));
            replace_postgres(url, file, &keep, &lock).await?
        }
    };
    drop(lock);
    Ok(restored)
}

/// Move the live file (with its `-wal` and `-shm`, which belong to it) aside as
/// `<db>.replaced-<stamp>`, then put a flushed copy of the backup in its place.
fn swap_sqlite(url: &str, file: &Path, stamp: &str) -> Result<Restored, BackupError> {
    let target = sqlite_file(url).ok_or_else(|| BackupError::Unsupported(url.to_owned()))?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io(dir.display(), e))?;
    }
    let incoming = with_suffix(&target, ".restoring");
    std::fs::copy(file, &incoming).map_err(|e| io(incoming.display(), e))?;
    std::fs::File::open(&incoming).and_then(|f| f.sync_all()).map_err(|e| io(incoming.display(), e))?;
    let replaced = with_suffix(&target, &format!(".replaced-{stamp}"));
    let had_one = target.exists();
    if had_one {
        std::fs::rename(&target, &replaced).map_err(|e| io(target.display(), e))?;
    }
    for side in ["-wal", "-shm"] {
        let live = with_suffix(&target, side);
        if live.exists() {
            // SQLite finds a file's WAL by its name: moved together, the kept copy opens whole.
            let kept = with_suffix(&replaced, side);
            std::fs::rename(&live, &kept).map_err(|e| io(live.display(), e))?;
        }
    }
    std::fs::rename(&incoming, &target).map_err(|e| io(target.display(), e))?;
    super::sync_dir(&target)?;
    Ok(Restored { replaced: had_one.then_some(replaced) })
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// Keep the live database as a dump beside the backup, empty the schema, restore in one
/// transaction; if that fails, put the kept dump back.
async fn replace_postgres(url: &str, file: &Path, keep: &Path, lock: &ServerLock) -> Result<Restored, BackupError> {
    let ServerLock::Postgres(_) = lock else {
        return Err(BackupError::Unsupported("PostgreSQL restore without its lock".into()));
    };
    postgres::dump(url, keep).await?;
    super::seal_in_place(keep)?;
    let result = load_postgres(url, file).await;
    if let Err(e) = result {
        tracing::error!(error = %e, kept = %keep.display(), "restore failed; putting the replaced database back");
        load_postgres(url, keep).await?;
        return Err(e);
    }
    Ok(Restored { replaced: Some(keep.to_owned()) })
}

async fn load_postgres(url: &str, file: &Path) -> Result<(), BackupError> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await.map_err(|e| BackupError::Tool(e.to_string()))?;
    for sql in ["DROP SCHEMA public CASCADE", "CREATE SCHEMA public"] {
        sqlx::query(sql).execute(&mut conn).await.map_err(|e| BackupError::Tool(format!("{sql}: {e}")))?;
    }
    let _ = conn.close().await;
    let file = file.to_string_lossy();
    let env = postgres::env_of(url)?;
    let db = env.iter().find(|(k, _)| *k == "PGDATABASE").map(|(_, v)| v.clone()).unwrap_or_default();
    let args = ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", "--dbname", &db, &file];
    postgres::tool("pg_restore", url, &args).await
}

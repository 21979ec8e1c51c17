//! SQLite: an online, consistent copy with `VACUUM INTO` (a read transaction: writers carry on
//! in WAL mode), and the integrity check every copy must pass before it is trusted.

use super::{BackupError, io};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sea_orm::sqlx::{self, ConnectOptions};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use std::path::Path;

/// Copy the live database into `target` (which must not exist) and check the copy.
pub async fn copy(db: &DatabaseConnection, target: &Path) -> Result<(), BackupError> {
    let path = target.to_str().ok_or_else(|| BackupError::Io(format!("{} is not UTF-8", target.display())))?;
    // A string literal in SQL: quotes doubled.
    db.execute_unprepared(&format!("VACUUM INTO '{}'", path.replace('\'', "''"))).await?;
    integrity_check(target).await
}

/// `PRAGMA integrity_check` on a file nobody else writes: "ok", or what is wrong.
pub async fn integrity_check(file: &Path) -> Result<(), BackupError> {
    if !file.is_file() {
        return Err(io(file.display(), std::io::Error::from(std::io::ErrorKind::NotFound)));
    }
    // Immutable: read as it is, no journal, no lock, nothing written beside it.
    let options = SqliteConnectOptions::new().filename(file).read_only(true).immutable(true);
    let mut conn: SqliteConnection =
        options.connect().await.map_err(|e| BackupError::Integrity(format!("{}: {e}", file.display())))?;
    let rows: Result<Vec<String>, _> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&mut conn).await;
    // Closed on both paths: a dropped connection keeps the file open until its worker thread
    // notices, and the caller may delete or replace the file at once.
    let _ = sqlx::Connection::close(conn).await;
    let rows = rows.map_err(|e| BackupError::Integrity(format!("{}: {e}", file.display())))?;
    match rows.as_slice() {
        [ok] if ok == "ok" => Ok(()),
        problems => Err(BackupError::Integrity(format!("{}: {}", file.display(), problems.join("; ")))),
    }
}

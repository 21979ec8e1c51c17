//! Backups and restores of the platform's database.
//!
//! A backup is written to a temporary name in the backup directory, flushed to disk, checked
//! (SQLite: `PRAGMA integrity_check`; PostgreSQL: the archive is read through by
//! `pg_restore`), given a sha256 beside it (`arb-…db.sha256`, in `sha256sum` format), and only
//! then renamed to `arb-YYYYMMDD-HHMMSS.db` (`.dump` on PostgreSQL): a name in the directory
//! is always a complete, checked backup. Retention (`retention`) runs after each backup.
//! `restore` checks a file before it changes anything.

pub mod postgres;
pub mod restore;
pub mod retention;
pub mod sqlite;

use app::TimestampMs;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Io(String),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("the copy failed its integrity check: {0}")]
    Integrity(String),
    #[error("{file}: checksum mismatch (expected {expected}, found {found})")]
    Checksum { file: String, expected: String, found: String },
    #[error("{0}")]
    Tool(String),
    #[error(transparent)]
    Lock(#[from] crate::lock::LockError),
    #[error("backups of this database kind are not supported: {0}")]
    Unsupported(String),
}

pub fn io(what: impl std::fmt::Display, e: std::io::Error) -> BackupError {
    BackupError::Io(format!("{what}: {e}"))
}

/// A finished backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    pub path: PathBuf,
    pub sha256: String,
    pub bytes: u64,
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

impl Kind {
    pub fn of(url: &str) -> Result<Kind, BackupError> {
        if url.starts_with("postgres") {
            Ok(Kind::Postgres)
        } else if crate::lock::sqlite_file(url).is_some() {
            Ok(Kind::Sqlite)
        } else {
            Err(BackupError::Unsupported("an in-memory database has nothing to back up".into()))
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Kind::Sqlite => "db",
            Kind::Postgres => "dump",
        }
    }
}

/// `arb-YYYYMMDD-HHMMSS.<ext>` for wall time `ms` (UTC).
pub fn file_name(ms: TimestampMs, kind: Kind) -> String {
    let t = DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default();
    format!("arb-{}.{}", t.format("%Y%m%d-%H%M%S"), kind.extension())
}

/// The time a backup's name carries, if it is one of ours.
pub fn time_of(name: &str) -> Option<TimestampMs> {
    let stamp = name.strip_prefix("arb-")?.split('.').next()?;
    let t = chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%d-%H%M%S").ok()?;
    let ext = name.rsplit('.').next()?;
    matches!(ext, "db" | "dump").then(|| t.and_utc().timestamp_millis())
}

/// Back the database at `url` up into `dir`, at wall time `now_ms`; then apply retention.
pub async fn run(
    db: &DatabaseConnection,
    url: &str,
    dir: &Path,
    now_ms: TimestampMs,
    keep: retention::Keep,
) -> Result<(Backup, usize), BackupError> {
    let kind = Kind::of(url)?;
    std::fs::create_dir_all(dir).map_err(|e| io(dir.display(), e))?;
    let path = free_name(dir, now_ms, kind);
    let tmp = dir.join(format!(".{}.tmp", path.file_name().unwrap_or_default().to_string_lossy()));
    let _ = std::fs::remove_file(&tmp);
    let written = match kind {
        Kind::Sqlite => sqlite::copy(db, &tmp).await,
        Kind::Postgres => postgres::dump(url, &tmp).await,
    };
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    let backup = seal(&tmp, &path)?;
    let removed = retention::apply(dir, now_ms, keep)?;
    Ok((backup, removed))
}

/// The backup's name for `now_ms`, a second later while that one is taken.
fn free_name(dir: &Path, now_ms: TimestampMs, kind: Kind) -> PathBuf {
    (0..60)
        .map(|s| dir.join(file_name(now_ms + s * 1000, kind)))
        .find(|p| !p.exists())
        .unwrap_or_else(|| dir.join(file_name(now_ms + 60_000, kind)))
}

/// Flush `tmp`, record its sha256 beside `path`, and rename it into place.
fn seal(tmp: &Path, path: &Path) -> Result<Backup, BackupError> {
    let file = std::fs::File::open(tmp).map_err(|e| io(tmp.display(), e))?;
    file.sync_all().map_err(|e| io(tmp.display(), e))?;
    let bytes = file.metadata().map_err(|e| io(tmp.display(), e))?.len();
    let sha256 = sha256_of(tmp)?;
    write_checksum(path, &sha256)?;
    std::fs::rename(tmp, path).map_err(|e| io(path.display(), e))?;
    sync_dir(path)?;
    Ok(Backup { path: path.to_owned(), sha256, bytes })
}

/// Record the sha256 of a file already in place (a kept copy of a replaced database).
pub fn seal_in_place(path: &Path) -> Result<(), BackupError> {
    std::fs::File::open(path).and_then(|f| f.sync_all()).map_err(|e| io(path.display(), e))?;
    write_checksum(path, &sha256_of(path)?)
}

/// `<hex>  <name>` in `<path>.sha256`, written atomically (`sha256sum -c` reads it).
fn write_checksum(path: &Path, sha256: &str) -> Result<(), BackupError> {
    let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
    let sum = checksum_path(path);
    let sum_tmp = sum.with_extension("sha256.tmp");
    std::fs::write(&sum_tmp, format!("{sha256}  {name}\n")).map_err(|e| io(sum_tmp.display(), e))?;
    std::fs::File::open(&sum_tmp).and_then(|f| f.sync_all()).map_err(|e| io(sum_tmp.display(), e))?;
    std::fs::rename(&sum_tmp, &sum).map_err(|e| io(sum.display(), e))
}

/// Make a rename in `path`'s directory durable.
pub fn sync_dir(path: &Path) -> Result<(), BackupError> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| io(dir.display(), e))
}

/// `<backup>.sha256`.
pub fn checksum_path(backup: &Path) -> PathBuf {
    let mut name = backup.file_name().unwrap_or_default().to_os_string();
    name.push(".sha256");
    backup.with_file_name(name)
}

pub fn sha256_of(path: &Path) -> Result<String, BackupError> {
    let mut file = std::fs::File::open(path).map_err(|e| io(path.display(), e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(|e| io(path.display(), e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Compare `path` with the sha256 recorded beside it.
pub fn verify_checksum(path: &Path) -> Result<(), BackupError> {
    let sum = checksum_path(path);
    let recorded = std::fs::read_to_string(&sum)
        .map_err(|e| BackupError::Io(format!("{}: {e} (every backup has its checksum beside it)", sum.display())))?;
    let expected = recorded.split_whitespace().next().unwrap_or_default().to_ascii_lowercase();
    let found = sha256_of(path)?;
    if expected != found {
        return Err(BackupError::Checksum { file: path.display().to_string(), expected, found });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_utc_time() {
        // 2026-12-07 01:00:05 UTC.
        let ms = 1_796_605_205_000;
        assert_eq!(file_name(ms, Kind::Sqlite), "arb-20261207-010005.db");
        assert_eq!(file_name(ms, Kind::Postgres), "arb-20261207-010005.dump");
        assert_eq!(time_of("arb-20261207-010005.db"), Some(ms));
        assert_eq!(time_of("arb-20261207-010005.db.sha256"), None);
        assert_eq!(time_of("replaced-20261207-010005.dump"), None);
    }

    #[test]
    fn a_changed_byte_fails_the_checksum() {
        let dir = tempfile::tempdir().unwrap();
        let tmp = dir.path().join(".x.tmp");
        std::fs::write(&tmp, b"backup bytes").unwrap();
        let b = seal(&tmp, &dir.path().join("arb-20261207-010005.db")).unwrap();
        assert!(!tmp.exists());
        verify_checksum(&b.path).unwrap();
        std::fs::write(&b.path, b"backup bytez").unwrap();
        assert!(matches!(verify_checksum(&b.path), Err(BackupError::Checksum { .. })));
    }
}

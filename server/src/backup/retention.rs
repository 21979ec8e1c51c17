//! Which backups to keep: those younger than `keep_days`, at most `keep_count` of them, and
//! always the newest, however old (a platform that was down for a month still has one).

use super::{BackupError, checksum_path, io, time_of};
use app::TimestampMs;
use std::path::{Path, PathBuf};

const MS_PER_DAY: i64 = 24 * app::MS_PER_HOUR;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keep {
    /// 0: no limit by age.
    pub days: u32,
    /// 0: no limit by count.
    pub count: u32,
}

/// The backups (by their names' times) to remove, given `now_ms`. Pure.
pub fn to_remove(mut backups: Vec<(TimestampMs, PathBuf)>, now_ms: TimestampMs, keep: Keep) -> Vec<PathBuf> {
    backups.sort_by(|a, b| b.0.cmp(&a.0));
    backups
        .into_iter()
        .enumerate()
        .skip(1)
        .filter(|(i, (t, _))| {
            let too_old = keep.days > 0 && now_ms - t > i64::from(keep.days) * MS_PER_DAY;
            let too_many = keep.count > 0 && *i >= keep.count as usize;
            too_old || too_many
        })
        .map(|(_, (_, p))| p)
        .collect()
}

/// Our backups in `dir`, with their times.
pub fn list(dir: &Path) -> Result<Vec<(TimestampMs, PathBuf)>, BackupError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(io(dir.display(), e)),
    };
    Ok(entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            time_of(&name).map(|t| (t, e.path()))
        })
        .collect())
}

/// Remove what `to_remove` says (each with its checksum); returns how many backups went.
pub fn apply(dir: &Path, now_ms: TimestampMs, keep: Keep) -> Result<usize, BackupError> {
    let doomed = to_remove(list(dir)?, now_ms, keep);
    for path in &doomed {
        std::fs::remove_file(path).map_err(|e| io(path.display(), e))?;
        let _ = std::fs::remove_file(checksum_path(path));
        tracing::info!(path = %path.display(), "old backup removed");
    }
    Ok(doomed.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: Vec<PathBuf>) -> Vec<String> {
        v.into_iter().map(|p| p.display().to_string()).collect()
    }

    #[test]
    fn by_days_by_count_and_never_the_newest() {
        let day = MS_PER_DAY;
        let now = 100 * day;
        let backups: Vec<(TimestampMs, PathBuf)> =
            [0, 1, 2, 40, 41].iter().map(|d| (now - d * day, PathBuf::from(format!("d{d}")))).collect();
        assert_eq!(names(to_remove(backups.clone(), now, Keep { days: 30, count: 0 })), ["d40", "d41"]);
        assert_eq!(names(to_remove(backups.clone(), now, Keep { days: 0, count: 2 })), ["d2", "d40", "d41"]);
        assert_eq!(names(to_remove(backups.clone(), now, Keep { days: 0, count: 0 })), Vec::<String>::new());
        let old = vec![(now - 90 * day, PathBuf::from("d90")), (now - 95 * day, PathBuf::from("d95"))];
        assert_eq!(names(to_remove(old, now, Keep { days: 30, count: 0 })), ["d95"], "the newest stays");
    }
}

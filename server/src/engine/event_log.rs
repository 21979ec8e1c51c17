//! The persisted event log: every engine input, one JSON line each, appended before it is
//! processed. Written to the OS on every event, so a killed process loses nothing.

use super::EngineEvent;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

pub struct EventLog {
    file: Option<File>,
    path: PathBuf,
    seq: u64,
}

impl EventLog {
    /// A new log file for this session under `dir`.
    pub fn create(dir: &Path, session_ms: i64) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("engine-{session_ms}.jsonl"));
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        Ok(Self { file: Some(file), path, seq: 0 })
    }

    /// A log that keeps nothing (for benchmarks).
    pub fn disabled() -> Self {
        Self { file: None, path: PathBuf::new(), seq: 0 }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn append(&mut self, event: &EngineEvent) -> std::io::Result<()> {
        let Some(file) = self.file.as_mut() else { return Ok(()) };
        self.seq += 1;
        let mut line = serde_json::to_vec(event).map_err(std::io::Error::other)?;
        line.push(b'\n');
        file.write_all(&line)
    }

    /// Every event of a log file, in order. A torn last line (a kill mid-write) is skipped.
    pub fn read(path: &Path) -> std::io::Result<Vec<EngineEvent>> {
        let reader = BufReader::new(File::open(path)?);
        let mut out = Vec::new();
        for line in reader.lines() {
            match serde_json::from_str(&line?) {
                Ok(e) => out.push(e),
                Err(e) => tracing::warn!(error = %e, "skipping an unreadable event-log line"),
            }
        }
        Ok(out)
    }
}

//! Structured logs: to stderr, human-readable (`log.format = "text"`) or one JSON object per
//! line (`"json"`), and the same into a file per UTC day under `log.dir` (`arb.YYYY-MM-DD.log`,
//! `log.keep_days` of them kept). `RUST_LOG` filters as usual.

use crate::settings::{LogFormat, LogSettings};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, fmt};

/// Keep it alive as long as the process logs: dropping it flushes the file.
pub struct LogGuard {
    _guard: Option<WorkerGuard>,
}

const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm=warn";

/// Install the process's logger. A log directory that cannot be written is reported and the
/// process logs to stderr only.
pub fn init(settings: &LogSettings) -> LogGuard {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let json = settings.format == LogFormat::Json;
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let stderr = fmt::layer().with_writer(std::io::stderr).with_ansi(terminal);
    let stderr = if json { stderr.json().boxed() } else { stderr.boxed() };
    let (file, guard, problem) = match file_writer(settings) {
        Ok(Some((writer, guard))) => {
            let layer = fmt::layer().with_writer(writer).with_ansi(false);
            let layer = if json { layer.json().boxed() } else { layer.boxed() };
            (Some(layer.with_filter(filter())), Some(guard), None)
        }
        Ok(None) => (None, None, None),
        Err(e) => (None, None, Some(e)),
    };
    let _ = tracing_subscriber::registry().with(stderr.with_filter(filter())).with(file).try_init();
    if let Some(e) = problem {
        tracing::warn!(dir = %settings.dir.display(), error = %e, "no log file: logging to stderr only");
    }
    LogGuard { _guard: guard }
}

type FileWriter = (tracing_appender::non_blocking::NonBlocking, WorkerGuard);

fn file_writer(settings: &LogSettings) -> Result<Option<FileWriter>, String> {
    if settings.dir.as_os_str().is_empty() {
        return Ok(None);
    }
    std::fs::create_dir_all(&settings.dir).map_err(|e| e.to_string())?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("arb")
        .filename_suffix("log")
        .max_log_files(settings.keep_days.max(1) as usize)
        .build(&settings.dir)
        .map_err(|e| e.to_string())?;
    Ok(Some(tracing_appender::non_blocking(appender)))
}

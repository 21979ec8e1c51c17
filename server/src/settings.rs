//! Typed, layered settings: built-in defaults, then an optional TOML file, then environment
//! variables `ARB__SECTION__KEY`. Secrets are wrapped so that they never print.
//!
//! Everything has a default: with no file and no variables the product runs on the simulated
//! venues with SQLite under `./data/`.

use app::VenueMode;
use config::{Config, Environment, File, FileFormat};
use secrecy::SecretString;
use serde::Deserialize;
use std::path::{Path, PathBuf};

mod notify;
pub use notify::*;

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// Where all state lives (database, simulator journals, event log, backups, logs) unless a
    /// more specific setting says otherwise. Nothing else is written.
    pub data_dir: PathBuf,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub collector: CollectorSettings,
    pub sim: SimSettings,
    pub venues: VenuesSettings,
    pub engine: EngineSettings,
    pub auth: AuthSettings,
    pub jobs: JobsSettings,
    pub backup: BackupSettings,
    pub log: LogSettings,
    pub metrics: MetricsSettings,
    pub signals: SignalSettings,
    pub notify: NotifySettings,
    pub backtest: BacktestSettings,
}

/// One scheduled job: when (a cron expression in UTC: 5 fields, or 6 with seconds first) and
/// whether it runs at all.
#[derive(Debug, Clone, Deserialize)]
pub struct JobSettings {
    pub cron: String,
    pub enabled: bool,
    /// How long after its period a job may go without a success before it is overdue (default
    /// `jobs.grace_secs`).
    pub grace_secs: Option<u64>,
}

/// Every scheduled job (`ARB__JOBS__<NAME>__CRON`, `…__ENABLED`) and the job alerts.
#[derive(Debug, Clone, Deserialize)]
pub struct JobsSettings {
    pub funding_write: JobSettings,
    pub price_write: JobSettings,
    pub prune: JobSettings,
    pub reconcile: JobSettings,
    pub reconcile_report: JobSettings,
    pub snapshot: JobSettings,
    pub backup: JobSettings,
    pub refetch: JobSettings,
    pub monthly_report: JobSettings,
    /// The success-rate alert looks at this many finished runs…
    pub alert_window: u32,
    /// …and fires below this share of successes.
    pub alert_min_success: app::Fraction,
    pub grace_secs: u64,
    /// Job-log rows are kept this many days.
    pub keep_days: u32,
}

impl JobsSettings {
    pub fn job(&self, name: &str) -> Option<&JobSettings> {
        Some(match name {
            "funding_write" => &self.funding_write,
            "price_write" => &self.price_write,
            "prune" => &self.prune,
            "reconcile" => &self.reconcile,
            "reconcile_report" => &self.reconcile_report,
            "snapshot" => &self.snapshot,
            "backup" => &self.backup,
            "refetch" => &self.refetch,
            "monthly_report" => &self.monthly_report,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct BackupSettings {
    /// Default `<data_dir>/backups`.
    pub dir: PathBuf,
    /// Backups older than this many days are removed (the newest is always kept).
    pub keep_days: u32,
    /// At most this many backups are kept (0: no limit by count).
    pub keep_count: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    /// `text` (for a terminal) or `json` (one JSON object per line), on stderr and in the file.
    pub format: LogFormat,
    /// A file per UTC day here (`arb.YYYY-MM-DD.log`); default `<data_dir>/logs`; empty: none.
    pub dir: PathBuf,
    /// Daily files kept.
    pub keep_days: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MetricsSettings {
    /// Also serve `/metrics` without authentication on this port (of `server.host`), for a
    /// scraper on a private network. Unset: only `/metrics` on the main port, for admins.
    pub port: Option<u16>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SignalSettings {
    /// A signed signal whose `X-Timestamp` is further than this from the server's clock, either
    /// way, is refused: a captured request cannot be replayed later.
    pub window_secs: u64,
    /// An open signal without `expires_at_ms` gives up this long after it was received.
    pub open_expiry_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BacktestSettings {
    /// Threads that backtests started from the API may use at once (a sweep spreads over them;
    /// more runs wait their turn), so that they never take the cores live trading needs.
    pub max_threads: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    /// A browser session lasts this long after login.
    pub session_hours: u32,
    /// Mark the session cookie `Secure` (set when served over HTTPS, e.g. behind a proxy).
    pub secure_cookie: bool,
    /// Failed logins allowed per username (and four times as many per address) in the window.
    pub max_failures: u32,
    pub failure_window_secs: u64,
    /// The first admin's password on a database without users (`ARB_ADMIN_PASSWORD`). Without
    /// it a password is generated and printed once.
    pub admin_password: Option<SecretString>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EngineSettings {
    /// Where the engine's event log (one JSON line per input) is written (default
    /// `<data_dir>/events`).
    pub event_log_dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    /// The built SPA (`cargo xtask dist`); served at `/` with `index.html` as the fallback.
    pub static_dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    /// `sqlite://<data_dir>/arb.db?mode=rwc` by default; `postgres://…` for larger installs.
    pub url: SecretString,
    /// SQLite only: `normal` (a killed process loses nothing; a power cut may lose the last
    /// transactions) or `full` (every commit waits for the disk). See `db::Durability`.
    pub sqlite_durability: crate::db::Durability,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CollectorSettings {
    /// Funding and price history older than this is removed by the `prune` job.
    pub retention_days: u32,
    /// A venue from which no market update has arrived for this many real seconds is stale
    /// (judged on wall time, so it holds at every simulator speed): `/status` shows it and no
    /// position opens until it is fresh again.
    pub stale_after_secs: u64,
    /// A venue whose markets could not be listed is tried again this often.
    pub rediscover_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SimSettings {
    pub seed: u64,
    /// Market seconds per real second: 1 is real time, 3600 is one market hour per second.
    pub speed: u32,
    /// How often (real milliseconds) the simulators publish market data.
    pub tick_ms: u64,
    pub starting_balance: rust_decimal::Decimal,
    pub faults: FaultSettings,
    /// Where the simulated venues journal their books (orders, fills, positions, wallet) so that
    /// a restart finds them as a real venue would (default `<data_dir>/sim`); empty = in memory
    /// only.
    pub state_dir: PathBuf,
}

/// Faults the simulators can inject, for the trading core's tests. All off by default.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FaultSettings {
    pub latency_ms: u64,
    /// Probability in [0, 1] that an order is rejected.
    pub reject_rate: f64,
    /// Probability in [0, 1] that an order fills only partly.
    pub partial_fill_rate: f64,
    /// Probability in [0, 1] that an accepted order answers like a 5xx: outcome unknown.
    pub outcome_unknown_rate: f64,
    /// Disconnect the market-data stream every N real seconds (0 = never) for `disconnect_secs`.
    pub disconnect_every_secs: u64,
    pub disconnect_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct VenuesSettings {
    pub binance: VenueSettings,
    pub lighter: VenueSettings,
}

/// One venue: `sim` (the built-in simulator), `testnet` or `mainnet` (the real connector).
/// Without keys a real venue runs read-only: market data works, trading requests are refused.
#[derive(Debug, Clone, Deserialize)]
pub struct VenueSettings {
    pub mode: VenueMode,
    /// Overrides the mode's REST base URL (used to point a connector at a local fake).
    pub rest_url: Option<String>,
    pub ws_url: Option<String>,
    /// Binance: the API key. Lighter: unused (Lighter keys are identified by their slot).
    pub api_key: Option<SecretString>,
    /// Binance: the HMAC secret. Lighter: the API private key(s), hex, comma-separated in the
    /// order of `api_key_indexes`.
    pub api_secret: Option<SecretString>,
    /// Lighter: the account whose positions and balance are read and traded.
    pub account_index: Option<i64>,
    /// Lighter: the API key slots of `api_secret`, comma-separated (e.g. "3" or "3,4,5").
    /// Several keys let slices go out in parallel, one nonce stream per key.
    pub api_key_indexes: Option<String>,
    /// Lighter: overrides the mode's chain id (mainnet 304, testnet 300).
    pub chain_id: Option<u32>,
}

const DEFAULTS: &str = r#"
data_dir = "data"

[server]
host = "127.0.0.1"
port = 8080
static_dir = "dist"

[database]
sqlite_durability = "normal"

[collector]
retention_days = 7
stale_after_secs = 30
rediscover_secs = 30

[sim]
seed = 42
speed = 1
tick_ms = 1000
starting_balance = "100000"

[sim.faults]
latency_ms = 0
reject_rate = 0.0
partial_fill_rate = 0.0
outcome_unknown_rate = 0.0
disconnect_every_secs = 0
disconnect_secs = 0

[engine]

[backtest]
max_threads = 1

[auth]
session_hours = 12
secure_cookie = false
max_failures = 5
failure_window_secs = 900

[signals]
window_secs = 30
open_expiry_secs = 300

[notify]
fold_window_secs = 300
give_up_after_secs = 86400
retry_base_ms = 1000
retry_max_secs = 600

[venues.binance]
mode = "sim"

[venues.lighter]
mode = "sim"

# Cron expressions in UTC (5 fields; 6 with seconds first). `snapshot` and `monthly_report`
# read the markets' clock (the same as the wall clock but on a compressed simulator).
[jobs]
alert_window = 5
alert_min_success = "0.8"
grace_secs = 900
keep_days = 90
[jobs.funding_write]
cron = "* * * * *"
enabled = true
[jobs.price_write]
cron = "*/10 * * * * *"
enabled = true
[jobs.prune]
cron = "0 * * * *"
enabled = true
[jobs.reconcile]
cron = "* * * * *"
enabled = true
[jobs.reconcile_report]
cron = "0 23 * * *"
enabled = true
[jobs.snapshot]
cron = "0 0 * * *"
enabled = true
[jobs.backup]
cron = "0 1 * * *"
enabled = true
[jobs.refetch]
cron = "5 * * * *"
enabled = true
[jobs.monthly_report]
cron = "0 2 1 * *"
enabled = true

[backup]
keep_days = 30
keep_count = 0

[log]
format = "text"
keep_days = 14

[metrics]
"#;

/// Settings whose default lies under `data_dir`, as (key, path below it).
const UNDER_DATA_DIR: [(&str, &str); 5] = [
    ("sim.state_dir", "sim"),
    ("engine.event_log_dir", "events"),
    ("backup.dir", "backups"),
    ("log.dir", "logs"),
    ("database.url", "arb.db"),
];

impl Settings {
    pub fn venue(&self, venue: app::Venue) -> &VenueSettings {
        match venue {
            app::Venue::Binance => &self.venues.binance,
            app::Venue::Lighter => &self.venues.lighter,
        }
    }

    /// Defaults, then `file` if given, then the secrets file, then the process environment.
    ///
    /// The secrets file has the settings' shape (`[venues.binance] api_key = "…"`) and lives
    /// outside the repository; a group- or world-readable one is refused.
    pub fn load(file: Option<&Path>, secrets: Option<&Path>) -> Result<Settings, config::ConfigError> {
        let env = Environment::with_prefix("ARB").prefix_separator("__").separator("__");
        let mut settings = Self::load_layers(file, secrets, env)?;
        // The documented shortcut for the first admin's password.
        if let Ok(password) = std::env::var("ARB_ADMIN_PASSWORD")
            && !password.is_empty()
        {
            settings.auth.admin_password = Some(SecretString::from(password));
        }
        Ok(settings)
    }

    /// Defaults, `file`, then an explicit environment source (tests).
    pub fn load_with_env(file: Option<&Path>, env: Environment) -> Result<Settings, config::ConfigError> {
        Self::load_layers(file, None, env)
    }

    /// As [`Settings::load`] but with an explicit environment source.
    pub fn load_layers(
        file: Option<&Path>,
        secrets: Option<&Path>,
        env: Environment,
    ) -> Result<Settings, config::ConfigError> {
        let mut builder = Config::builder().add_source(File::from_str(DEFAULTS, FileFormat::Toml));
        if let Some(path) = file {
            builder = builder.add_source(File::from(path).required(true));
        }
        if let Some(path) = secrets {
            check_private(path)?;
            builder = builder.add_source(File::from(path).format(FileFormat::Toml).required(true));
        }
        let layered = builder.add_source(env.try_parsing(true)).build()?;
        // The paths that default to somewhere under the data directory, which is known only
        // now: they become defaults below everything that was set.
        let data_dir: PathBuf = layered.get("data_dir")?;
        let mut derived = Config::builder();
        for (key, below) in UNDER_DATA_DIR {
            let path = data_dir.join(below);
            let value = match key {
                "database.url" => format!("sqlite://{}?mode=rwc", path.display()),
                _ => path.display().to_string(),
            };
            derived = derived.set_default(key, value)?;
        }
        derived.add_source(layered).build()?.try_deserialize()
    }
}

/// A secrets file others can read is a leak waiting to happen: refuse it (Unix only).
fn check_private(path: &Path) -> Result<(), config::ConfigError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path)
            .map_err(|e| config::ConfigError::Message(format!("secrets file {}: {e}", path.display())))?;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(config::ConfigError::Message(format!(
                "secrets file {} is readable by others; run `chmod 600 {}`",
                path.display(),
                path.display()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> Environment {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Environment::with_prefix("ARB").prefix_separator("__").separator("__").source(Some(map))
    }

    #[test]
    fn defaults_need_no_configuration() {
        let s = Settings::load_with_env(None, env(&[])).unwrap();
        assert_eq!(s.server.port, 8080);
        assert_eq!(s.venues.binance.mode, VenueMode::Sim);
        assert_eq!(s.collector.retention_days, 7);
        assert_eq!(s.database.url.expose_secret(), "sqlite://data/arb.db?mode=rwc");
        assert_eq!(s.backup.dir, PathBuf::from("data/backups"));
        assert_eq!(s.jobs.backup.cron, "0 1 * * *");
    }

    #[test]
    fn all_state_follows_the_data_dir_unless_set_apart() {
        let s = Settings::load_with_env(
            None,
            env(&[
                ("ARB__DATA_DIR", "/data"),
                ("ARB__LOG__DIR", "/var/log/arb"),
                ("ARB__JOBS__BACKUP__ENABLED", "false"),
            ]),
        )
        .unwrap();
        assert_eq!(s.database.url.expose_secret(), "sqlite:///data/arb.db?mode=rwc");
        assert_eq!(s.sim.state_dir, PathBuf::from("/data/sim"));
        assert_eq!(s.engine.event_log_dir, PathBuf::from("/data/events"));
        assert_eq!(s.backup.dir, PathBuf::from("/data/backups"));
        assert_eq!(s.log.dir, PathBuf::from("/var/log/arb"));
        assert!(!s.jobs.backup.enabled);
        let memory = Settings::load_with_env(None, env(&[("ARB__SIM__STATE_DIR", "")])).unwrap();
        assert_eq!(memory.sim.state_dir, PathBuf::new(), "empty still means in memory");
    }

    #[test]
    fn file_then_environment_override() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("arb.toml");
        std::fs::write(&path, "[server]\nport = 9000\n[sim]\nspeed = 60\n").unwrap();
        let s = Settings::load_with_env(Some(&path), env(&[("ARB__SIM__SPEED", "3600")])).unwrap();
        assert_eq!(s.server.port, 9000);
        assert_eq!(s.sim.speed, 3600);
    }

    #[test]
    fn secrets_never_print() {
        let s = Settings::load_with_env(
            None,
            env(&[("ARB__VENUES__BINANCE__API_SECRET", "hunter2"), ("ARB__DATABASE__URL", "postgres://u:pw@h/db")]),
        )
        .unwrap();
        let printed = format!("{s:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(!printed.contains("pw@h"), "{printed}");
        assert_eq!(s.venues.binance.api_secret.as_ref().unwrap().expose_secret(), "hunter2");
    }

    #[test]
    fn channels_from_the_environment() {
        let s = Settings::load_with_env(
            None,
            env(&[
                ("ARB__NOTIFY__TELEGRAM__BOT_TOKEN", "123:SECRET"),
                ("ARB__NOTIFY__TELEGRAM__CHAT_IDS", "-1001,42"),
                ("ARB__NOTIFY__TELEGRAM__USERS", "7:alice, 8:bob"),
                ("ARB__NOTIFY__TELEGRAM__MIN_LEVEL", "info"),
                ("ARB__NOTIFY__TELEGRAM__KINDS__VENUE_STALE", "off"),
                ("ARB__NOTIFY__EMAIL__SMTP_URL", "smtp://127.0.0.1:2525"),
                ("ARB__NOTIFY__EMAIL__TLS", "none"),
                ("ARB__NOTIFY__EMAIL__FROM", "arb@example.com"),
                ("ARB__NOTIFY__EMAIL__TO", "ops@example.com,cto@example.com"),
                ("ARB__NOTIFY__EMAIL__PASSWORD", "mailpass"),
                ("ARB__NOTIFY__WEBHOOKS__OPS__KIND", "feishu"),
                ("ARB__NOTIFY__WEBHOOKS__OPS__URL", "http://127.0.0.1:1/hook"),
                ("ARB__NOTIFY__WEBHOOKS__OPS__SECRET", "signkey"),
            ]),
        )
        .unwrap();
        let t = s.notify.telegram.as_ref().unwrap();
        assert_eq!((t.chat_ids.as_slice(), t.api_url()), (&[-1001, 42][..], DEFAULT_TELEGRAM_API));
        assert_eq!(t.users, [(7, "alice".to_owned()), (8, "bob".to_owned())]);
        assert_eq!(t.kinds[&app::notification::Kind::VenueStale], app::outbox::KindMode::Off);
        let e = s.notify.email.as_ref().unwrap();
        assert_eq!((e.to.len(), e.tls), (2, SmtpTls::None));
        assert_eq!(s.notify.webhooks["ops"].kind, WebhookKind::Feishu);
        let one = Settings::load_with_env(
            None,
            env(&[("ARB__NOTIFY__TELEGRAM__BOT_TOKEN", "x"), ("ARB__NOTIFY__TELEGRAM__CHAT_IDS", "42")]),
        )
        .unwrap();
        assert_eq!(one.notify.telegram.unwrap().chat_ids, [42], "a single id arrives as a number");
        let printed = format!("{s:?}");
        for secret in ["SECRET", "mailpass", "signkey", "127.0.0.1:1/hook"] {
            assert!(!printed.contains(secret), "{secret} printed");
        }
        assert!(Settings::load_with_env(None, env(&[])).unwrap().notify.telegram.is_none());
    }

    #[cfg(unix)]
    #[test]
    fn secrets_file_supplies_keys_and_must_be_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.toml");
        std::fs::write(&path, "[venues.lighter]\napi_secret = \"abcd\"\naccount_index = 7\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = Settings::load_layers(None, Some(&path), env(&[])).unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let s = Settings::load_layers(None, Some(&path), env(&[])).unwrap();
        assert_eq!(s.venues.lighter.api_secret.unwrap().expose_secret(), "abcd");
        assert_eq!(s.venues.lighter.account_index, Some(7));
    }
}

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

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub collector: CollectorSettings,
    pub sim: SimSettings,
    pub venues: VenuesSettings,
    pub engine: EngineSettings,
    pub auth: AuthSettings,
    pub backtest: BacktestSettings,
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
    /// Where the engine's event log (one JSON line per input) is written.
    pub event_log_dir: PathBuf,
    /// How often our books are reconciled with the venues (also at start-up and on demand).
    pub reconcile_secs: u64,
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
    /// `sqlite://data/arb.db?mode=rwc` by default; `postgres://…` for larger installs.
    pub url: SecretString,
    /// SQLite only: `normal` (a killed process loses nothing; a power cut may lose the last
    /// transactions) or `full` (every commit waits for the disk). See `db::Durability`.
    pub sqlite_durability: crate::db::Durability,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CollectorSettings {
    pub funding_write_secs: u64,
    pub price_write_secs: u64,
    pub retention_days: u32,
    pub prune_every_secs: u64,
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
    /// a restart finds them as a real venue would; empty = in memory only.
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
[server]
host = "127.0.0.1"
port = 8080
static_dir = "dist"

[database]
url = "sqlite://data/arb.db?mode=rwc"
sqlite_durability = "normal"

[collector]
funding_write_secs = 60
price_write_secs = 10
retention_days = 7
prune_every_secs = 3600
stale_after_secs = 30
rediscover_secs = 30

[sim]
seed = 42
speed = 1
tick_ms = 1000
starting_balance = "100000"
state_dir = "data/sim"

[sim.faults]
latency_ms = 0
reject_rate = 0.0
partial_fill_rate = 0.0
outcome_unknown_rate = 0.0
disconnect_every_secs = 0
disconnect_secs = 0

[engine]
event_log_dir = "data/events"
reconcile_secs = 60

[backtest]
max_threads = 1

[auth]
session_hours = 12
secure_cookie = false
max_failures = 5
failure_window_secs = 900

[venues.binance]
mode = "sim"

[venues.lighter]
mode = "sim"
"#;

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
        builder.add_source(env.try_parsing(true)).build()?.try_deserialize()
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
        assert!(s.database.url.expose_secret().starts_with("sqlite://"));
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

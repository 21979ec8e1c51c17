//! Turns each venue's settings into a running `VenueClient`: the simulator for `sim`, the real
//! connector for `testnet`/`mainnet` (whose base URLs may point at a local fake). Switching
//! between them is a configuration change only.

use crate::clock::{Clock, TimeSource};
use crate::settings::{Settings, VenueSettings};
use crate::venue::binance::{BinanceConfig, BinanceVenue};
use crate::venue::lighter::{ApiKey, LighterConfig, LighterVenue};
use crate::venue::sim::history::{History, HistoryError};
use crate::venue::sim::journal::{self, SimState};
use crate::venue::sim::{SimConfig, SimVenue};
use crate::venue::{DynVenue, VenueError};
use app::{Venue, VenueMode};
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("funding history: {0}")]
    History(#[from] HistoryError),
    #[error("venue {venue}: {message}")]
    Config { venue: Venue, message: String },
    #[error("{0}")]
    Venue(#[from] VenueError),
}

/// The venues in service, in `Venue::ALL` order, and the platform's clock.
pub struct Venues {
    pub all: Vec<DynVenue>,
    /// Made here because the simulators' journals say where venue time resumes.
    pub clock: Clock,
    /// The simulated ones (their market loops are the caller's to run; tests drive them).
    pub sims: Vec<Arc<SimVenue>>,
    /// Connector tasks that stop with the cancellation token.
    pub tasks: Vec<JoinHandle<()>>,
}

/// Build every configured venue and the clock. Simulators share the venue time, running
/// `sim.speed` times real time (real time when a real venue is configured too), resumed from
/// their journals; real connectors open their sockets and stop on `cancel`.
pub fn build(settings: &Settings, cancel: &CancellationToken) -> Result<Venues, BuildError> {
    let mut journals = journals(settings)?;
    let sims = Venue::ALL.into_iter().filter(|v| settings.venue(*v).mode == VenueMode::Sim).count();
    let speed = if sims == Venue::ALL.len() {
        settings.sim.speed
    } else {
        if sims > 0 && settings.sim.speed != 1 {
            tracing::warn!(speed = settings.sim.speed, "a real venue is configured: the simulator runs in real time");
        }
        1
    };
    // A compressed clock resumes where the journaled simulators left off, never before.
    let resume = journals.values().filter_map(|(_, saved)| saved.as_ref().map(|s| s.synced_ms)).max();
    let clock = if sims > 0 {
        Clock::with_venue(TimeSource::scaled_from(Clock::system().wall_ms().max(resume.unwrap_or(0)), speed))
    } else {
        Clock::system()
    };
    let mut out = Venues { all: Vec::new(), clock: clock.clone(), sims: Vec::new(), tasks: Vec::new() };
    let mut history = None;
    for venue in Venue::ALL {
        let vs = settings.venue(venue);
        match (venue, vs.mode) {
            (_, VenueMode::Sim) => {
                let history = match &history {
                    Some(h) => h,
                    None => history.insert(History::embedded()?),
                };
                let config = SimConfig {
                    seed: settings.sim.seed,
                    starting_balance: settings.sim.starting_balance,
                    faults: settings.sim.faults.clone(),
                };
                let sim = SimVenue::new(venue, history.clone(), clock.venue_source().clone(), config);
                if let Some((path, saved)) = journals.remove(&venue) {
                    sim.resume_from(path.clone(), saved).map_err(|e| journal_error(venue, &path, e))?;
                }
                out.all.push(sim.clone());
                out.sims.push(sim);
            }
            (Venue::Binance, _) => {
                let binance = BinanceVenue::new(binance_config(vs))?;
                binance.start(cancel.clone());
                tracing::info!(mode = %vs.mode, trading = binance.can_trade(), "Binance connector");
                out.all.push(binance);
            }
            (Venue::Lighter, _) => {
                let lighter = Arc::new(LighterVenue::new(lighter_config(vs)?)?);
                lighter.start_feed();
                tracing::info!(mode = %vs.mode, trading = !lighter.config().read_only(), "Lighter connector");
                let stop = lighter.clone();
                let cancel = cancel.clone();
                out.tasks.push(tokio::spawn(async move {
                    cancel.cancelled().await;
                    stop.shutdown().await;
                }));
                out.all.push(lighter);
            }
        }
    }
    Ok(out)
}

type Journals = HashMap<Venue, (PathBuf, Option<SimState>)>;

/// Each simulated venue's journal path and saved state, read once (none when `state_dir` is
/// empty: in memory only).
fn journals(settings: &Settings) -> Result<Journals, BuildError> {
    let dir = &settings.sim.state_dir;
    let mut out = HashMap::new();
    if dir.as_os_str().is_empty() {
        return Ok(out);
    }
    for venue in Venue::ALL.into_iter().filter(|v| settings.venue(*v).mode == VenueMode::Sim) {
        let path = journal::path(dir, venue);
        let saved = journal::load(&path).map_err(|e| journal_error(venue, &path, e))?;
        out.insert(venue, (path, saved));
    }
    Ok(out)
}

fn journal_error(venue: Venue, path: &Path, e: std::io::Error) -> BuildError {
    BuildError::Config { venue, message: format!("simulator journal {}: {e}", path.display()) }
}

/// An unset environment variable often arrives as an empty string: treat it as absent.
fn present(secret: &Option<SecretString>) -> Option<SecretString> {
    secret.clone().filter(|s| !s.expose_secret().trim().is_empty())
}

pub fn binance_config(vs: &VenueSettings) -> BinanceConfig {
    let mut config = BinanceConfig::new(vs.mode);
    config.rest_url = vs.rest_url.clone();
    config.ws_url = vs.ws_url.clone();
    config.api_key = present(&vs.api_key);
    config.api_secret = present(&vs.api_secret);
    config
}

pub fn lighter_config(vs: &VenueSettings) -> Result<LighterConfig, BuildError> {
    let bad = |message: String| BuildError::Config { venue: Venue::Lighter, message };
    let mut config = LighterConfig::new(vs.mode);
    if let Some(url) = &vs.rest_url {
        config.rest_url = url.trim_end_matches('/').to_owned();
    }
    if let Some(url) = &vs.ws_url {
        config.ws_url = url.clone();
    }
    if let Some(chain) = vs.chain_id {
        config.chain_id = chain;
    }
    config.account_index = vs.account_index;
    config.api_keys = lighter_keys(vs).map_err(bad)?;
    if !config.api_keys.is_empty() && config.account_index.is_none() {
        return Err(bad("api_secret is set but account_index is not; set venues.lighter.account_index".into()));
    }
    Ok(config)
}

/// Pairs `api_key_indexes` ("3,4") with the comma-separated private keys of `api_secret`.
fn lighter_keys(vs: &VenueSettings) -> Result<Vec<ApiKey>, String> {
    let Some(secret) = present(&vs.api_secret) else { return Ok(Vec::new()) };
    let indexes: Vec<u8> = vs
        .api_key_indexes
        .as_deref()
        .ok_or("api_secret is set but api_key_indexes is not (e.g. \"3\")")?
        .split(',')
        .map(|s| s.trim().parse::<u8>().map_err(|_| format!("api_key_indexes: {s:?} is not a key slot (0-254)")))
        .collect::<Result<_, _>>()?;
    let keys: Vec<&str> = secret.expose_secret().split(',').map(str::trim).collect();
    if keys.len() != indexes.len() {
        return Err(format!(
            "api_key_indexes lists {} slot(s) but api_secret holds {} private key(s)",
            indexes.len(),
            keys.len()
        ));
    }
    Ok(indexes
        .into_iter()
        .zip(keys)
        .map(|(index, key)| ApiKey { index, private_key: SecretString::from(key.to_owned()) })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lighter(indexes: Option<&str>, secret: Option<&str>, account: Option<i64>) -> VenueSettings {
        VenueSettings {
            mode: VenueMode::Testnet,
            rest_url: Some("http://127.0.0.1:9/".into()),
            ws_url: None,
            api_key: None,
            api_secret: secret.map(|s| SecretString::from(s.to_owned())),
            account_index: account,
            api_key_indexes: indexes.map(str::to_owned),
            chain_id: None,
        }
    }

    #[test]
    fn lighter_keys_pair_slots_with_private_keys() {
        let c = lighter_config(&lighter(Some("3, 4"), Some("aa,bb"), Some(7))).unwrap();
        assert_eq!(c.api_keys.iter().map(|k| k.index).collect::<Vec<_>>(), vec![3, 4]);
        assert_eq!(c.api_keys[1].private_key.expose_secret(), "bb");
        assert_eq!(c.rest_url, "http://127.0.0.1:9");
        assert!(lighter_config(&lighter(None, None, None)).unwrap().read_only());
        assert!(lighter_config(&lighter(None, Some(""), None)).unwrap().read_only(), "empty secret = none");
    }

    #[test]
    fn lighter_key_mistakes_say_what_to_fix() {
        let err = |vs| lighter_config(&vs).unwrap_err().to_string();
        assert!(err(lighter(Some("3,4"), Some("aa"), Some(7))).contains("2 slot(s) but api_secret holds 1"));
        assert!(err(lighter(Some("x"), Some("aa"), Some(7))).contains("\"x\" is not a key slot"));
        assert!(err(lighter(None, Some("aa"), Some(7))).contains("api_key_indexes is not"));
        assert!(err(lighter(Some("3"), Some("aa"), None)).contains("account_index"));
    }
}

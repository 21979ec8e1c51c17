//! The simulator's own persistence. A real venue keeps its orders, fills and positions whatever
//! happens to us; a simulator living in our process must too, or a restart (or a SIGKILL)
//! would wipe the very state we reconcile against. After every change the venue's state is
//! written to `<dir>/<venue>.json` (a temporary file renamed over the old one, so a kill leaves
//! either the old or the new state, never half of one) before any answer leaves the venue.

use super::exchange::SimExchange;
use app::{TimestampMs, Venue};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Serialize)]
struct StateRef<'a> {
    venue: Venue,
    synced_ms: TimestampMs,
    exchange: &'a SimExchange,
}

/// A simulated venue's saved state.
#[derive(Debug, Clone, Deserialize)]
pub struct SimState {
    pub venue: Venue,
    /// Market time up to which funding and resting orders were processed.
    pub synced_ms: TimestampMs,
    pub exchange: SimExchange,
}

pub fn path(dir: &Path, venue: Venue) -> PathBuf {
    dir.join(format!("{venue}.json"))
}

pub fn load(path: &Path) -> std::io::Result<Option<SimState>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(std::io::Error::other),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

pub fn save(path: &Path, venue: Venue, synced_ms: TimestampMs, exchange: &SimExchange) -> std::io::Result<()> {
    let bytes = serde_json::to_vec(&StateRef { venue, synced_ms, exchange }).map_err(std::io::Error::other)?;
    let tmp = path.with_extension("json.tmp");
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(&bytes)?;
    // No fsync: the journal must survive the process being killed (the page cache does), not a
    // power cut; an fsync per order would cost milliseconds on every simulated fill.
    drop(f);
    std::fs::rename(&tmp, path)
}

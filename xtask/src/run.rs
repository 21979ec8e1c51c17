//! `cargo xtask run`: build the SPA (release) and the server, then run the product on its
//! embedded default — simulated venues, SQLite under ./data/, http://127.0.0.1:8080.

use crate::{cargo, setup, spa};
use anyhow::Result;

pub fn run(extra: &[String]) -> Result<()> {
    setup::ensure_wasm_target()?;
    spa::build_dist(true)?;
    setup::run(cargo().args(["run", "--release", "-p", "server", "--"]).args(extra))
}

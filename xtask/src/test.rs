//! `cargo xtask test`: the whole test suite, as CI runs it. Installs what is missing, builds
//! the SPA and the release server (the deployment test starts that binary as an unprivileged
//! user), starts a throwaway PostgreSQL, then runs every crate's tests with the browser and
//! PostgreSQL legs made mandatory.

use crate::{cargo, postgres, setup, spa};
use anyhow::Result;

pub fn run() -> Result<()> {
    setup::ensure_wasm_target()?;
    setup::ensure_browser()?;
    setup::ensure_python()?;
    let pg_bin = setup::ensure_postgres()?;
    setup::run(cargo().args(["fmt", "--all", "--check"]))?;
    spa::build_dist(false)?;
    setup::run(cargo().args(["build", "--release", "-p", "server", "--bin", "server"]))?;
    let release = spa::target_dir(&spa::workspace_root()).join("release/server");
    let pg = postgres::TempPostgres::start(pg_bin)?;
    let mut test = cargo();
    test.args(["test", "--workspace", "--no-fail-fast"])
        .env("ARB_E2E", "1")
        .env("ARB_SERVER_BINARY", &release)
        .env("ARB_TEST_POSTGRES_URL", &pg.url)
        .env("CI", std::env::var("CI").unwrap_or_else(|_| "true".into()));
    let result = setup::run(&mut test);
    drop(pg);
    result
}

//! Installing what a fresh machine lacks: the wasm target (rustup), Debian's chromium,
//! chromium-driver, postgresql and python3 (apt), and `openapi-spec-validator` (pip, for the API
//! document's test). Each step checks first, so a warm machine pays nothing.

use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;

pub fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

pub fn ensure_wasm_target() -> Result<()> {
    let installed =
        Command::new("rustup").args(["target", "list", "--installed"]).output().context("running rustup")?;
    if String::from_utf8_lossy(&installed.stdout).lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    println!("xtask: installing the wasm32-unknown-unknown target");
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// Install Debian packages whose marker file is missing.
pub fn ensure_apt(packages: &[(&str, &str)]) -> Result<()> {
    let missing: Vec<&str> =
        packages.iter().filter(|(_, marker)| !Path::new(marker).exists()).map(|(p, _)| *p).collect();
    if missing.is_empty() {
        return Ok(());
    }
    println!("xtask: installing {} with apt-get", missing.join(" "));
    let sudo = if is_root() { None } else { Some("sudo") };
    let apt = |args: &[&str]| {
        let mut c = match sudo {
            Some(s) => {
                let mut c = Command::new(s);
                c.arg("apt-get");
                c
            }
            None => Command::new("apt-get"),
        };
        c.env("DEBIAN_FRONTEND", "noninteractive").args(args);
        c
    };
    run(&mut apt(&["update", "-qq"]))?;
    let mut install = apt(&["install", "-y", "-qq", "--no-install-recommends"]);
    install.args(&missing);
    run(&mut install)
}

pub fn ensure_browser() -> Result<()> {
    ensure_apt(&[("chromium", "/usr/bin/chromium"), ("chromium-driver", "/usr/bin/chromedriver")])
}

/// Python 3 runs the README's signal client in the examples test and checks the API document
/// with `openapi-spec-validator`.
pub fn ensure_python() -> Result<()> {
    let has = |args: &[&str]| Command::new("python3").args(args).output().is_ok_and(|o| o.status.success());
    if !has(&["--version"]) {
        ensure_apt(&[("python3", "/usr/bin/python3"), ("python3-pip", "/usr/bin/pip3")])?;
    }
    if has(&["-c", "import openapi_spec_validator"]) {
        return Ok(());
    }
    if !has(&["-m", "pip", "--version"]) {
        ensure_apt(&[("python3-pip", "/usr/lib/python3/dist-packages/pip/__init__.py")])?;
    }
    println!("xtask: installing openapi-spec-validator with pip");
    let pip = |extra: &[&str]| {
        let mut c = Command::new("python3");
        c.args(["-m", "pip", "install", "--quiet", "openapi-spec-validator"]).args(extra);
        c.status().is_ok_and(|s| s.success())
    };
    // Debian's own Python refuses installs outside a virtual environment (PEP 668).
    if pip(&[]) || pip(&["--break-system-packages"]) {
        return Ok(());
    }
    bail!("could not install openapi-spec-validator (python3 -m pip install openapi-spec-validator)")
}

/// The directory holding `initdb` and `pg_ctl`, installing PostgreSQL if needed.
pub fn ensure_postgres() -> Result<std::path::PathBuf> {
    if let Some(dir) = find_pg_bin() {
        return Ok(dir);
    }
    ensure_apt(&[("postgresql", "/usr/lib/postgresql/.installed-by-xtask")])?;
    find_pg_bin().context("postgresql installed but initdb not found under /usr/lib/postgresql")
}

fn find_pg_bin() -> Option<std::path::PathBuf> {
    let mut versions: Vec<_> = std::fs::read_dir("/usr/lib/postgresql").ok()?.flatten().map(|e| e.path()).collect();
    versions.sort();
    versions.into_iter().rev().map(|v| v.join("bin")).find(|b| b.join("initdb").exists())
}

pub fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd.status().with_context(|| format!("starting {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

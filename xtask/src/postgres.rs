//! A throwaway PostgreSQL cluster for the persistence suite: initdb in a temp directory, a
//! free loopback port, trust auth; stopped and deleted on drop.

use crate::setup::{is_root, run};
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::Command;

pub struct TempPostgres {
    bin: PathBuf,
    dir: PathBuf,
    pub url: String,
}

/// Commands run as `postgres` when we are root: initdb refuses to run as root.
fn as_cluster_owner(bin: &PathBuf, tool: &str) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join(tool));
        c
    } else {
        Command::new(bin.join(tool))
    }
}

impl TempPostgres {
    pub fn start(bin: PathBuf) -> Result<Self> {
        let dir = std::env::temp_dir().join(format!("arb-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        if is_root() {
            run(Command::new("chown").args(["-R", "postgres:postgres"]).arg(&dir))?;
        }
        let data = dir.join("data");
        run(as_cluster_owner(&bin, "initdb")
            .args(["-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "-D"])
            .arg(&data)
            .stdout(std::process::Stdio::null()))?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let opts = format!("-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off", dir.display());
        run(as_cluster_owner(&bin, "pg_ctl")
            .args(["-w", "-D"])
            .arg(&data)
            .args(["-o", &opts, "-l"])
            .arg(dir.join("log"))
            .arg("start")
            .stdout(std::process::Stdio::null()))
        .context("starting the throwaway PostgreSQL")?;
        let pg = TempPostgres { bin: bin.clone(), dir, url: format!("postgres://postgres@127.0.0.1:{port}/arb_test") };
        run(Command::new(bin.join("createdb")).args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "postgres",
            "arb_test",
        ]))?;
        println!("xtask: PostgreSQL ready at {}", pg.url);
        Ok(pg)
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        let _ = as_cluster_owner(&self.bin, "pg_ctl")
            .args(["-m", "immediate", "-D"])
            .arg(self.dir.join("data"))
            .arg("stop")
            .stdout(std::process::Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

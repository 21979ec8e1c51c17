//! The README's signal clients, run as a research team would run them against the server on
//! the simulators: `examples/python/signal_client.py demo` sends an open and a close for
//! `carry-1`, and so does the Rust one (`cargo run -p server --example signal_client`). Both
//! signals end done, and the position, its P&L and the History rows carry `carry-1`.
//!
//! Python is part of CI's machine (`cargo xtask test` installs it when missing); without it
//! outside CI the Python half is skipped with a message.

use crate::helpers::{call, router_with, spawn_app, users};
use crate::signals::register;
use app::auth::Role;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn python() -> Option<&'static str> {
    let ok = Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok && std::env::var_os("CI").is_some() {
        panic!("python3 is missing: `cargo xtask test` installs it");
    }
    ok.then_some("python3")
}

/// The built Rust example, building it first when this test binary was built alone.
fn rust_client() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>");
    let bin = profile_dir.join("examples").join("signal_client");
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", "server", "--example", "signal_client"])
            .current_dir(workspace())
            .status()
            .expect("cargo");
        assert!(status.success(), "building the Rust example");
    }
    bin
}

/// Run a client; its stdout holds the final records as JSON, one after the other.
fn run(mut cmd: Command, url: &str, secret: &str) -> Vec<Value> {
    let out = cmd
        .env("ARB_URL", url)
        .env("ARB_SOURCE", "research")
        .env("ARB_SECRET", secret)
        .env_remove("ARB_TOKEN")
        .output()
        .expect("the client runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{cmd:?}\nstdout:\n{stdout}\nstderr:\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::Deserializer::from_str(&stdout).into_iter::<Value>().map(|v| v.expect("a JSON record")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_and_rust_clients_open_and_close_for_carry_1() {
    let t = spawn_app(&[]).await;
    let state = &t.running.state;
    let admin = router_with(state, users(state).await.token(Role::Admin));
    let secret = register(&admin, serde_json::json!({})).await;
    let url = format!("http://{}", t.running.addr);

    let mut clients: Vec<(&str, Command, &str)> = Vec::new();
    if let Some(py) = python() {
        let mut cmd = Command::new(py);
        cmd.arg(workspace().join("examples/python/signal_client.py")).args([
            "demo",
            "--strategy",
            "carry-1",
            "--symbol",
            "ETH",
            "--notional",
            "3000",
        ]);
        clients.push(("python", cmd, "ETH"));
    } else {
        eprintln!("python3 not found: the Python client's run is skipped (CI runs it)");
    }
    let mut cmd = Command::new(rust_client());
    cmd.args(["demo", "carry-1", "SOL", "3000"]);
    clients.push(("rust", cmd, "SOL"));

    for (name, cmd, symbol) in clients {
        // The client's own blocking wait must not hold the server's runtime.
        let (url, secret) = (url.clone(), secret.clone());
        let records = tokio::task::spawn_blocking(move || run(cmd, &url, &secret)).await.unwrap();
        assert_eq!(records.len(), 2, "{name}: an open and a close: {records:?}");
        for r in &records {
            assert_eq!((r["status"].as_str(), r["strategy"].as_str()), (Some("done"), Some("carry-1")), "{name}: {r}");
        }
        assert_eq!(records[0]["action"], "open");
        assert_eq!(records[1]["action"], "close");
        let pid = records[0]["positions"][0].as_i64().expect("the opened position");
        assert_eq!(records[1]["positions"][0].as_i64(), Some(pid), "{name}: the close closed it");

        let (_, p) = call(&admin, "GET", &format!("/api/v1/positions/{pid}"), None).await;
        assert_eq!(
            (p["strategy"].as_str(), p["status"].as_str(), p["symbol"].as_str()),
            (Some("carry-1"), Some("closed"), Some(symbol))
        );
        let (_, rows) =
            call(&admin, "GET", &format!("/api/v1/history/positions?strategy=carry-1&symbol={symbol}"), None).await;
        assert_eq!(rows["rows"][0]["id"].as_i64(), Some(pid), "{name}: History lists it: {rows}");
        assert_eq!(rows["rows"][0]["strategy"], "carry-1");
        let (_, fills) = call(&admin, "GET", &format!("/api/v1/history/fills?position_id={pid}"), None).await;
        assert!(
            fills["rows"].as_array().is_some_and(|f| !f.is_empty() && f.iter().all(|x| x["strategy"] == "carry-1"))
        );
        let (_, pnl) =
            call(&admin, "GET", &format!("/api/v1/history/pnl?strategy=carry-1&symbol={symbol}"), None).await;
        let group = &pnl["by_strategy"][0];
        assert_eq!((group["strategy"].as_str(), &group["net"]), (Some("carry-1"), &rows["rows"][0]["net"]), "{pnl}");
    }
    t.running.stop().await;
}

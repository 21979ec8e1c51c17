//! Crash safety of signals: a registered source signs an open and then a close for `carry-1`;
//! the real server is killed with SIGKILL at a random moment after each is accepted (before
//! the engine took it, mid-execution, or after) and restarted on the same database, event log
//! and simulator journals. Then:
//! - each signal ends `done` or `failed`, never pending, never twice (sending it again
//!   answers the same record);
//! - the strategy has one position, hedged at every venue, and no client order id reached a
//!   venue twice;
//! - every reconciliation was clean.
//!
//! `SIGNAL_CRASH_TRIALS` sets the number of trials (20 by default), `CRASH_SEED` the first seed.

use crate::{Node, assert_hedged, assert_reconciles_clean};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use server::auth::signature::sign;
use server::venue::sim::journal;
use std::time::{Duration, Instant};

impl Node {
    async fn signal(&self, secret: &str, body: &Value) -> (u16, Value) {
        let text = body.to_string();
        let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis().to_string();
        let r = reqwest::Client::new()
            .post(self.url("/signals"))
            .header("content-type", "application/json")
            .header("x-source", "research")
            .header("x-timestamp", &ts)
            .header("x-signature", sign(secret, &ts, text.as_bytes()))
            .body(text)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// The signal with this source id, once final.
    async fn settled_signal(&self, signal_id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let list: Value = self.get("/signals?source=research").await;
            let found = list.as_array().and_then(|l| l.iter().find(|s| s["signal_id"] == signal_id).cloned());
            if let Some(s) = &found
                && !matches!(s["status"].as_str(), Some("received" | "executing"))
            {
                return s.clone();
            }
            assert!(Instant::now() < deadline, "signal {signal_id} never settled: {found:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

async fn trial(seed: u64) -> Result<(), String> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let mut node = Node::new(dir.path());
    node.start().await;
    let source = json!({"name": "research", "strategies": ["carry-1"], "symbols": ["*"], "max_notional": "20000",
        "actions": ["open", "close"]});
    let (status, created) = node.post("/signal-sources", source).await;
    assert_eq!(status, 201, "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    let mut config: Value = node.get("/config").await;
    let pause: u64 = rng.random_range(20..300);
    config["params"]["slice_pause_ms"] = json!(pause);
    let r = node.http.put(node.url("/config")).json(&config["params"]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let span = 8 * (pause + 100);

    let open = json!({"signal_id": format!("open-{seed}"), "strategy": "carry-1", "action": "open", "symbol": "ETH",
        "direction": "long_lighter_short_binance", "notional": "9000", "slices": 8});
    let close =
        json!({"signal_id": format!("close-{seed}"), "strategy": "carry-1", "action": "close", "symbol": "ETH"});
    for (what, body) in [("open", &open), ("close", &close)] {
        // Right after start the data may not be fresh yet; the signal waits for it by itself.
        let (status, r) = node.signal(&secret, body).await;
        if status != 202 {
            return Err(format!("seed {seed}: {what} answered {status} {r}"));
        }
        let kill_at = rng.random_range(0..span);
        tokio::time::sleep(Duration::from_millis(kill_at)).await;
        node.kill();
        node.start().await;
        let s = node.settled_signal(body["signal_id"].as_str().unwrap()).await;
        if !matches!(s["status"].as_str(), Some("done" | "failed")) {
            return Err(format!("seed {seed}: {what} killed at {kill_at} ms ended {s}"));
        }
        // Sent again after the restart: the same record, nothing done twice.
        let (status, again) = node.signal(&secret, body).await;
        if status != 202 || again["id"] != s["id"] {
            return Err(format!("seed {seed}: {what} sent again answered {status} {again}, first {s}"));
        }
        let positions: Vec<i64> = s["positions"].as_array().unwrap().iter().filter_map(Value::as_i64).collect();
        for id in positions {
            let p = node.position(id).await;
            assert_hedged(&p, &format!("seed {seed}: {what} killed at {kill_at} ms"));
        }
        assert_reconciles_clean(&node, &format!("seed {seed}: after the {what}")).await;
    }

    let history: Value = node.get("/history/positions?strategy=carry-1&limit=500").await;
    let live: Vec<app::trading::PositionView> = node.get("/positions").await;
    let active = live.iter().filter(|p| p.strategy.as_str() == "carry-1" && p.status.is_active()).count();
    let finished = history["total"].as_u64().unwrap_or(0) as usize;
    if active + finished != 1 {
        return Err(format!("seed {seed}: carry-1 has {active} active and {finished} finished positions, not one"));
    }
    let reports: Vec<app::reconcile::ReconcileReport> = node.get("/reconciliation?limit=50").await;
    if let Some(bad) = reports.iter().find(|r| !r.clean()) {
        return Err(format!("seed {seed}: a reconciliation found differences: {bad:#?}"));
    }
    node.kill();
    for v in app::Venue::ALL {
        let state = journal::load(&journal::path(&dir.path().join("sim"), v)).unwrap().expect("journal");
        for (order, n) in state.exchange.submissions() {
            if *n != 1 {
                return Err(format!("seed {seed}: {order} reached {v} {n} times"));
            }
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_while_signals_execute_loses_and_doubles_nothing() {
    let trials: u64 = std::env::var("SIGNAL_CRASH_TRIALS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let first: u64 = std::env::var("CRASH_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let started = Instant::now();
    let mut failures = Vec::new();
    let seeds: Vec<u64> = (first..first + trials).collect();
    for pair in seeds.chunks(2) {
        let runs: Vec<_> = pair.iter().map(|s| tokio::spawn(trial(*s))).collect();
        for (seed, run) in pair.iter().zip(runs) {
            match run.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => failures.push(e),
                Err(panic) => failures.push(format!("seed {seed}: {panic}")),
            }
        }
    }
    let passed = trials as usize - failures.len();
    println!("signal crash safety: {passed}/{trials} trials passed in {:.0} s", started.elapsed().as_secs_f64());
    assert!(failures.is_empty(), "{passed}/{trials} passed; failures:\n{}", failures.join("\n"));
}

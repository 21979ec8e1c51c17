//! Crash safety: the real server binary on the simulated venues is killed with SIGKILL at a
//! random moment of a sliced open and again of a sliced close, and restarted on the same
//! database, event log and simulator journals. After each restart and reconciliation:
//! - the legs are equal (the execution resumed and finished), and equal to the venues';
//! - every reconciliation was clean: recovery came from querying orders by client order id,
//!   not from adopting a difference;
//! - no client order id reached a venue twice (the simulators count submissions);
//! - every venue fill is in our books: filled quantity per order and fees per position;
//! - and in History once: its fill records add up to each order's quantity at the venue and to
//!   the position's fees, with no record twice.
//!
//! And the notification outbox (`notify`): a delivery pending at the kill goes out once after the
//! restart, and one acknowledged before a kill is never sent again.
//!
//! `CRASH_TRIALS` sets the number of trials (30 by default; `scripts/crash-trials.sh` runs
//! more), `CRASH_SEED` the first seed. Trials run two at a time. `signals` kills the server
//! while signals execute.

mod signals;

use app::order::Fill;
use app::trading::{OrderView, PositionStatus, PositionView};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use server::venue::sim::journal;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

mod notify;

const ADMIN_PASSWORD: &str = "crash-suite-admin-password";

struct Node {
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
    http: reqwest::Client,
    /// More settings for this node (`ARB__…`).
    env: Vec<(String, String)>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("port")
}

impl Node {
    fn new(dir: &Path) -> Node {
        Node { dir: dir.to_owned(), port: free_port(), child: None, http: reqwest::Client::new(), env: Vec::new() }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/api/v1{path}", self.port)
    }

    async fn start(&mut self) {
        let d = self.dir.display();
        let log = std::fs::OpenOptions::new().create(true).append(true).open(self.dir.join("server.log")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_server"))
            .env("ARB__SERVER__PORT", self.port.to_string())
            .env("ARB__SERVER__STATIC_DIR", self.dir.join("no-spa"))
            .env("ARB__DATABASE__URL", format!("sqlite://{d}/arb.db?mode=rwc"))
            .env("ARB__ENGINE__EVENT_LOG_DIR", format!("{d}/events"))
            .env("ARB__DATA_DIR", &self.dir)
            // Only the start-up reconciliation: the trials count what it resolves.
            .env("ARB__JOBS__RECONCILE__ENABLED", "false")
            .env("ARB__SIM__STATE_DIR", format!("{d}/sim"))
            .env("ARB__SIM__TICK_MS", "100")
            // Every request takes a while: more kills land with orders in flight.
            .env("ARB__SIM__FAULTS__LATENCY_MS", "40")
            .env("RUST_LOG", "warn")
            .env("ARB_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            // The server logs to stdout: keep it with stderr, for the checks on what is logged.
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("server binary");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = self.http.get(self.url("/health")).send().await
                && r.status().is_success()
            {
                return self.login().await;
            }
            assert!(Instant::now() < deadline, "server did not come up in {}", self.dir.display());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Log in as the admin created at first start (from `ARB_ADMIN_PASSWORD`); the session is
    /// in the database, so it outlives the kills. Requests then carry the cookie and CSRF token.
    async fn login(&mut self) {
        let body = serde_json::json!({"username": "admin", "password": ADMIN_PASSWORD});
        let r = reqwest::Client::new().post(self.url("/auth/login")).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 200, "login");
        let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
        let me: Value = r.json().await.unwrap();
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("cookie", cookie.parse().unwrap());
        headers.insert("x-csrf-token", me["csrf_token"].as_str().unwrap().parse().unwrap());
        self.http = reqwest::Client::builder().default_headers(headers).build().unwrap();
    }

    /// SIGKILL: no shutdown code runs.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        self.http.get(self.url(path)).send().await.unwrap().json().await.unwrap()
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self.http.post(self.url(path)).json(&body).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// Retry while the engine refuses for want of fresh data right after a start.
    async fn command(&self, path: &str, body: Value) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (status, v) = self.post(path, body.clone()).await;
            if status == 200 {
                return v;
            }
            assert!(Instant::now() < deadline, "{path} refused: {status} {v}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn position(&self, id: i64) -> PositionView {
        self.get(&format!("/positions/{id}")).await
    }

    async fn wait_status(&self, id: i64, done: impl Fn(PositionStatus) -> bool) -> PositionView {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let p = self.position(id).await;
            if done(p.status) {
                return p;
            }
            assert!(Instant::now() < deadline, "position {id} stuck: {p:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

fn assert_hedged(p: &PositionView, what: &str) {
    assert_eq!(p.legs[0].qty.0, -p.legs[1].qty.0, "{what}: legs differ: {p:?}");
}

async fn assert_reconciles_clean(node: &Node, what: &str) {
    let (status, report) = node.post("/reconciliation", json!({})).await;
    assert_eq!(status, 200, "{report}");
    let report: app::reconcile::ReconcileReport = serde_json::from_value(report).unwrap();
    assert!(report.clean(), "{what}: books differ from the venues: {report:#?}");
}

/// How many kills found an execution still running at restart (the interesting cases).
static MID_EXECUTION: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
/// How many kills left an order in flight (sent, answer not recorded): resolved by query.
static IN_FLIGHT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

async fn note_if_mid_execution(node: &Node, id: i64) {
    let p = node.position(id).await;
    if matches!(p.status, PositionStatus::Opening | PositionStatus::Closing) {
        MID_EXECUTION.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    let orders: Vec<OrderView> = node.get("/orders").await;
    if orders.iter().any(|o| matches!(o.status, app::trading::OrderStatus::Sent | app::trading::OrderStatus::Unknown)) {
        IN_FLIGHT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

async fn trial(seed: u64) -> Result<(), String> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let mut node = Node::new(dir.path());
    node.start().await;

    // Pauses between slices vary by trial, from about one order round trip (orders in flight
    // much of the time) to several; the kill lands anywhere in the execution.
    let mut config: Value = node.get("/config").await;
    let pause: u64 = rng.random_range(20..300);
    config["params"]["slice_pause_ms"] = json!(pause);
    let r = node.http.put(node.url("/config")).json(&config["params"]).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let span = 8 * (pause + 100);

    // A sliced open, killed somewhere in its course.
    let open = json!({"symbol": "ETH", "direction": "long_lighter_short_binance", "notional": "9000", "slices": 8});
    let ack = node.command("/orders/open", open).await;
    let id = ack["positions"][0].as_i64().unwrap();
    let kill_at = rng.random_range(0..span);
    tokio::time::sleep(Duration::from_millis(kill_at)).await;
    node.kill();
    node.start().await;
    note_if_mid_execution(&node, id).await;
    let p = node.wait_status(id, |s| s != PositionStatus::Opening).await;
    assert_hedged(&p, &format!("seed {seed}: open killed at {kill_at} ms"));
    assert_reconciles_clean(&node, &format!("seed {seed}: after the open")).await;

    // A sliced close, killed somewhere in its course.
    if p.status == PositionStatus::Open {
        node.command("/orders/close", json!({"position_id": id, "percent": "100"})).await;
        let kill_at = rng.random_range(0..span);
        tokio::time::sleep(Duration::from_millis(kill_at)).await;
        node.kill();
        node.start().await;
        note_if_mid_execution(&node, id).await;
        let p = node.wait_status(id, |s| !matches!(s, PositionStatus::Closing | PositionStatus::Open)).await;
        assert_hedged(&p, &format!("seed {seed}: close killed at {kill_at} ms"));
        assert_reconciles_clean(&node, &format!("seed {seed}: after the close")).await;
    }

    // Every reconciliation, including the automatic start-up ones, was clean.
    let reports: Vec<app::reconcile::ReconcileReport> = node.get("/reconciliation?limit=50").await;
    if let Some(bad) = reports.iter().find(|r| !r.clean()) {
        return Err(format!("seed {seed}: a reconciliation found differences: {bad:#?}"));
    }
    let orders: Vec<OrderView> = node.get("/orders").await;
    let p = node.position(id).await;
    let recorded: app::history::Page<app::history::FillRecord> =
        node.get(&format!("/history/fills?position_id={id}&limit=500")).await;
    node.kill();

    // What the venues hold, from their own journals.
    let mut fills: Vec<Fill> = Vec::new();
    for v in app::Venue::ALL {
        let state = journal::load(&journal::path(&dir.path().join("sim"), v)).unwrap().expect("journal");
        for (order, n) in state.exchange.submissions() {
            if *n != 1 {
                return Err(format!("seed {seed}: {order} reached {v} {n} times"));
            }
        }
        fills.extend(state.exchange.all_fills().iter().cloned());
    }
    let mut venue_filled: HashMap<String, rust_decimal::Decimal> = HashMap::new();
    for f in &fills {
        *venue_filled.entry(f.client_order_id.to_string()).or_default() += f.qty.0;
    }
    for o in &orders {
        let theirs = venue_filled.get(o.client_order_id.as_str()).copied().unwrap_or_default();
        if o.filled_qty.0 != theirs {
            return Err(format!(
                "seed {seed}: {} filled {} at the venue, {} in our books",
                o.client_order_id, theirs, o.filled_qty.0
            ));
        }
    }
    let venue_fees: rust_decimal::Decimal =
        fills.iter().filter(|f| f.client_order_id.as_str().starts_with(&format!("arb{id}-"))).map(|f| f.fee.0).sum();
    if p.pnl.fees != app::Usd(venue_fees) {
        return Err(format!("seed {seed}: fees {} in P&L, {venue_fees} at the venues", p.pnl.fees));
    }
    history_matches(seed, &recorded.rows, &venue_filled, venue_fees)
}

/// History's fill records, written in the same transaction as the orders they fill: each order's
/// records add up to what the venue filled, the fees to the venue's, and none is there twice.
fn history_matches(
    seed: u64,
    recorded: &[app::history::FillRecord],
    venue_filled: &HashMap<String, rust_decimal::Decimal>,
    venue_fees: rust_decimal::Decimal,
) -> Result<(), String> {
    let ids: std::collections::HashSet<String> = recorded.iter().map(|f| f.row_id()).collect();
    if ids.len() != recorded.len() {
        return Err(format!("seed {seed}: a fill is recorded twice in History"));
    }
    let mut ours: HashMap<String, rust_decimal::Decimal> = HashMap::new();
    for f in recorded {
        *ours.entry(f.client_order_id.to_string()).or_default() += f.qty.0;
    }
    for order in ours.keys().chain(venue_filled.keys()) {
        let mine = ours.get(order).copied().unwrap_or_default();
        let theirs = venue_filled.get(order).copied().unwrap_or_default();
        if mine != theirs {
            return Err(format!("seed {seed}: {order} filled {theirs} at the venue, {mine} in History"));
        }
    }
    let fees: rust_decimal::Decimal = recorded.iter().map(|f| f.fee.0).sum();
    if fees != venue_fees {
        return Err(format!("seed {seed}: fees {fees} in History, {venue_fees} at the venues"));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_sliced_open_and_close_loses_nothing() {
    let trials: u64 = std::env::var("CRASH_TRIALS").ok().and_then(|v| v.parse().ok()).unwrap_or(30);
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
    let mid = MID_EXECUTION.load(std::sync::atomic::Ordering::Relaxed);
    let in_flight = IN_FLIGHT.load(std::sync::atomic::Ordering::Relaxed);
    println!(
        "crash safety: {passed}/{trials} trials passed in {:.0} s; of {} kills, {mid} landed mid-execution \
         and {in_flight} left an order in flight",
        started.elapsed().as_secs_f64(),
        2 * trials
    );
    assert!(failures.is_empty(), "{passed}/{trials} passed; failures:\n{}", failures.join("\n"));
}

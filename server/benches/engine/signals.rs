//! (d) Signals: intake throughput, and a signal received → both legs handed to the venues.
//!
//! The real HTTP server (`api::app` on port 0) in front of the real `Runner` and collector
//! (SQLite file, event log on disk, multi-threaded runtime), with the simulators behind the
//! recording wrapper of part (b). A source `research` signs every request (HMAC-SHA256).
//!
//! - Latency: 100 opens and 100 closes of LINK for `carry-1`, one slice each, one after the
//!   other. "Received" is when the client hands the signed request to its connection (loopback);
//!   each leg's instant is when `place_order` is entered. The path: HTTP, signature, parsing
//!   and limits, the intake's insert, the engine's queue and `process`, the write-ahead
//!   transaction, the sends. The 202's own latency is reported beside it.
//! - Throughput: 2,000 signed signals from 16 concurrent clients, each stored, handed to the
//!   engine, refused there (closes of a strategy that holds nothing) and stored again: the
//!   intake's whole path, with no venue work.

use super::runner::{Calls, Recording};
use super::{START, percentile, sim_venues};
use app::params::StrategyParams;
use app::{Symbol, Venue};
use server::clock::Clock;
use server::collector::{Collector, CollectorHandle};
use server::engine::Engine;
use server::engine::event_log::EventLog;
use server::notify::Notifier;
use server::settings::{AuthSettings, CollectorSettings, SignalSettings};
use server::state::AppState;
use server::venue::DynVenue;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const SECRET: &str = "sig_bench";
const ROUNDS: usize = 100;
const INTAKE: usize = 2_000;
const CLIENTS: usize = 16;

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

async fn send(http: &reqwest::Client, base: &str, body: &serde_json::Value) -> (Instant, serde_json::Value) {
    let text = body.to_string();
    let ts = now_ms().to_string();
    let sig = server::auth::signature::sign(SECRET, &ts, text.as_bytes());
    let request = http
        .post(format!("{base}/api/v1/signals"))
        .header("content-type", "application/json")
        .header("x-source", "research")
        .header("x-timestamp", ts)
        .header("x-signature", sig)
        .body(text);
    let sent = Instant::now();
    let r = request.send().await.expect("the intake answers");
    assert_eq!(r.status(), 202, "{}", r.text().await.unwrap_or_default());
    (sent, r.json().await.expect("a record"))
}

async fn run() -> (Vec<[u64; 3]>, Vec<u64>, Duration) {
    let dir = tempfile::tempdir().expect("tmp");
    let url = format!("sqlite://{}/bench.db?mode=rwc", dir.path().display());
    let db = server::db::connect(&url).await.expect("database");
    let log = EventLog::create(&dir.path().join("events"), START).expect("event log");
    let sim_clock = server::venue::sim::SimClock::manual(START);
    let sims = sim_venues(&sim_clock);
    let calls = Arc::new(Calls::default());
    let venues: Vec<DynVenue> = Venue::ALL
        .iter()
        .map(|v| Arc::new(Recording { inner: sims[v].clone(), calls: calls.clone() }) as DynVenue)
        .collect();
    let params = StrategyParams { slices: 1, slice_pause_ms: 0, ..Default::default() };
    let (runner, engine) = server::engine::run::runner(Engine::new(params, 1), venues.clone(), db.clone(), log);
    let clock = Clock::with_venue(sim_clock);
    let runner = runner.with_clock(clock.clone());
    let settings = CollectorSettings { retention_days: 7, stale_after_secs: 3_600, rediscover_secs: 30 };
    let collector_handle = CollectorHandle::new();
    let collector = Collector::new(
        collector_handle.clone(),
        venues.clone(),
        db.clone(),
        settings,
        clock.clone(),
        Notifier::new().0,
    )
    .feeding(engine.events());
    let cancel = CancellationToken::new();
    let tasks = [tokio::spawn(collector.run(cancel.clone())), tokio::spawn(runner.run(cancel.clone()))];
    tokio::time::sleep(Duration::from_millis(300)).await;
    for sim in sims.values() {
        sim.tick();
    }
    tokio::time::timeout(Duration::from_secs(30), collector_handle.wait_ready()).await.expect("collector ready");

    let auth = AuthSettings {
        session_hours: 1,
        secure_cookie: false,
        max_failures: 5,
        failure_window_secs: 60,
        admin_password: None,
    };
    // The jobs are not scheduled here; the API only needs their table.
    let defaults = server::settings::Settings::load_with_env(
        None,
        config::Environment::with_prefix("ARB").source(Some(std::collections::HashMap::new())),
    )
    .expect("settings");
    let (_refetcher, refetch) = server::refetch::refetcher(venues.clone(), db.clone(), engine.clone());
    let context = server::jobs::JobContext {
        db: db.clone(),
        db_url: defaults.database.url.clone(),
        venues: venues.clone(),
        engine: engine.clone(),
        collector: collector_handle.clone(),
        refetch,
        notifier: Notifier::new().0,
        clock: clock.clone(),
        backup: defaults.backup.clone(),
        retention_days: 7,
        job_log_days: 7,
        reports_dir: dir.path().join("reports"),
    };
    let jobs = server::jobs::Jobs::new(context, &defaults.jobs).await.expect("jobs");
    let backtests = server::backtest::jobs::BacktestJobs::new(
        db.clone(),
        Notifier::new().0,
        clock.clone(),
        server::backtest::jobs::JobSettings {
            max_threads: 1,
            seed: defaults.sim.seed,
            starting_balance: defaults.sim.starting_balance,
        },
        cancel.clone(),
    );
    let state = AppState {
        backtests,
        jobs,
        collector: collector_handle,
        db: db.clone(),
        venues,
        started_ms: clock.wall_ms(),
        clock,
        engine: engine.clone(),
        notifier: Notifier::new().0,
        health: server::health::HealthHandle::default(),
        shutdown: cancel.clone(),
        auth: Arc::new(server::auth::AuthState::new(&auth)),
        signals: SignalSettings { window_secs: 30, open_expiry_secs: 300 },
    };
    let source: app::signal::SourceRequest = serde_json::from_value(serde_json::json!({"name": "research",
        "strategies": ["carry-1", "idle"], "symbols": ["*"], "max_notional": "1000000", "actions": ["open", "close"]}))
    .expect("source");
    server::db::sources::insert(&db, &source, SECRET, now_ms()).await.expect("register");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let app = server::api::app(state, None);
    let stop = cancel.clone();
    let serving = tokio::spawn(async move {
        let _ = axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
            .with_graceful_shutdown(stop.cancelled_owned())
            .await;
    });
    let http = reqwest::Client::new();
    let hot = Symbol::new("LINK").expect("symbol");
    // Wait until an open would go straight through: balances in, market data complete.
    let ready = async {
        while engine.read(|v| v.status.as_ref().is_none_or(|s| !s.blocked.is_empty())) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_secs(6)).await;
    };
    tokio::time::timeout(Duration::from_secs(30), ready).await.expect("the engine never became ready");

    let mut latency = Vec::with_capacity(2 * ROUNDS);
    for i in 0..2 * ROUNDS {
        let opening = i % 2 == 0;
        let body = if opening {
            serde_json::json!({"signal_id": format!("o-{i}"), "strategy": "carry-1", "action": "open", "symbol": hot,
                "direction": "long_lighter_short_binance", "notional": "2000", "slices": 1})
        } else {
            serde_json::json!({"signal_id": format!("c-{i}"), "strategy": "carry-1", "action": "close", "symbol": hot})
        };
        calls.take();
        let (sent, record) = send(&http, &base, &body).await;
        let answered = Instant::now();
        tokio::time::timeout(Duration::from_secs(10), calls.wait_for(2)).await.expect("both legs sent");
        let legs = calls.take();
        let id = record["id"].as_i64().expect("id");
        // Done before the next: signals of one strategy and symbol run in order.
        let done = async {
            while engine.read(|v| v.signals.get(&id).is_none_or(|r| !r.status.is_final())) {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), done).await.expect("signal done");
        let status = engine.read(|v| v.signals.get(&id).map(|r| r.status));
        assert_eq!(status, Some(app::signal::SignalStatus::Done));
        let ns = |d: Duration| d.as_nanos() as u64;
        let (first, second) = (legs[0].min(legs[1]), legs[0].max(legs[1]));
        latency.push([ns(answered - sent), ns(first - sent), ns(second - sent)]);
    }

    // Throughput: closes of a strategy with nothing open, from concurrent clients.
    let started = Instant::now();
    let per = INTAKE / CLIENTS;
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (http, base) = (http.clone(), base.clone());
            tokio::spawn(async move {
                let mut answered = Vec::with_capacity(per);
                for n in 0..per {
                    let body = serde_json::json!({"signal_id": format!("t-{c}-{n}"), "strategy": "idle",
                        "action": "close", "symbol": "BTC"});
                    let (sent, _) = send(&http, &base, &body).await;
                    answered.push(sent.elapsed().as_nanos() as u64);
                }
                answered
            })
        })
        .collect();
    let mut intake = Vec::with_capacity(INTAKE);
    for c in clients {
        intake.extend(c.await.expect("client"));
    }
    let elapsed = started.elapsed();
    cancel.cancel();
    for t in tasks {
        let _ = t.await;
    }
    let _ = serving.await;
    (latency, intake, elapsed)
}

pub fn intake_and_latency() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let (latency, mut intake, elapsed) = rt.block_on(run());
    let us = |n: u64| n as f64 / 1000.0;
    println!(
        "\nsignals: received -> answered and -> both legs handed to the venues ({} signals, SQLite file)",
        latency.len()
    );
    println!("{:<28} {:>9} {:>9} {:>9}", "", "p50 µs", "p99 µs", "max µs");
    for (i, label) in ["received -> 202 answered", "received -> first leg", "received -> both legs"].iter().enumerate()
    {
        for (kind, pick) in [("opens", 0), ("closes", 1)] {
            let mut v: Vec<u64> = latency.iter().skip(pick).step_by(2).map(|s| s[i]).collect();
            v.sort_unstable();
            let (p50, p99, max) = (percentile(&v, 0.5), percentile(&v, 0.99), v[v.len() - 1]);
            println!("{:<28} {:>9.1} {:>9.1} {:>9.1}", format!("{label} ({kind})"), us(p50), us(p99), us(max));
        }
    }
    intake.sort_unstable();
    println!(
        "\nsignals: intake of {INTAKE} signed signals from {CLIENTS} clients in {:.2} s: {:.0} signals/s; \
         202 latency p50 {:.1} µs, p99 {:.1} µs",
        elapsed.as_secs_f64(),
        INTAKE as f64 / elapsed.as_secs_f64(),
        us(percentile(&intake, 0.5)),
        us(percentile(&intake, 0.99)),
    );
}

//! Latency from a venue update to the WebSocket message in the client, at 1, 100 and 1,000
//! connected clients (p50 and p99). A loopback load run, not criterion: each sample is one
//! venue event published into the simulated venue and received by every client.
//!
//! Run: `cargo bench -p server --bench ws_fanout`

use app::market::FundingSnapshot;
use app::ws::FundingMessage;
use app::{FundingInterval, FundingRate, Symbol, Venue};
use futures::StreamExt;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use server::venue::VenueEvent;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const SAMPLES: usize = 200;

fn settings(dir: &tempfile::TempDir) -> server::settings::Settings {
    let vars = std::collections::HashMap::from([
        ("ARB__DATA_DIR".to_string(), dir.path().display().to_string()),
        ("ARB__DATABASE__URL".to_string(), format!("sqlite://{}/bench.db?mode=rwc", dir.path().display())),
        ("ARB__ENGINE__EVENT_LOG_DIR".to_string(), format!("{}/events", dir.path().display())),
        ("ARB__SIM__STATE_DIR".to_string(), format!("{}/sim", dir.path().display())),
        // One publication at start, then quiet: only the benchmark's events flow.
        ("ARB__SIM__TICK_MS".to_string(), "3600000".to_string()),
    ]);
    let env = config::Environment::with_prefix("ARB").prefix_separator("__").separator("__").source(Some(vars));
    server::settings::Settings::load_with_env(None, env).expect("settings")
}

fn event(i: usize, t: i64) -> VenueEvent {
    VenueEvent::Funding(FundingSnapshot {
        venue: Venue::Binance,
        symbol: Symbol::new("BTC").expect("symbol"),
        // The sample number travels in the rate so each client can match it to its send time.
        predicted: FundingRate::new(Decimal::new(1_000_000 + i as i64, 10), FundingInterval::EIGHT_HOURS),
        last_settled: None,
        next_funding_ms: t + 3_600_000,
        time_ms: t,
    })
}

fn sample_of(text: &str) -> Option<usize> {
    let FundingMessage::Update(row) = serde_json::from_str(text).ok()? else { return None };
    let rate = row.binance?.rate.rate;
    let n = (rate * Decimal::from(10_000_000_000i64)).trunc().to_i64()?.checked_sub(1_000_000)?;
    let i = usize::try_from(n).ok().filter(|i| *i < SAMPLES)?;
    (row.symbol.as_str() == "BTC").then_some(i)
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx] as f64 / 1000.0
}

async fn measure(clients: usize) -> (f64, f64, usize) {
    let dir = tempfile::tempdir().expect("tmp");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let running = server::startup::start(settings(&dir), listener).await.expect("start");
    running.state.collector.wait_ready().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let url = format!("ws://{}/ws/funding-rates", running.addr);
    let (token, _) = server::auth::issue_token(&running.state.db, "bench", app::auth::Role::Viewer, "admin", 0, None)
        .await
        .expect("token");
    let origin = Instant::now();
    let sent: Arc<Vec<AtomicU64>> = Arc::new((0..SAMPLES).map(|_| AtomicU64::new(0)).collect());
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let mut req = url.as_str().into_client_request().expect("request");
        req.headers_mut().insert("authorization", format!("Bearer {token}").parse().expect("header"));
        let (mut ws, _) = tokio_tungstenite::connect_async(req).await.expect("connect");
        let _snapshot = ws.next().await;
        let sent = sent.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(SAMPLES);
            while lat.len() < SAMPLES {
                let Ok(Some(Ok(Message::Text(t)))) = tokio::time::timeout(Duration::from_secs(20), ws.next()).await
                else {
                    break;
                };
                if let Some(i) = sample_of(&t) {
                    let now = origin.elapsed().as_micros() as u64;
                    lat.push(now.saturating_sub(sent[i].load(Ordering::SeqCst)));
                }
            }
            lat
        }));
    }
    let sim = running
        .sims
        .iter()
        .find(|s| server::venue::VenueClient::venue(s.as_ref()) == Venue::Binance)
        .expect("sim")
        .clone();
    for i in 0..SAMPLES {
        sent[i].store(origin.elapsed().as_micros() as u64, Ordering::SeqCst);
        sim.publish_event(event(i, 1_800_000_000_000 + i as i64));
        // Space the samples so that each measures one update, not a queue of them.
        tokio::time::sleep(Duration::from_millis(if clients >= 1000 { 40 } else { 10 })).await;
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("client"));
    }
    running.stop().await;
    all.sort_unstable();
    (percentile(&all, 0.50), percentile(&all, 0.99), all.len())
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    println!("venue update -> WebSocket message, {SAMPLES} updates per run");
    println!("{:>8} {:>10} {:>10} {:>10}", "clients", "p50 ms", "p99 ms", "messages");
    for clients in [1, 100, 1000] {
        let (p50, p99, n) = rt.block_on(measure(clients));
        println!("{clients:>8} {p50:>10.3} {p99:>10.3} {n:>10}");
    }
}

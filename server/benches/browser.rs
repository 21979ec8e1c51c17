//! The SPA in a real browser: release wasm size (raw and gzip, as served), first render in
//! headless Chromium, and the latency from a simulated venue event to the DOM with 50 clients
//! connected (one Chromium page measuring, 49 WebSocket clients on the same stream).
//!
//! Run after a release build of the SPA:
//! `cargo xtask dist --release && cargo bench -p server --bench browser`

#[path = "../tests/browser/harness.rs"]
#[allow(dead_code)]
mod harness;

use app::market::FundingSnapshot;
use app::{FundingInterval, FundingRate, Symbol, Venue};
use futures::StreamExt;
use harness::*;
use rust_decimal::Decimal;
use server::venue::VenueEvent;
use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const RENDER_RUNS: usize = 10;
const SAMPLES: usize = 80;
const CLIENTS: usize = 50;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn wasm_size() {
    let pkg = workspace().join("dist/pkg");
    let wasm = std::fs::read_dir(&pkg)
        .expect("dist/pkg: run `cargo xtask dist --release` first")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "wasm"))
        .expect("a .wasm in dist/pkg");
    let raw = std::fs::read(&wasm).expect("read wasm");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&raw).expect("gzip");
    let gzip = gz.finish().expect("gzip").len();
    println!("wasm {}: {:.0} KiB raw, {:.0} KiB gzip", wasm.display(), raw.len() as f64 / 1024.0, gzip as f64 / 1024.0);
}

/// Milliseconds from navigation start until `selector` matches, polled in the page every 5 ms.
async fn first_render(c: &fantoccini::Client, url: &str, selector: &str) -> f64 {
    c.goto(url).await.expect("goto");
    let script = format!("return document.querySelector(\"{selector}\") ? performance.now() : null;");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(v) = c.execute(&script, vec![]).await
            && let Some(ms) = v.as_f64()
        {
            return ms;
        }
        assert!(Instant::now() < deadline, "{selector} never appeared");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn render_times(c: &fantoccini::Client, url: &str, what: &str, selector: &str) {
    let mut ms = Vec::new();
    for _ in 0..RENDER_RUNS {
        ms.push(first_render(c, url, selector).await);
    }
    ms.sort_by(f64::total_cmp);
    println!(
        "first render, {what}: median {:.0} ms, min {:.0}, max {:.0} ({RENDER_RUNS} loads, ±5 ms polling)",
        percentile(&ms, 0.5),
        ms[0],
        ms[ms.len() - 1]
    );
}

fn event(i: usize) -> VenueEvent {
    // 0.0001 per 8 h steps: the APR cell shows (i + 1) × 10.95 %, one distinct value per sample.
    let rate = Decimal::new(i as i64 + 1, 4);
    VenueEvent::Funding(FundingSnapshot {
        venue: Venue::Binance,
        symbol: Symbol::new("BTC").expect("symbol"),
        predicted: FundingRate::new(rate, FundingInterval::EIGHT_HOURS),
        last_settled: None,
        next_funding_ms: 1_900_000_000_000,
        time_ms: 1_800_000_000_000 + i as i64,
    })
}

fn epoch_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs_f64() * 1000.0
}

/// Record every change of BTC's Binance APR cell with its time (epoch ms, sub-ms).
const OBSERVE: &str = r#"
    window.__changes = [];
    const cell = document.querySelector("tr[data-symbol='BTC'] td[data-col='binance-apr']");
    new MutationObserver(() => window.__changes.push([cell.textContent, performance.timeOrigin + performance.now()]))
        .observe(cell, {subtree: true, childList: true, characterData: true});
    return !!cell;
"#;

async fn dom_latency(c: &fantoccini::Client, running: &server::startup::Running, url: &str) {
    login(c, url, VIEWER).await;
    let cell = "tr[data-symbol='BTC'] td[data-col='binance-apr']";
    first_render(c, url, cell).await;
    // The other 49 clients: the same stream over WebSockets, drained continuously.
    let (token, _) = server::auth::issue_token(&running.state.db, "bench", app::auth::Role::Viewer, "viewer", 0, None)
        .await
        .expect("token");
    let mut drains = Vec::new();
    for _ in 1..CLIENTS {
        let mut req = format!("ws://{}/ws/funding-rates", running.addr).into_client_request().expect("request");
        req.headers_mut().insert("authorization", format!("Bearer {token}").parse().expect("header"));
        let (mut ws, _) = tokio_tungstenite::connect_async(req).await.expect("client");
        drains.push(tokio::spawn(async move { while let Some(Ok(_)) = ws.next().await {} }));
    }
    assert_eq!(c.execute(OBSERVE, vec![]).await.expect("observer"), serde_json::json!(true));
    let sim =
        running.sims.iter().find(|s| server::venue::VenueClient::venue(s.as_ref()) == Venue::Binance).expect("sim");
    let mut sent = Vec::new();
    for i in 0..SAMPLES {
        sent.push(epoch_ms());
        sim.publish_event(event(i));
        // One update at a time: each sample measures a path, not a queue.
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let changes = c.execute("return window.__changes;", vec![]).await.expect("changes");
    let changes: Vec<(String, f64)> = serde_json::from_value(changes).expect("pairs");
    let mut latencies = Vec::new();
    for (i, at) in sent.iter().enumerate() {
        let want = Decimal::new(1095, 2) * Decimal::from(i as i64 + 1);
        let seen = changes.iter().find(|(text, _)| {
            let digits: String = text.chars().filter(|c| c.is_ascii_digit() || *c == '.' || *c == '-').collect();
            digits.parse::<Decimal>().is_ok_and(|d| d == want)
        });
        if let Some((_, t)) = seen {
            latencies.push(t - at);
        }
    }
    for d in drains {
        d.abort();
    }
    assert!(latencies.len() >= SAMPLES * 9 / 10, "only {} of {SAMPLES} updates seen in the DOM", latencies.len());
    latencies.sort_by(f64::total_cmp);
    println!(
        "venue event -> DOM, {CLIENTS} clients: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} of {SAMPLES} samples)",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies[latencies.len() - 1],
        latencies.len()
    );
}

fn main() {
    wasm_size();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    // Quiet simulators (one publication an hour): only the benchmark's events change the cell.
    rt.block_on(session(&[("ARB__SIM__TICK_MS", "3600000")], async |s| {
        let (c, url) = (&s.client, s.url());
        render_times(c, &url, "login page (anonymous)", "#login-form").await;
        login(c, &url, VIEWER).await;
        render_times(c, &url, "dashboard with the funding board (signed in)", "table#funding-board tbody tr").await;
        dom_latency(c, s.running(), &url).await;
    }));
}

//! Decision → delivery: how long from the engine's notification of a risk exit (and of the
//! kill switch) to its arrival at a fake Telegram, a real SMTP sink and a JSON webhook, all on
//! loopback, with the real server on the simulators. A load run, not criterion: each sample
//! is one risk exit (a stop-loss tight enough that fees trip it as soon as a position is open).
//!
//! The decision's instant is when the notification reaches the notifier's live stream (the
//! same `publish` call that queues it for the outbox); the arrival is when each fake received
//! it. Run: `cargo bench -p server --bench notify` (`NOTIFY_SAMPLES`, default 40).

use app::notification::Kind;
use fakes::smtp::SmtpSink;
use fakes::telegram::FakeTelegram;
use fakes::webhook::WebhookSink;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "1:bench-token";

fn settings(
    dir: &tempfile::TempDir,
    tg: &FakeTelegram,
    smtp: &SmtpSink,
    hooks: &WebhookSink,
) -> server::settings::Settings {
    let d = dir.path().display();
    let vars: HashMap<String, String> = [
        ("ARB__DATABASE__URL", format!("sqlite://{d}/bench.db?mode=rwc")),
        ("ARB__ENGINE__EVENT_LOG_DIR", format!("{d}/events")),
        ("ARB__SIM__STATE_DIR", format!("{d}/sim")),
        ("ARB__SIM__SPEED", "60".into()),
        ("ARB__SIM__TICK_MS", "100".into()),
        ("ARB__NOTIFY__TELEGRAM__BOT_TOKEN", TOKEN.into()),
        ("ARB__NOTIFY__TELEGRAM__API_URL", tg.url()),
        ("ARB__NOTIFY__TELEGRAM__CHAT_IDS", "42".into()),
        ("ARB__NOTIFY__EMAIL__SMTP_URL", smtp.url()),
        ("ARB__NOTIFY__EMAIL__TLS", "none".into()),
        ("ARB__NOTIFY__EMAIL__FROM", "arb@example.com".into()),
        ("ARB__NOTIFY__EMAIL__TO", "desk@example.com".into()),
        ("ARB__NOTIFY__WEBHOOKS__HOOK__KIND", "json".into()),
        ("ARB__NOTIFY__WEBHOOKS__HOOK__URL", hooks.url("json")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let env = config::Environment::with_prefix("ARB").prefix_separator("__").separator("__").source(Some(vars));
    server::settings::Settings::load_with_env(None, env).expect("settings")
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(what: &str, mut ms: Vec<f64>) {
    ms.sort_by(|a, b| a.total_cmp(b));
    if ms.is_empty() {
        println!("{what:<28} no sample");
        return;
    }
    println!(
        "{what:<28} n={:<4} p50 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms",
        ms.len(),
        percentile(&ms, 0.5),
        percentile(&ms, 0.99),
        ms[ms.len() - 1]
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let samples: usize = std::env::var("NOTIFY_SAMPLES").ok().and_then(|v| v.parse().ok()).unwrap_or(40);
    let (tg, smtp, hooks) = (FakeTelegram::spawn(TOKEN).await, SmtpSink::spawn().await, WebhookSink::spawn(None).await);
    let dir = tempfile::tempdir().expect("tmp");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let running = server::startup::start(settings(&dir, &tg, &smtp, &hooks), listener).await.expect("start");
    running.state.collector.wait_ready().await;
    let (token, _) = server::auth::issue_token(&running.state.db, "bench", app::auth::Role::Admin, "admin", 0, None)
        .await
        .expect("token");
    let http = reqwest::Client::new();
    let url = |path: &str| format!("http://{}/api/v1{path}", running.addr);
    let auth = format!("Bearer {token}");

    // The decision instants, by headline.
    let decided: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let mut live = running.state.notifier.subscribe();
    let d = decided.clone();
    tokio::spawn(async move {
        while let Ok(n) = live.recv().await {
            if matches!(n.kind, Some(Kind::RiskExit | Kind::KillSwitch)) {
                d.lock().unwrap().insert(n.headline(), Instant::now());
            }
        }
    });

    let cfg: Value =
        http.get(url("/config")).header("authorization", &auth).send().await.unwrap().json().await.unwrap();
    let mut p = cfg["params"].clone();
    p["stop_loss"] = json!("0.0001");
    p["slice_pause_ms"] = json!(0);
    p["slippage_cap_bps"] = json!(200);
    p["auto_open"] = json!(false);
    let r = http.put(url("/config")).header("authorization", &auth).json(&p).send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap_or_default());

    let symbols = ["ETH", "BTC"];
    let mut headlines = Vec::new();
    let started = Instant::now();
    for i in 0..samples {
        let body = json!({"symbol": symbols[i % 2], "direction": "long_lighter_short_binance", "notional": "3000", "slices": 2});
        let deadline = Instant::now() + Duration::from_secs(60);
        let id = loop {
            let r = http.post(url("/orders/open")).header("authorization", &auth).json(&body).send().await.unwrap();
            if r.status().is_success() {
                let ack: Value = r.json().await.unwrap();
                break ack["positions"][0].as_i64().unwrap();
            }
            assert!(Instant::now() < deadline, "open refused: {}", r.text().await.unwrap_or_default());
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let headline = format!("WARNING Risk exit on position {id}");
        let arrived = |h: &str| {
            let h = h.to_owned();
            let (tg, smtp, hooks) = (tg.clone(), smtp.clone(), hooks.clone());
            async move {
                tg.wait_for(Duration::from_secs(60), |m| m.iter().any(|m| m.text.starts_with(&h))).await;
                smtp.wait_for(Duration::from_secs(60), |m| m.iter().any(|m| m.data.contains(&format!("Subject: {h}"))))
                    .await;
                hooks.wait_for("json", Duration::from_secs(60), |x| x.iter().any(|x| x.text.starts_with(&h))).await;
            }
        };
        arrived(&headline).await;
        headlines.push(headline);
    }
    let kill = "CRITICAL Kill switch".to_owned();
    running.state.engine.command(server::engine::Command::Kill).await.expect("kill");
    let wait_kill = async {
        tg.wait_for(Duration::from_secs(60), |m| m.iter().any(|m| m.text.starts_with(&kill))).await;
        smtp.wait_for(Duration::from_secs(60), |m| m.iter().any(|m| m.data.contains(&format!("Subject: {kill}"))))
            .await;
        hooks.wait_for("json", Duration::from_secs(60), |x| x.iter().any(|x| x.text.starts_with(&kill))).await;
    };
    wait_kill.await;

    let decided = decided.lock().unwrap().clone();
    let latency = |headline: &str, at: Option<Instant>| -> Option<f64> {
        Some(at?.duration_since(*decided.get(headline)?).as_secs_f64() * 1000.0)
    };
    let (sent, mails, posts) = (tg.sent(), smtp.mails(), hooks.hooks("json"));
    let mut all = Vec::new();
    for (channel, kind) in [
        ("telegram", "risk exit"),
        ("email", "risk exit"),
        ("webhook", "risk exit"),
        ("telegram", "kill"),
        ("email", "kill"),
        ("webhook", "kill"),
    ] {
        let heads: Vec<&String> = if kind == "kill" { vec![&kill] } else { headlines.iter().collect() };
        let ms: Vec<f64> = heads
            .iter()
            .filter_map(|h| {
                let at = match channel {
                    "telegram" => sent.iter().find(|m| m.text.starts_with(h.as_str())).map(|m| m.at),
                    "email" => mails.iter().find(|m| m.data.contains(&format!("Subject: {h}"))).map(|m| m.at),
                    _ => posts.iter().find(|x| x.text.starts_with(h.as_str())).map(|x| x.at),
                };
                latency(h, at)
            })
            .collect();
        all.extend(ms.iter().copied());
        report(&format!("{kind} → {channel}"), ms);
    }
    report("all", all);
    println!("{samples} risk exits and one kill switch in {:.0} s", started.elapsed().as_secs_f64());
    running.stop().await;
}

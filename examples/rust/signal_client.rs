//! Send signals to the funding-arbitrage platform and follow them, in Rust: the same client as
//! `examples/python/signal_client.py`. A registered source signs each request:
//! `X-Signature = hex(HMAC-SHA256(secret, "<X-Timestamp>\n<exact body bytes>"))`.
//!
//! ```sh
//! export ARB_URL=http://127.0.0.1:8080 ARB_SOURCE=research ARB_SECRET=sig_...
//! cargo run -p server --example signal_client -- demo carry-1 ETH 3000
//! cargo run -p server --example signal_client -- open carry-1 ETH 3000
//! cargo run -p server --example signal_client -- close carry-1 ETH
//! ```
//!
//! It prints each final record as JSON and exits 0 when every signal is done. Polling re-sends
//! the same signed body: the signal id is the idempotency key, so the platform answers the
//! record as it is now and never acts twice.

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

struct Client {
    http: reqwest::Client,
    url: String,
    source: String,
    secret: String,
}

impl Client {
    /// hex(HMAC-SHA256(secret, "<timestamp>\n<body>")).
    fn sign(&self, timestamp: &str, body: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.secret.as_bytes()).expect("any key length");
        mac.update(timestamp.as_bytes());
        mac.update(b"\n");
        mac.update(body);
        hex::encode(mac.finalize().into_bytes())
    }

    /// POST the signal, signed: its record (202), or the error naming the field or reason.
    async fn send(&self, signal: &Value) -> Result<Value, String> {
        let body = serde_json::to_vec(signal).map_err(|e| e.to_string())?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_err(|e| e.to_string())?;
        let timestamp = now.as_millis().to_string();
        let response = self
            .http
            .post(format!("{}/api/v1/signals", self.url))
            .header("content-type", "application/json")
            .header("x-source", &self.source)
            .header("x-timestamp", &timestamp)
            .header("x-signature", self.sign(&timestamp, &body))
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let value: Value = response.json().await.map_err(|e| e.to_string())?;
        if status.as_u16() == 202 { Ok(value) } else { Err(format!("HTTP {status}: {value}")) }
    }

    /// Until the signal is final (done, failed, expired, cancelled or rejected).
    async fn follow(&self, signal: &Value) -> Result<Value, String> {
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut record = self.send(signal).await?;
        eprintln!("accepted: id {}, {}", record["id"], record["status"]);
        while matches!(record["status"].as_str(), Some("received" | "executing")) {
            if Instant::now() > deadline {
                return Err(format!("still {} after two minutes", record["status"]));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            record = self.send(signal).await?;
        }
        Ok(record)
    }
}

fn unique(kind: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{kind}-{nanos:x}")
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let env = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("set {k}"));
    let client = Client {
        http: reqwest::Client::new(),
        url: std::env::var("ARB_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into()),
        source: env("ARB_SOURCE"),
        secret: env("ARB_SECRET"),
    };
    let (command, strategy, symbol) = match args.as_slice() {
        [c, s, y, ..] => (c.as_str(), s.clone(), y.clone()),
        _ => {
            eprintln!("usage: signal_client open|close|demo <strategy> <symbol> [notional]");
            std::process::exit(2);
        }
    };
    let notional = args.get(3).cloned().unwrap_or_else(|| "1000".into());
    let open = json!({"signal_id": unique("open"), "strategy": strategy, "action": "open", "symbol": symbol,
        "direction": "long_lighter_short_binance", "notional": notional});
    let close = json!({"signal_id": unique("close"), "strategy": strategy, "action": "close", "symbol": symbol});
    let plan = match command {
        "open" => vec![open],
        "close" => vec![close],
        "demo" => vec![open, close],
        other => {
            eprintln!("unknown command {other}");
            std::process::exit(2);
        }
    };
    for signal in plan {
        match client.follow(&signal).await {
            Ok(record) => {
                println!("{}", serde_json::to_string_pretty(&record).unwrap_or_default());
                if record["status"] != "done" {
                    std::process::exit(1);
                }
            }
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        }
    }
}

//! Secrets never show: not in the logs (captured here at the production level, for every test
//! of this binary), not in any API answer an admin's pages read (channels, deliveries, test
//! answers, audit), even when a channel fails with its secret URL in the request.

use crate::fixture::{self, FEISHU_SECRET, SMTP_PASSWORD, TOKEN};
use crate::helpers::{admin_app, call};
use app::notification::{Kind, Level, Notification};
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

const HOOK_SECRET: &str = "SECRET-webhook-path-0xdeadbeef";

#[derive(Clone)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every log line of this test binary, at the level `main` logs at by default.
fn logs() -> &'static Buffer {
    static LOGS: OnceLock<Buffer> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Buffer(Arc::default());
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn"))
            .with_writer(move || writer.clone())
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
        buffer
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_appear_in_logs_or_answers() {
    let logs = logs();
    // One more webhook, whose secret URL answers nothing: its errors are logged and stored.
    let dead = format!("http://127.0.0.1:9/hook/{HOOK_SECRET}");
    let app =
        fixture::spawn(&[("ARB__NOTIFY__WEBHOOKS__DEAD__KIND", "slack"), ("ARB__NOTIFY__WEBHOOKS__DEAD__URL", &dead)])
            .await;
    let s = &app.running.state;
    let r = admin_app(s).await;
    // Telegram refuses once: its error is logged and stored too.
    app.fakes.telegram.refuse_next(1, 0);
    s.notifier.publish(Notification::new(Level::Critical, Kind::DrawdownBreaker, 1, "Drawdown breaker", "x"));
    app.fakes.telegram.wait_for(Duration::from_secs(20), |m| !m.is_empty()).await;
    app.fakes.smtp.wait_for(Duration::from_secs(20), |m| !m.is_empty()).await;
    let mut answers = Vec::new();
    for channel in ["telegram", "email", "feishu", "dead"] {
        let (_, v) = call(&r, "POST", "/api/v1/notifications/test", Some(json!({"channel": channel}))).await;
        answers.push(v);
    }
    assert_eq!(answers[3]["status"], "pending", "the dead webhook is retried: {}", answers[3]);
    assert!(answers[3]["answer"].as_str().unwrap_or_default().contains("no answer"), "{}", answers[3]);
    for path in
        ["/notifications/channels", "/notifications/deliveries?limit=500", "/audit?limit=500", "/config", "/status"]
    {
        let (_, v) = call(&r, "GET", &format!("/api/v1{path}"), None).await;
        answers.push(v);
    }
    let channels = answers[4].to_string();
    assert!(channels.contains("\"destination\":\"127.0.0.1\""), "a webhook shows its host only: {channels}");

    let printed_settings = format!(
        "{:?}",
        crate::helpers::settings(&[("ARB__NOTIFY__TELEGRAM__BOT_TOKEN", TOKEN)], &tempfile::tempdir().unwrap())
    );
    let logged = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(logged.contains("delivery will be retried"), "the failures were logged: {logged}");
    for secret in ["SECRET-t0k3n", SMTP_PASSWORD, FEISHU_SECRET, HOOK_SECRET] {
        assert!(!logged.contains(secret), "{secret} in the logs");
        assert!(!printed_settings.contains(secret), "{secret} in the settings' debug print");
        for a in &answers {
            assert!(!a.to_string().contains(secret), "{secret} in an answer: {a}");
        }
    }
}

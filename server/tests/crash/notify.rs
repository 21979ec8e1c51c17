//! The outbox across SIGKILLs: a warning whose delivery Telegram keeps refusing (429) when the
//! server is killed is delivered exactly once after the restart; killed again after the
//! acknowledgement, it is never sent again. And the real binary's log never holds the token.

use super::Node;
use fakes::telegram::FakeTelegram;
use serde_json::json;
use std::time::{Duration, Instant};

const TOKEN: &str = "77:crash-SECRET-token";
const PAUSED: &str = "WARNING Opening paused";

fn count(tg: &FakeTelegram, text: &str) -> usize {
    tg.sent().iter().filter(|m| m.text.starts_with(text)).count()
}

/// A test message queued now goes out after everything pending before it: once it is
/// answered, nothing older is left to send.
async fn drain(node: &Node) {
    let (status, answer) = node.post("/notifications/test", json!({"channel": "telegram"})).await;
    assert_eq!((status, answer["status"].as_str()), (200, Some("sent")), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_with_a_delivery_pending_then_restart_delivers_it_exactly_once() {
    let tg = FakeTelegram::spawn(TOKEN).await;
    let dir = tempfile::tempdir().unwrap();
    let mut node = Node::new(dir.path());
    node.env = [
        ("ARB__NOTIFY__TELEGRAM__BOT_TOKEN", TOKEN.to_owned()),
        ("ARB__NOTIFY__TELEGRAM__API_URL", tg.url()),
        ("ARB__NOTIFY__TELEGRAM__CHAT_IDS", "42".to_owned()),
        ("ARB__NOTIFY__RETRY_BASE_MS", "200".to_owned()),
        ("ARB__NOTIFY__RETRY_MAX_SECS", "1".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    tg.storm(Duration::from_secs(3600), 1);
    node.start().await;
    node.command("/engine/pause", json!(null)).await;
    // Tried and refused, at least twice: the delivery is pending with attempts behind it.
    let deadline = Instant::now() + Duration::from_secs(30);
    while tg.refused().0 < 2 {
        assert!(Instant::now() < deadline, "the warning was never attempted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    node.kill();
    assert_eq!(count(&tg, PAUSED), 0);

    // The storm ends while the server is down; it resumes the pending delivery.
    tg.storm(Duration::ZERO, 0);
    node.start().await;
    tg.wait_for(Duration::from_secs(30), |m| m.iter().any(|m| m.text.starts_with(PAUSED))).await;
    drain(&node).await;
    assert_eq!(count(&tg, PAUSED), 1, "delivered exactly once after the restart");

    // Acknowledged and marked: a kill and a restart send it no more.
    node.kill();
    node.start().await;
    drain(&node).await;
    assert_eq!(count(&tg, PAUSED), 1, "never sent again after its acknowledgement");
    let rows: serde_json::Value = node.get("/notifications/deliveries?channel=telegram").await;
    let row = rows.as_array().unwrap().iter().find(|r| r["headline"] == PAUSED).expect("the row").clone();
    assert_eq!(row["status"], "sent", "{row}");
    assert!(row["attempts"].as_i64().unwrap() >= 3, "tried before the kill and after: {row}");
    node.kill();
    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
    assert!(log.contains("delivery will be retried"), "the refusals were logged: {log}");
    assert!(!log.contains("SECRET-token"), "the bot token is in the server's log");
}

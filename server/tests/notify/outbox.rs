//! The outbox under pressure: a 429 storm from Telegram loses nothing and every wait it asked
//! for is kept; a storm of identical warnings becomes at most three messages per channel that
//! count every repeat.

use crate::fixture::{self, WAIT};
use crate::helpers::{admin_app, call};
use app::notification::{Kind, Level, Notification};
use app::outbox::{DeliveryStatus, DeliveryView};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_loses_nothing_and_every_retry_after_is_kept() {
    let app = fixture::spawn(&[]).await;
    let (s, f) = (&app.running.state, &app.fakes);
    // For 4 s every send is answered 429 "retry after 1".
    f.telegram.storm(Duration::from_secs(4), 1);
    let started = Instant::now();
    for i in 0..8 {
        s.notifier
            .publish(Notification::new(Level::Warning, Kind::OrderRefused, 1, format!("refused {i}"), "").about(i));
    }
    let sent = f.telegram.wait_for(Duration::from_secs(60), |m| m.len() >= 8).await;
    let mut texts: Vec<&str> = sent.iter().map(|m| m.text.as_str()).collect();
    texts.sort();
    let want: Vec<String> = (0..8).map(|i| format!("WARNING refused {i}")).collect();
    assert_eq!(texts, want.iter().map(String::as_str).collect::<Vec<_>>(), "each once, none lost");
    let (refused, early) = f.telegram.refused();
    assert!(refused >= 3, "the storm was felt: {refused} refusals");
    assert_eq!(early, 0, "no retry came before the retry_after it was given");
    assert!(sent.iter().all(|m| m.at >= started + Duration::from_secs(4)), "nothing got through the storm");
    // And the rows say so.
    let r = admin_app(s).await;
    let (_, v) = call(&r, "GET", "/api/v1/notifications/deliveries?channel=telegram", None).await;
    let rows: Vec<DeliveryView> = serde_json::from_value(v).unwrap();
    assert!(rows.iter().all(|d| d.status == DeliveryStatus::Sent), "{rows:#?}");
    assert!(rows.iter().any(|d| d.attempts > 1), "{rows:#?}");
}

/// How many warnings a message stands for: a summary (`… — 998 more times in 12 s`) the
/// repeats it reports, any other one itself.
fn count(text: &str) -> usize {
    let Some((_, rest)) = text.split_once('—') else { return 1 };
    rest.split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or(1)
}

/// A mail's subject, unfolded and with its RFC 2047 words (`=?utf-8?b?…?=`) decoded.
fn subject(data: &str) -> String {
    use base64::Engine as _;
    let mut lines = data.lines().skip_while(|l| !l.starts_with("Subject:"));
    let mut raw = lines.next().unwrap_or_default().trim_start_matches("Subject:").to_owned();
    for l in lines.take_while(|l| l.starts_with(' ') || l.starts_with('\t')) {
        raw.push_str(l);
    }
    raw.split_whitespace()
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            match lower.strip_prefix("=?utf-8?b?").and_then(|_| w.get(10..w.len().saturating_sub(2))) {
                Some(b64) => {
                    String::from_utf8_lossy(&base64::engine::general_purpose::STANDARD.decode(b64).unwrap_or_default())
                        .into_owned()
                }
                None => format!("{w} "),
            }
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storm_of_a_thousand_identical_warnings_is_at_most_three_messages_per_channel() {
    // The window spans the storm (the default is 5 min; this keeps the test to seconds).
    let app = fixture::spawn(&[("ARB__NOTIFY__FOLD_WINDOW_SECS", "12")]).await;
    let (s, f) = (&app.running.state, &app.fakes);
    let started = Instant::now();
    for burst in 0..10 {
        for _ in 0..100 {
            let n = Notification::new(Level::Warning, Kind::VenueStale, 1, "BTC data stale on lighter", "no update");
            s.notifier.publish(n.about("lighter"));
        }
        tokio::time::sleep_until((started + Duration::from_secs(burst + 1)).into()).await;
    }
    // The summary goes out when the window closes. Storing 1,000 notifications with a delivery
    // row per channel takes a while on a loaded machine: wait for the count, not for a time.
    let tg = f
        .telegram
        .wait_for(Duration::from_secs(120), |m| m.iter().map(|m| count(&m.text)).sum::<usize>() >= 1000)
        .await;
    let mails = f.smtp.wait_for(WAIT, |m| m.len() >= 2).await;
    let slack = f.hooks.wait_for("slack", WAIT, |h| h.iter().map(|h| count(&h.text)).sum::<usize>() >= 1000).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    for (channel, texts) in [
        ("telegram", tg.iter().map(|m| m.text.clone()).collect::<Vec<_>>()),
        ("slack", slack.iter().map(|h| h.text.clone()).collect()),
    ] {
        assert!(texts.len() <= 3, "{channel}: {texts:#?}");
        assert_eq!(texts.iter().map(|t| count(t)).sum::<usize>(), 1000, "{channel}: {texts:#?}");
        assert!(texts[1].starts_with("WARNING BTC data stale on lighter — "), "{channel}: {texts:#?}");
        assert!(texts[1].contains("more times in 12 s"), "{channel}: {texts:#?}");
    }
    assert!(mails.len() <= 3, "{}", mails.len());
    let subjects: Vec<String> = mails.iter().map(|m| subject(&m.data)).collect();
    assert_eq!(subjects.iter().map(|s| count(s)).sum::<usize>(), 1000, "{subjects:#?}");
    for service in ["discord", "feishu", "wecom", "json"] {
        assert!(f.hooks.hooks(service).len() <= 3, "{service}");
    }
    // Every repeat is on record: suppressed and pointing at its summary.
    let r = admin_app(s).await;
    let (_, v) =
        call(&r, "GET", "/api/v1/notifications/deliveries?channel=telegram&status=suppressed&limit=500", None).await;
    let rows: Vec<DeliveryView> = serde_json::from_value(v).unwrap();
    assert!(rows.len() >= 490 && rows.iter().all(|d| d.folded_into.is_some()), "{}", rows.len());
}

//! Each channel delivers in its own shape, within its size limit, by its rules; the test button
//! shows the channel's answer; a failing channel alerts the others, once, and never itself.

use crate::fixture::{self, CHAT, WAIT};
use crate::helpers::{admin_app, call};
use app::notification::{Kind, Level, Notification};
use app::outbox::{DeliveryStatus, DeliveryView, TestAnswer};
use axum::http::StatusCode;
use serde_json::json;
use std::time::Duration;

const WEBHOOKS: [&str; 5] = ["slack", "discord", "feishu", "wecom", "json"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warning_reaches_every_channel_in_its_own_shape() {
    let app = fixture::spawn(&[]).await;
    let (s, f) = (&app.running.state, &app.fakes);
    let n = Notification::new(Level::Warning, Kind::VenueStale, 1, "BTC data stale on lighter", "no update for 31 s");
    s.notifier.publish(n.about("lighter"));

    let sent = f.telegram.wait_for(WAIT, |m| m.iter().any(|m| m.text.starts_with("WARNING BTC data stale"))).await;
    let tg = sent.iter().find(|m| m.text.starts_with("WARNING BTC data stale")).expect("telegram");
    assert_eq!(
        (tg.chat_id, tg.text.as_str(), tg.silent),
        (CHAT, "WARNING BTC data stale on lighter\nno update for 31 s", false)
    );

    let mails = f.smtp.wait_for(WAIT, |m| !m.is_empty()).await;
    let mail = &mails[0];
    assert_eq!(
        (mail.from.as_str(), mail.to.as_slice(), mail.user.as_deref()),
        ("arb@example.com", &["desk@example.com".to_owned()][..], Some("arb"))
    );
    assert!(mail.data.contains("Subject: WARNING BTC data stale on lighter"), "{}", mail.data);
    assert!(
        mail.data.contains("text/plain") && mail.data.contains("text/html") && mail.data.contains("<table"),
        "{}",
        mail.data
    );

    for service in WEBHOOKS {
        let hooks = f.hooks.wait_for(service, WAIT, |h| !h.is_empty()).await;
        assert_eq!(hooks.len(), 1, "{service}");
        assert!(hooks[0].text.contains("BTC data stale on lighter"), "{service}: {}", hooks[0].text);
    }
    assert!(f.hooks.bad().is_empty(), "bodies of the wrong shape or signature: {:?}", f.hooks.bad());
    assert!(f.hooks.hooks("wecom")[0].text.starts_with("<font color=\"warning\">WARNING</font>"));
    assert_eq!(f.hooks.hooks("json")[0].body["notification"]["kind"], "venue_stale");

    // The outbox lists one sent row per channel, each with the channel's answer.
    let r = admin_app(s).await;
    let rows = wait_rows(&r, "?status=sent", |rows| rows.len() >= 7).await;
    let channels: std::collections::BTreeSet<&str> = rows.iter().map(|d| d.channel.as_str()).collect();
    assert_eq!(channels.len(), 7, "{rows:#?}");
    assert!(rows.iter().all(|d| d.attempts == 1 && d.last_answer.is_some()), "{rows:#?}");
    let feishu = rows.iter().find(|d| d.channel == "feishu").unwrap();
    assert!(feishu.last_answer.as_deref().unwrap().contains("\"code\":0"), "{feishu:?}");
}

async fn wait_rows(r: &axum::Router, query: &str, done: impl Fn(&[DeliveryView]) -> bool) -> Vec<DeliveryView> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let (s, v) = call(r, "GET", &format!("/api/v1/notifications/deliveries{query}"), None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let rows: Vec<DeliveryView> = serde_json::from_value(v).unwrap();
        if done(&rows) || std::time::Instant::now() > deadline {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_messages_are_split_by_characters_or_cut_by_bytes() {
    let app = fixture::spawn(&[]).await;
    let (s, f) = (&app.running.state, &app.fakes);
    // 5,000 three-byte characters: 15,000 bytes.
    let long = "数".repeat(5000);
    s.notifier.publish(Notification::new(Level::Warning, Kind::ReconciliationDifference, 1, "Long", long.clone()));

    let tg = f.telegram.wait_for(WAIT, |m| m.len() >= 2).await;
    assert_eq!(
        tg.iter().map(|m| m.text.chars().count()).collect::<Vec<_>>(),
        [4096, "WARNING Long\n".len() + 5000 - 4096]
    );
    assert_eq!(tg.iter().map(|m| m.text.as_str()).collect::<String>(), format!("WARNING Long\n{long}"), "nothing lost");
    let discord = f.hooks.wait_for("discord", WAIT, |h| h.len() >= 3).await;
    assert_eq!(discord.len(), 3);
    assert!(discord.iter().all(|h| h.text.chars().count() <= 2000));
    let wecom = f.hooks.wait_for("wecom", WAIT, |h| !h.is_empty()).await;
    assert!(wecom[0].text.len() <= 4096 && wecom[0].text.ends_with("(truncated)"), "{}", wecom[0].text.len());
    let feishu = f.hooks.wait_for("feishu", WAIT, |h| !h.is_empty()).await;
    assert!(feishu[0].text.len() <= 18_000 && feishu[0].text.len() > 14_000);
    assert!(f.hooks.bad().is_empty(), "{:?}", f.hooks.bad());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_by_level_and_kind_with_critical_always_on() {
    let app = fixture::spawn(&[
        ("ARB__NOTIFY__TELEGRAM__KINDS__RISK_EXIT", "silent"),
        ("ARB__NOTIFY__TELEGRAM__KINDS__VENUE_DOWN", "off"),
        ("ARB__NOTIFY__TELEGRAM__KINDS__KILL_SWITCH", "off"),
    ])
    .await;
    let (s, f) = (&app.running.state, &app.fakes);
    let r = admin_app(s).await;
    let publish = |level, kind, title: &str| s.notifier.publish(Notification::new(level, kind, 1, title, ""));
    publish(Level::Info, Kind::PositionOpened, "info below the minimum");
    publish(Level::Warning, Kind::VenueDown, "kind off");
    publish(Level::Warning, Kind::RiskExit, "silent kind");
    publish(Level::Critical, Kind::KillSwitch, "critical though off");
    // The writer handles notifications in order: once the critical one is out, the rules
    // below apply only to what comes after.
    f.telegram.wait_for(WAIT, |m| m.len() >= 2).await;
    // An admin turns venue_down back on from the Config page: the next one goes out.
    let rules = json!({"min_level": "warning", "kinds": {"risk_exit": "silent"}});
    let (st, v) = call(&r, "PUT", "/api/v1/notifications/channels/telegram/rules", Some(rules)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["edited"], true);
    publish(Level::Warning, Kind::VenueDown, "kind on again");

    f.telegram.wait_for(WAIT, |m| m.len() >= 3).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent: Vec<(String, bool)> = f.telegram.sent().iter().map(|m| (m.text.clone(), m.silent)).collect();
    assert_eq!(
        sent,
        [
            ("WARNING silent kind".to_owned(), true),
            ("CRITICAL critical though off".to_owned(), false),
            ("WARNING kind on again".to_owned(), false)
        ],
        "{sent:?}"
    );
    let (_, channels) = call(&r, "GET", "/api/v1/notifications/channels", None).await;
    assert_eq!(channels.as_array().unwrap().len(), 7, "{channels}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_test_shows_each_channels_answer() {
    // Feishu is given the wrong signing secret: the receiver refuses its signature.
    let app = fixture::spawn(&[("ARB__NOTIFY__WEBHOOKS__FEISHU__SECRET", "not-the-secret")]).await;
    let r = admin_app(&app.running.state).await;
    let test = |channel: &'static str| {
        let r = r.clone();
        async move {
            let (s, v) = call(&r, "POST", "/api/v1/notifications/test", Some(json!({"channel": channel}))).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            serde_json::from_value::<TestAnswer>(v).unwrap()
        }
    };
    let tg = test("telegram").await;
    assert_eq!(tg.status, DeliveryStatus::Sent, "{tg:?}");
    assert!(tg.answer.as_deref().unwrap().starts_with("200 ok message_id"), "{tg:?}");
    let mail = test("email").await;
    assert!(mail.answer.as_deref().unwrap().starts_with("250"), "{mail:?}");
    let feishu = test("feishu").await;
    assert_eq!(feishu.status, DeliveryStatus::Failed, "{feishu:?}");
    assert!(feishu.answer.as_deref().unwrap().contains("19021"), "{feishu:?}");
    let (s, v) = call(&r, "POST", "/api/v1/notifications/test", Some(json!({"channel": "pager"}))).await;
    assert_eq!((s, v["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("channel")), "{v}");
    assert!(app.fakes.telegram.sent()[0].text.starts_with("INFO Test message"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_channel_alerts_the_others_once_and_never_itself() {
    let app = fixture::spawn(&[("ARB__NOTIFY__WEBHOOKS__FEISHU__SECRET", "not-the-secret")]).await;
    let (s, f) = (&app.running.state, &app.fakes);
    for i in 0..3 {
        s.notifier
            .publish(Notification::new(Level::Warning, Kind::VenueDown, 1, format!("venue down {i}"), "").about(i));
    }
    // Three failures on Feishu: one alert to the others at once, the repeats folded.
    let sent =
        f.telegram.wait_for(WAIT, |m| m.iter().any(|m| m.text.starts_with("WARNING feishu delivery failed"))).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let alerts = f.telegram.sent().iter().filter(|m| m.text.contains("feishu delivery failed")).count();
    assert_eq!(alerts, 1, "{sent:?}");
    let r = admin_app(s).await;
    let (_, v) = call(&r, "GET", "/api/v1/notifications/deliveries?channel=feishu&limit=500", None).await;
    let rows: Vec<DeliveryView> = serde_json::from_value(v).unwrap();
    assert!(rows.iter().all(|d| d.kind != Some(Kind::DeliveryFailed)), "feishu never gets its own failure: {rows:#?}");
    assert_eq!(rows.iter().filter(|d| d.status == DeliveryStatus::Failed).count(), 3);
}

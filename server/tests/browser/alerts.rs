//! Alerts in the UI (admins): the Config page lists each channel without its secrets, changes
//! a kind's mode, and its "Send test" shows what the channel answered; the System page lists
//! the outbox. No secret reaches the page.

use crate::config::fetch_json;
use crate::harness::*;
use crate::session::{LONG, click, select};
use ::fakes::smtp::SmtpSink;
use ::fakes::telegram::FakeTelegram;
use fantoccini::Client;

const TOKEN: &str = "5:browser-SECRET-token";
const PASSWORD: &str = "browser-SECRET-smtp";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_lists_channels_sends_a_test_and_system_lists_the_outbox() {
    if !enabled() {
        return;
    }
    let (tg, smtp) = (FakeTelegram::spawn(TOKEN).await, SmtpSink::spawn().await);
    let (tg_url, smtp_url) = (tg.url(), smtp.url());
    let settings = [
        ("ARB__NOTIFY__TELEGRAM__BOT_TOKEN", TOKEN),
        ("ARB__NOTIFY__TELEGRAM__API_URL", tg_url.as_str()),
        ("ARB__NOTIFY__TELEGRAM__CHAT_IDS", "42"),
        ("ARB__NOTIFY__EMAIL__SMTP_URL", smtp_url.as_str()),
        ("ARB__NOTIFY__EMAIL__TLS", "none"),
        ("ARB__NOTIFY__EMAIL__USERNAME", "arb"),
        ("ARB__NOTIFY__EMAIL__PASSWORD", PASSWORD),
        ("ARB__NOTIFY__EMAIL__FROM", "arb@example.com"),
        ("ARB__NOTIFY__EMAIL__TO", "desk@example.com"),
    ];
    session(&settings, async |s| steps(&s.client, &s.url()).await).await;
    assert!(tg.sent().iter().any(|m| m.text.starts_with("INFO Test message")), "the test reached Telegram");
}

async fn no_secret_on_the_page(c: &Client) {
    let html = c.execute("return document.documentElement.outerHTML;", vec![]).await.unwrap();
    let html = html.as_str().unwrap_or_default();
    for secret in ["SECRET-token", "SECRET-smtp"] {
        assert!(!html.contains(secret), "{secret} on the page");
    }
}

async fn steps(c: &Client, url: &str) {
    login(c, url, ADMIN).await;
    c.goto(&format!("{url}config")).await.unwrap();
    let card = "[data-channel=telegram]";
    let dest = format!("return document.querySelector('{card} p')?.textContent ?? null;");
    wait_for(c, "the telegram channel", &dest, LONG, |v| v.as_str().is_some_and(|t| t.contains("1 chat"))).await;

    // Silence a kind and save: the server applies the rule.
    c.execute(&format!("document.querySelector('{card} details').open = true; return true;"), vec![]).await.unwrap();
    select(c, &format!("{card} tr[data-kind=venue_stale] select"), "off").await;
    click(c, &format!("{card} .save-rules")).await;
    let saved = format!("return document.querySelector('{card} .save-outcome')?.textContent ?? '';");
    wait_for(c, "saved", &saved, LONG, |v| v.as_str().is_some_and(|t| t.starts_with("Saved"))).await;
    let channels = fetch_json(c, "/api/v1/notifications/channels").await;
    assert_eq!(channels[0]["rules"]["kinds"]["venue_stale"], "off", "{channels}");

    // The test button shows the channel's own answer.
    click(c, &format!("{card} .send-test")).await;
    let answer = format!("return document.querySelector('{card} output.test-answer')?.textContent ?? '';");
    let said =
        wait_for(c, "the channel's answer", &answer, LONG, |v| v.as_str().is_some_and(|t| t.starts_with("sent"))).await;
    assert!(said.as_str().unwrap().contains("200 ok message_id"), "{said}");
    click(c, "[data-channel=email] .send-test").await;
    let mail = "return document.querySelector('[data-channel=email] output.test-answer')?.textContent ?? '';";
    wait_for(c, "the SMTP answer", mail, LONG, |v| v.as_str().is_some_and(|t| t.starts_with("sent 250"))).await;
    no_secret_on_the_page(c).await;
    c.execute(&format!("document.querySelector('{card}').scrollIntoView(); return true;"), vec![]).await.unwrap();
    screenshot(c, "config-channels").await;

    c.goto(&format!("{url}system")).await.unwrap();
    let sent = "return document.querySelectorAll('table#outbox tr[data-status=sent]').length;";
    wait_for(c, "the outbox rows", sent, LONG, |v| v.as_u64().is_some_and(|n| n >= 2)).await;
    no_secret_on_the_page(c).await;
    c.execute("document.querySelector('table#outbox').scrollIntoView(); return true;", vec![]).await.unwrap();
    screenshot(c, "system-outbox").await;
}

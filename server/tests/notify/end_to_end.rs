//! On the simulators: a risk exit and a kill switch each reach Telegram, email and a webhook.
//! (How fast, decision to delivery, is measured by `benches/notify.rs`, not asserted here.)

use crate::chat::{confirm_by_button, open_position, wait_reply};
use crate::fixture::{self, CHAT, TRADER, WAIT};
use crate::helpers::{admin_app, call};
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_risk_exit_and_a_kill_switch_reach_telegram_email_and_a_webhook() {
    let app = fixture::spawn(&[]).await;
    let (s, f) = (&app.running.state, &app.fakes);
    let r = admin_app(s).await;
    // A stop-loss so tight that the fees alone trip it once the position is open.
    let (_, cfg) = call(&r, "GET", "/api/v1/config", None).await;
    let mut p = cfg["params"].clone();
    p["stop_loss"] = json!("0.0001");
    p["slice_pause_ms"] = json!(0);
    p["slippage_cap_bps"] = json!(200);
    let (st, v) = call(&r, "PUT", "/api/v1/config", Some(p)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let id = open_position(&r, "ETH").await;

    let risk = format!("WARNING Risk exit on position {id}");
    let tg = f.telegram.wait_for(WAIT, |m| m.iter().any(|m| m.text.starts_with(&risk))).await;
    assert!(tg.iter().any(|m| m.text.starts_with(&risk)), "{tg:?}");
    let mails = f.smtp.wait_for(WAIT, |m| m.iter().any(|m| m.data.contains(&format!("Subject: {risk}")))).await;
    assert!(mails.iter().any(|m| m.data.contains(&format!("Subject: {risk}"))), "no mail");
    let hooks = f.hooks.wait_for("json", WAIT, |h| h.iter().any(|h| h.text.starts_with(&risk))).await;
    let hook = hooks.iter().find(|h| h.text.starts_with(&risk)).expect("webhook");
    assert_eq!(
        (hook.body["notification"]["kind"].as_str(), hook.body["notification"]["position_id"].as_i64()),
        (Some("risk_exit"), Some(id.get()))
    );

    // The kill switch, from a phone: `/kill`, then the Confirm button.
    f.telegram.push_message(TRADER, CHAT, "/kill");
    confirm_by_button(f, TRADER).await;
    wait_reply(f, "Done: kill switch on").await;
    let kill = "CRITICAL Kill switch";
    let tg = f.telegram.wait_for(WAIT, |m| m.iter().any(|m| m.text.starts_with(kill))).await;
    assert!(tg.iter().any(|m| m.text.starts_with(kill) && !m.silent), "{tg:?}");
    let mails = f.smtp.wait_for(WAIT, |m| m.iter().any(|m| m.data.contains(&format!("Subject: {kill}")))).await;
    assert!(mails.iter().any(|m| m.data.contains(&format!("Subject: {kill}"))));
    for service in ["slack", "json"] {
        let hooks = f.hooks.wait_for(service, WAIT, |h| h.iter().any(|h| h.text.starts_with(kill))).await;
        assert!(hooks.iter().any(|h| h.text.starts_with(kill)), "{service}");
    }
    let (_, status) = call(&r, "GET", "/api/v1/engine/status", None).await;
    assert_eq!(status["killed"], true);
    let (_, audit) = call(&r, "GET", "/api/v1/audit?action=engine.kill", None).await;
    assert_eq!(audit[0]["actor"], "trader via telegram", "{audit}");
    assert_eq!(audit[0]["outcome"], "ok", "{audit}");
}

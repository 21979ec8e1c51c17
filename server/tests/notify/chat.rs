//! Chat control: an allowed trader's `/closeall`, once confirmed, closes every position on the
//! simulators; a viewer is refused; a stranger, or a known user in a chat the bot is not
//! configured for, gets no answer and is audited (once a minute, however often they try);
//! `/pnl` gives the figures of `GET /history/pnl`.

use crate::fixture::{self, App, CHAT, Fakes, TRADER, VIEWER, WAIT};
use crate::helpers::{admin_app, call};
use app::history::PnlSeries;
use app::trading::{CommandAck, PositionId, PositionStatus, PositionView};
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Open `symbol` (retrying while the engine waits for fresh data) and wait until it is open.
pub async fn open_position(r: &axum::Router, symbol: &str) -> PositionId {
    let body = json!({"symbol": symbol, "direction": "long_lighter_short_binance", "notional": "3000", "slices": 2});
    let deadline = Instant::now() + Duration::from_secs(30);
    let id = loop {
        let (s, v) = call(r, "POST", "/api/v1/orders/open", Some(body.clone())).await;
        if s == StatusCode::OK {
            break serde_json::from_value::<CommandAck>(v).unwrap().positions[0];
        }
        assert!(Instant::now() < deadline, "open {symbol} refused: {s} {v}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, v) = call(r, "GET", &format!("/api/v1/positions/{id}"), None).await;
        let p: PositionView = serde_json::from_value(v).unwrap();
        if p.status != PositionStatus::Opening {
            return id;
        }
        assert!(Instant::now() < deadline, "{symbol} never opened");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The bot's answer in the configured chat that starts with `prefix`.
pub async fn wait_reply(f: &Fakes, prefix: &str) -> fakes::telegram::Sent {
    let sent = f.telegram.wait_for(WAIT, |m| m.iter().any(|m| m.chat_id == CHAT && m.text.starts_with(prefix))).await;
    sent.into_iter()
        .rev()
        .find(|m| m.chat_id == CHAT && m.text.starts_with(prefix))
        .unwrap_or_else(|| panic!("no answer {prefix:?}"))
}

/// The code of the latest confirmation question.
async fn code(f: &Fakes) -> String {
    let ask = wait_reply(f, "Confirm:").await;
    let data = ask.reply_markup.as_ref().expect("buttons")["inline_keyboard"][0][0]["callback_data"]
        .as_str()
        .unwrap()
        .to_owned();
    data.strip_prefix("confirm:").unwrap().to_owned()
}

/// Press Confirm under the latest confirmation question.
pub async fn confirm_by_button(f: &Fakes, user: i64) {
    let code = code(f).await;
    f.telegram.push_callback(user, CHAT, &format!("confirm:{code}"));
}

/// Hold whatever the market does: only our commands close positions here.
async fn hold_positions(r: &axum::Router) {
    let (_, cfg) = call(r, "GET", "/api/v1/config", None).await;
    let mut p = cfg["params"].clone();
    p["exit_below_apr"] = json!("-1");
    p["stop_loss"] = json!("1");
    p["take_profit"] = json!("10");
    p["slice_pause_ms"] = json!(0);
    p["slippage_cap_bps"] = json!(200);
    let (s, v) = call(r, "PUT", "/api/v1/config", Some(p)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

async fn audit(r: &axum::Router, query: &str) -> Vec<Value> {
    let (_, v) = call(r, "GET", &format!("/api/v1/audit{query}"), None).await;
    v.as_array().cloned().unwrap_or_default()
}

async fn spawn() -> (App, axum::Router) {
    let app = fixture::spawn(&[]).await;
    // The platform users the Telegram ids map to.
    crate::helpers::users(&app.running.state).await;
    let r = admin_app(&app.running.state).await;
    (app, r)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_traders_confirmed_closeall_closes_everything_and_pnl_matches_the_api() {
    let (app, r) = spawn().await;
    let f = &app.fakes;
    hold_positions(&r).await;
    let ids = [open_position(&r, "ETH").await, open_position(&r, "BTC").await];

    f.telegram.push_message(TRADER, CHAT, "/closeall");
    let code = code(f).await;
    // Nothing closes before the confirmation.
    let (_, v) = call(&r, "GET", "/api/v1/positions", None).await;
    assert!(serde_json::from_value::<Vec<PositionView>>(v).unwrap().iter().all(|p| p.status == PositionStatus::Open));
    // The one-time code works as the button does.
    f.telegram.push_message(TRADER, CHAT, &format!("/confirm {code}"));
    wait_reply(f, "Done: closing 2 position(s)").await;
    let deadline = Instant::now() + Duration::from_secs(60);
    for id in ids {
        loop {
            let (_, v) = call(&r, "GET", &format!("/api/v1/positions/{id}"), None).await;
            if serde_json::from_value::<PositionView>(v).unwrap().status == PositionStatus::Closed {
                break;
            }
            assert!(Instant::now() < deadline, "position {id} not closed");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let entries = audit(&r, "?action=position.close_all").await;
    assert_eq!(
        (entries[0]["actor"].as_str(), entries[0]["outcome"].as_str()),
        (Some("trader via telegram"), Some("ok")),
        "{entries:?}"
    );
    assert_eq!(entries[0]["ip"], format!("telegram:{TRADER}"));
    // A code works once.
    f.telegram.push_message(TRADER, CHAT, &format!("/confirm {code}"));
    wait_reply(f, "no such confirmation").await;

    // `/pnl` answers with the API's figures.
    f.telegram.push_message(TRADER, CHAT, "/pnl");
    let answer = wait_reply(f, "P&L since the first trade").await.text;
    let (_, v) = call(&r, "GET", "/api/v1/history/pnl", None).await;
    let api: PnlSeries = serde_json::from_value(v).unwrap();
    let usd = |d: rust_decimal::Decimal| format!("{} USD", d.round_dp(2));
    assert!(answer.contains(&format!("Realised net: {}", usd(api.total.net.0))), "{answer}\n{api:?}");
    assert!(
        answer.contains(&format!(
            "price {} · funding {} · fees {}",
            usd(api.total.price.0),
            usd(api.total.funding.0),
            usd(api.total.fees.0)
        )),
        "{answer}"
    );
    assert!(api.total.fees.0 > rust_decimal::Decimal::ZERO, "the figures are not trivially zero");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_is_refused_and_strangers_get_no_answer_but_are_audited() {
    let (app, r) = spawn().await;
    let f = &app.fakes;
    f.telegram.push_message(VIEWER, CHAT, "/closeall");
    let refused = wait_reply(f, "Refused:").await;
    assert!(refused.text.contains("viewer is a viewer") && refused.reply_markup.is_none(), "{refused:?}");
    let entries = audit(&r, "?action=position.close_all").await;
    assert_eq!(
        (entries[0]["actor"].as_str(), entries[0]["outcome"].as_str()),
        (Some("viewer via telegram"), Some("refused")),
        "{entries:?}"
    );
    // A viewer may read.
    f.telegram.push_message(VIEWER, CHAT, "/status");
    wait_reply(f, "Engine:").await;

    let before = f.telegram.sent().len();
    for _ in 0..5 {
        f.telegram.push_message(999, CHAT, "/closeall");
    }
    // The trader, in a chat the bot is not configured for.
    f.telegram.push_message(TRADER, -555, "/status");
    // Updates are handled in order: once this is answered, those before it were handled.
    f.telegram.push_message(VIEWER, CHAT, "/help");
    wait_reply(f, "Read: /status").await;
    let sent = f.telegram.sent();
    assert_eq!(sent.len(), before + 1, "only the viewer's /help was answered: {:?}", &sent[before..]);
    let denied = audit(&r, "?action=chat.denied").await;
    let stranger: Vec<&Value> = denied.iter().filter(|e| e["actor"] == "telegram:999").collect();
    assert_eq!(stranger.len(), 1, "audited once a minute, not five times: {denied:?}");
    assert_eq!(stranger[0]["target"], "/closeall");
    assert!(
        denied
            .iter()
            .any(|e| e["actor"] == format!("telegram:{TRADER}") && e["detail"].as_str().unwrap().contains("-555")),
        "{denied:?}"
    );
}

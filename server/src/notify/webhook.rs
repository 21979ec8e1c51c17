//! Chat-group webhooks, each in its own format: Slack `{"text"}`, Discord `{"content"}`, Feishu
//! `{"msg_type":"text",…}` signed when a secret is set, WeCom markdown, and a generic JSON body
//! that carries the whole notification. Each answer is read the way that service reports
//! success (Feishu `code: 0`, WeCom `errcode: 0`) and rate limiting (429, Feishu 11232, WeCom
//! 45009).

use super::message::{Message, Outcome, answer, by_status, retry_after_header, unreachable};
use crate::settings::{WebhookKind, WebhookSettings};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use sha2::Sha256;
use std::time::Duration;

pub struct Webhook {
    kind: WebhookKind,
    url: SecretString,
    secret: Option<SecretString>,
    http: reqwest::Client,
}

impl Webhook {
    pub fn new(s: &WebhookSettings) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self { kind: s.kind, url: s.url.clone(), secret: s.secret.clone(), http }
    }

    /// The URL's host only: the path and query of a webhook URL are its secret.
    pub fn host(&self) -> String {
        url::Url::parse(self.url.expose_secret())
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "(invalid URL)".to_owned())
    }

    pub async fn send(&self, msg: &Message, part: &str) -> Outcome {
        let body = body(self.kind, msg, part, self.secret.as_ref(), unix_secs());
        let res = match self.http.post(self.url.expose_secret()).json(&body).send().await {
            Ok(r) => r,
            Err(e) => return unreachable(e),
        };
        let status = res.status();
        let wait = retry_after_header(res.headers());
        let text = res.text().await.unwrap_or_default();
        read_answer(self.kind, status, &text, wait)
    }
}

fn unix_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Feishu's signature: HMAC-SHA256 keyed by `"{timestamp}\n{secret}"` over an empty message,
/// base64. (DingTalk signs the other way round; mixing them up is the classic mistake.)
pub fn feishu_sign(timestamp: i64, secret: &str) -> String {
    let key = format!("{timestamp}\n{secret}");
    let mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()).map(|m| m.finalize().into_bytes());
    mac.map(|b| base64::engine::general_purpose::STANDARD.encode(b)).unwrap_or_default()
}

/// The body each service expects.
pub fn body(kind: WebhookKind, msg: &Message, part: &str, secret: Option<&SecretString>, now_secs: i64) -> Value {
    match kind {
        WebhookKind::Slack => json!({"text": part}),
        WebhookKind::Discord => json!({"content": part}),
        WebhookKind::Feishu => {
            let mut b = json!({"msg_type": "text", "content": {"text": part}});
            if let Some(secret) = secret {
                b["timestamp"] = json!(now_secs.to_string());
                b["sign"] = json!(feishu_sign(now_secs, secret.expose_secret()));
            }
            b
        }
        WebhookKind::Wecom => json!({"msgtype": "markdown", "markdown": {"content": wecom_markdown(msg, part)}}),
        WebhookKind::Json => json!({
            "text": part,
            "headline": msg.headline(),
            "folded": msg.folded,
            "notification": msg.notification,
        }),
    }
}

/// The level in WeCom's colours, then the text (already cut to fit by the caller).
fn wecom_markdown(msg: &Message, part: &str) -> String {
    let colour = match msg.notification.level {
        app::notification::Level::Info => "info",
        app::notification::Level::Warning => "warning",
        app::notification::Level::Critical => "warning",
    };
    let level = msg.notification.level.upper();
    // The level opens the text already; colour that word only.
    match part.strip_prefix(level) {
        Some(rest) => format!("<font color=\"{colour}\">{level}</font>{rest}"),
        None => part.to_owned(),
    }
}

fn read_answer(kind: WebhookKind, status: reqwest::StatusCode, text: &str, wait: Option<i64>) -> Outcome {
    let json: Option<Value> = serde_json::from_str(text).ok();
    match kind {
        WebhookKind::Feishu if status.is_success() => {
            let code =
                json.as_ref().and_then(|j| j.get("code").or_else(|| j.get("StatusCode"))).and_then(Value::as_i64);
            match code {
                Some(0) => Outcome::Sent(answer(status.as_u16(), text)),
                Some(11232) => Outcome::Retry { answer: answer(status.as_u16(), text), after_ms: None },
                _ => Outcome::Refused(answer(status.as_u16(), text)),
            }
        }
        WebhookKind::Wecom if status.is_success() => {
            match json.as_ref().and_then(|j| j.get("errcode")).and_then(Value::as_i64) {
                Some(0) => Outcome::Sent(answer(status.as_u16(), text)),
                // Over the rate limit, or "system busy".
                Some(45009) | Some(-1) => Outcome::Retry { answer: answer(status.as_u16(), text), after_ms: None },
                _ => Outcome::Refused(answer(status.as_u16(), text)),
            }
        }
        WebhookKind::Discord if status.as_u16() == 429 => {
            // Discord says how long in the body too, in (fractional) seconds.
            let body_wait = json
                .as_ref()
                .and_then(|j| j.get("retry_after"))
                .and_then(Value::as_f64)
                .map(|s| (s * 1000.0).ceil() as i64);
            by_status(status, text, wait.or(body_wait))
        }
        _ => by_status(status, text, wait),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::notification::{Kind, Level, Notification};

    fn msg() -> Message {
        let n = Notification::new(Level::Warning, Kind::VenueStale, 0, "BTC data stale on lighter", "no update");
        Message { notification: n, folded: 0, window_ms: 0, silent: false }
    }

    #[test]
    fn feishu_signs_the_timestamp_and_secret_over_nothing() {
        // Computed independently: printf '' | openssl dgst -sha256 -hmac $'1700000000\nsecret' -binary | base64
        assert_eq!(feishu_sign(1_700_000_000, "secret"), "fiWS2+gh28DOydAv7hzONH/mDn9+b1Y4Y5ivXWXy8vA=");
        let b = body(WebhookKind::Feishu, &msg(), "x", Some(&SecretString::from("secret")), 1_700_000_000);
        assert_eq!(b["timestamp"], "1700000000");
        assert_eq!(b["content"]["text"], "x");
        assert!(body(WebhookKind::Feishu, &msg(), "x", None, 1).get("sign").is_none());
    }

    #[test]
    fn each_service_reads_its_own_answer() {
        use reqwest::StatusCode as S;
        let cases = [
            (WebhookKind::Feishu, S::OK, r#"{"code":0,"msg":"success"}"#, "sent"),
            (WebhookKind::Feishu, S::OK, r#"{"code":11232,"msg":"frequency limited"}"#, "retry"),
            (WebhookKind::Feishu, S::OK, r#"{"code":19021,"msg":"sign match fail"}"#, "refused"),
            (WebhookKind::Wecom, S::OK, r#"{"errcode":0,"errmsg":"ok"}"#, "sent"),
            (WebhookKind::Wecom, S::OK, r#"{"errcode":45009,"errmsg":"freq"}"#, "retry"),
            (WebhookKind::Wecom, S::OK, r#"{"errcode":93000,"errmsg":"invalid key"}"#, "refused"),
            (WebhookKind::Slack, S::OK, "ok", "sent"),
            (WebhookKind::Slack, S::NOT_FOUND, "no_team", "refused"),
            (WebhookKind::Discord, S::NO_CONTENT, "", "sent"),
            (WebhookKind::Json, S::BAD_GATEWAY, "", "retry"),
        ];
        for (kind, status, text, want) in cases {
            let got = match read_answer(kind, status, text, None) {
                Outcome::Sent(_) => "sent",
                Outcome::Retry { .. } => "retry",
                Outcome::Refused(_) => "refused",
            };
            assert_eq!(got, want, "{kind:?} {status} {text}");
        }
        let discord = read_answer(WebhookKind::Discord, S::TOO_MANY_REQUESTS, r#"{"retry_after":1.5}"#, None);
        assert!(matches!(discord, Outcome::Retry { after_ms: Some(1500), .. }), "{discord:?}");
    }

    #[test]
    fn bodies_have_each_shape() {
        let m = msg();
        assert_eq!(body(WebhookKind::Slack, &m, "hi", None, 0), json!({"text": "hi"}));
        assert_eq!(body(WebhookKind::Discord, &m, "hi", None, 0), json!({"content": "hi"}));
        let w = body(WebhookKind::Wecom, &m, &m.text(), None, 0);
        assert_eq!(w["msgtype"], "markdown");
        assert!(w["markdown"]["content"].as_str().unwrap().starts_with("<font color=\"warning\">WARNING</font> BTC"));
        let j = body(WebhookKind::Json, &m, "hi", None, 0);
        assert_eq!(j["notification"]["kind"], "venue_stale");
    }
}

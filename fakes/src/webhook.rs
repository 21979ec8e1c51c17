//! Local receivers for chat-group webhooks, one path per service, each checking the body shape
//! its service requires and answering as that service does: `/slack` (`{"text"}` → `ok`),
//! `/discord` (`{"content"}` of at most 2000 characters → 204), `/feishu` (`msg_type` text,
//! and when the receiver has a secret, a signature over a timestamp within the hour → `code`
//! 0, else 19021), `/wecom` (markdown of at most 4096 bytes → `errcode` 0), `/json` (anything
//! → 200). A body of the wrong shape is answered 400 and counted.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// One accepted post.
#[derive(Debug, Clone)]
pub struct Hook {
    pub service: String,
    /// The text the message carries, however the service nests it.
    pub text: String,
    pub body: Value,
    pub at: Instant,
}

#[derive(Default)]
struct Inner {
    hooks: Vec<Hook>,
    bad: Vec<String>,
    /// Answer this many posts with 429 (Discord-style, with `retry_after` in the body).
    refuse_next: u32,
}

#[derive(Clone)]
pub struct WebhookSink {
    pub addr: SocketAddr,
    feishu_secret: Option<String>,
    inner: Arc<Mutex<Inner>>,
    changed: Arc<Notify>,
}

impl WebhookSink {
    pub async fn spawn(feishu_secret: Option<&str>) -> WebhookSink {
        let sink = WebhookSink {
            addr: "127.0.0.1:0".parse().expect("addr"),
            feishu_secret: feishu_secret.map(str::to_owned),
            inner: Arc::default(),
            changed: Arc::new(Notify::new()),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let sink = WebhookSink { addr, ..sink };
        let app = Router::new().route("/{service}", post(receive)).with_state(sink.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        sink
    }

    /// The URL for `service` (`slack`, `discord`, `feishu`, `wecom`, `json`).
    pub fn url(&self, service: &str) -> String {
        format!("http://{}/{service}", self.addr)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn hooks(&self, service: &str) -> Vec<Hook> {
        self.lock().hooks.iter().filter(|h| h.service == service).cloned().collect()
    }

    /// Bodies that did not have their service's shape (or signature), with the reason.
    pub fn bad(&self) -> Vec<String> {
        self.lock().bad.clone()
    }

    pub fn refuse_next(&self, n: u32) {
        self.lock().refuse_next = n;
    }

    pub async fn wait_for(&self, service: &str, within: Duration, done: impl Fn(&[Hook]) -> bool) -> Vec<Hook> {
        let deadline = Instant::now() + within;
        loop {
            let notified = self.changed.notified();
            let hooks = self.hooks(service);
            if done(&hooks) || Instant::now() >= deadline {
                return hooks;
            }
            let _ = tokio::time::timeout(Duration::from_millis(50), notified).await;
        }
    }
}

fn feishu_sign(timestamp: &str, secret: &str) -> String {
    let key = format!("{timestamp}\n{secret}");
    let mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()).expect("any key length");
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The message's text if `body` has `service`'s shape.
fn check(service: &str, body: &Value, secret: Option<&str>) -> Result<String, String> {
    let text = |v: &Value| v.as_str().map(str::to_owned).ok_or_else(|| format!("{service}: no text in {body}"));
    match service {
        "slack" => text(&body["text"]),
        "discord" => {
            let t = text(&body["content"])?;
            if t.chars().count() > 2000 { Err(format!("discord: {} characters", t.chars().count())) } else { Ok(t) }
        }
        "feishu" => {
            if body["msg_type"] != "text" {
                return Err(format!("feishu: msg_type {}", body["msg_type"]));
            }
            if let Some(secret) = secret {
                let ts = body["timestamp"].as_str().ok_or("feishu: no timestamp")?;
                let secs: i64 = ts.parse().map_err(|_| "feishu: timestamp not a number")?;
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() as i64);
                if (now - secs).abs() > 3600 {
                    return Err("feishu: timestamp is not within one hour".into());
                }
                if body["sign"].as_str() != Some(feishu_sign(ts, secret).as_str()) {
                    return Err("feishu: sign match fail".into());
                }
            }
            text(&body["content"]["text"])
        }
        "wecom" => {
            if body["msgtype"] != "markdown" {
                return Err(format!("wecom: msgtype {}", body["msgtype"]));
            }
            let t = text(&body["markdown"]["content"])?;
            if t.len() > 4096 { Err(format!("wecom: {} bytes", t.len())) } else { Ok(t) }
        }
        "json" => Ok(body["text"].as_str().unwrap_or_default().to_owned()),
        other => Err(format!("no service {other}")),
    }
}

async fn receive(State(s): State<WebhookSink>, Path(service): Path<String>, Json(body): Json<Value>) -> Response {
    let mut i = s.lock();
    if i.refuse_next > 0 {
        i.refuse_next -= 1;
        return (
            StatusCode::TOO_MANY_REQUESTS,
            Json(json!({"message": "You are being rate limited.", "retry_after": 0.5})),
        )
            .into_response();
    }
    match check(&service, &body, s.feishu_secret.as_deref()) {
        Ok(text) => {
            i.hooks.push(Hook { service: service.clone(), text, body, at: Instant::now() });
            drop(i);
            s.changed.notify_waiters();
            match service.as_str() {
                "slack" => "ok".into_response(),
                "discord" => StatusCode::NO_CONTENT.into_response(),
                "feishu" => Json(json!({"code": 0, "msg": "success", "data": {}})).into_response(),
                "wecom" => Json(json!({"errcode": 0, "errmsg": "ok"})).into_response(),
                _ => Json(json!({"ok": true})).into_response(),
            }
        }
        Err(reason) => {
            i.bad.push(reason.clone());
            drop(i);
            if service == "feishu" {
                // Feishu answers 200 with an error code, as the real one does.
                return Json(json!({"code": 19021, "msg": reason})).into_response();
            }
            (StatusCode::BAD_REQUEST, reason).into_response()
        }
    }
}

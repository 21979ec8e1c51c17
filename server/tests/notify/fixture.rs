//! The fakes every test here talks to, and the settings that point the server at them.

use crate::helpers;
use fakes::smtp::SmtpSink;
use fakes::telegram::FakeTelegram;
use fakes::webhook::WebhookSink;
use server::startup::Running;
use std::time::Duration;
use tempfile::TempDir;

pub const TOKEN: &str = "4242:bot-token-SECRET-t0k3n";
pub const CHAT: i64 = -1001;
pub const FEISHU_SECRET: &str = "feishu-SECRET-signing-key";
pub const SMTP_PASSWORD: &str = "smtp-SECRET-password";
/// Telegram users: 100 is the trader, 200 the viewer; anyone else is unknown.
pub const TRADER: i64 = 100;
pub const VIEWER: i64 = 200;

pub struct Fakes {
    pub telegram: FakeTelegram,
    pub smtp: SmtpSink,
    pub hooks: WebhookSink,
}

pub struct App {
    pub running: Running,
    pub fakes: Fakes,
    _dir: TempDir,
}

impl Fakes {
    pub async fn spawn() -> Fakes {
        Fakes {
            telegram: FakeTelegram::spawn(TOKEN).await,
            smtp: SmtpSink::spawn().await,
            hooks: WebhookSink::spawn(Some(FEISHU_SECRET)).await,
        }
    }

    /// Telegram, email and every webhook kind, each on its receiver.
    pub fn settings(&self) -> Vec<(String, String)> {
        let mut s = vec![
            ("ARB__NOTIFY__TELEGRAM__BOT_TOKEN".into(), TOKEN.into()),
            ("ARB__NOTIFY__TELEGRAM__API_URL".into(), self.telegram.url()),
            ("ARB__NOTIFY__TELEGRAM__CHAT_IDS".into(), CHAT.to_string()),
            ("ARB__NOTIFY__TELEGRAM__USERS".into(), format!("{TRADER}:trader,{VIEWER}:viewer")),
            ("ARB__NOTIFY__TELEGRAM__POLL_SECS".into(), "1".into()),
            ("ARB__NOTIFY__EMAIL__SMTP_URL".into(), self.smtp.url()),
            ("ARB__NOTIFY__EMAIL__TLS".into(), "none".into()),
            ("ARB__NOTIFY__EMAIL__USERNAME".into(), "arb".into()),
            ("ARB__NOTIFY__EMAIL__PASSWORD".into(), SMTP_PASSWORD.into()),
            ("ARB__NOTIFY__EMAIL__FROM".into(), "arb@example.com".into()),
            ("ARB__NOTIFY__EMAIL__TO".into(), "desk@example.com".into()),
            // Tests wait seconds, not the default minutes, for a retry.
            ("ARB__NOTIFY__RETRY_BASE_MS".into(), "200".into()),
            ("ARB__NOTIFY__RETRY_MAX_SECS".into(), "2".into()),
        ];
        for kind in ["slack", "discord", "feishu", "wecom", "json"] {
            let name = kind.to_uppercase();
            s.push((format!("ARB__NOTIFY__WEBHOOKS__{name}__KIND"), kind.into()));
            s.push((format!("ARB__NOTIFY__WEBHOOKS__{name}__URL"), self.hooks.url(kind)));
        }
        s.push(("ARB__NOTIFY__WEBHOOKS__FEISHU__SECRET".into(), FEISHU_SECRET.into()));
        s
    }
}

/// The server on the simulators with every channel pointed at fresh fakes; `extra` overrides.
pub async fn spawn(extra: &[(&str, &str)]) -> App {
    let fakes = Fakes::spawn().await;
    let mut settings = fakes.settings();
    settings.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let pairs: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let running = helpers::start_in(&dir, &pairs).await;
    App { running, fakes, _dir: dir }
}

pub const WAIT: Duration = Duration::from_secs(20);

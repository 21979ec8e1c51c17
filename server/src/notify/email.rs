//! Email over SMTP with `lettre` (rustls; no TLS, STARTTLS or implicit TLS by setting): the
//! headline as the subject, the text as the plain body, and a small HTML table beside it.

use super::message::{Message, Outcome};
use crate::settings::{EmailSettings, SmtpTls};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::ExposeSecret;
use std::time::Duration;

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Vec<Mailbox>,
}

impl Mailer {
    /// Checks the URL and the addresses now, so a typo stops the start rather than every mail.
    pub fn new(s: &EmailSettings) -> Result<Self, String> {
        let url = url::Url::parse(&s.smtp_url).map_err(|e| format!("smtp_url {:?}: {e}", s.smtp_url))?;
        let host = url.host_str().ok_or_else(|| format!("smtp_url {:?} has no host", s.smtp_url))?.to_owned();
        let mut builder = match s.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&host),
            SmtpTls::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&host).map_err(|e| e.to_string())?
            }
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&host).map_err(|e| e.to_string())?,
        };
        if let Some(port) = url.port() {
            builder = builder.port(port);
        }
        if let (Some(user), Some(password)) = (&s.username, &s.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.expose_secret().to_owned()));
        }
        let from = s.from.parse().map_err(|e| format!("from {:?}: {e}", s.from))?;
        let to = s.to.iter().map(|t| t.parse().map_err(|e| format!("to {t:?}: {e}"))).collect::<Result<Vec<_>, _>>()?;
        if s.to.is_empty() {
            return Err("no recipient: set ARB__NOTIFY__EMAIL__TO".into());
        }
        Ok(Self { transport: builder.timeout(Some(Duration::from_secs(20))).build(), from, to })
    }

    pub async fn send(&self, msg: &Message) -> Outcome {
        let mut builder = lettre::Message::builder().from(self.from.clone()).subject(msg.headline());
        for to in &self.to {
            builder = builder.to(to.clone());
        }
        let email = match builder.multipart(MultiPart::alternative_plain_html(msg.text(), html(msg))) {
            Ok(e) => e,
            Err(e) => return Outcome::Refused(format!("could not build the mail: {e}")),
        };
        match self.transport.send(email).await {
            Ok(r) => Outcome::Sent(format!("{} {}", r.code(), r.message().collect::<Vec<_>>().join(" "))),
            Err(e) if e.is_permanent() => Outcome::Refused(e.to_string()),
            Err(e) => Outcome::Retry { answer: e.to_string(), after_ms: None },
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The headline, then a two-column table of what the notification says.
pub fn html(msg: &Message) -> String {
    let n = &msg.notification;
    let mut rows = vec![("Level", n.level.upper().to_owned())];
    if let Some(kind) = n.kind {
        rows.push(("Kind", kind.name()));
    }
    if let Some(s) = &n.symbol {
        rows.push(("Symbol", s.to_string()));
    }
    if let Some(p) = n.position_id {
        rows.push(("Position", p.to_string()));
    }
    if msg.folded > 0 {
        rows.push(("Repeats", msg.folded.to_string()));
    }
    rows.push(("Message", n.message.clone()));
    let cells: String = rows
        .iter()
        .map(|(k, v)| format!("<tr><th align=\"left\">{k}</th><td>{}</td></tr>", escape(v).replace('\n', "<br>")))
        .collect();
    format!(
        "<html><body><h3>{}</h3><table border=\"1\" cellpadding=\"4\" cellspacing=\"0\">{cells}</table></body></html>",
        escape(&msg.headline())
    )
}

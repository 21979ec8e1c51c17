//! What every sender shares: the message as sent (a notification, or a fold summary) and the
//! [`Outcome`] of one attempt, which tells the worker how to react: done, try again (after
//! exactly the wait the channel asked for, if it did), or give up; and the usual readings of an
//! HTTP answer, with request URLs (secrets) kept out of every error.

use super::text;
use app::notification::Notification;

/// One message as a channel sends it: the notification, and for a fold summary how many
/// repeats it reports.
#[derive(Debug, Clone)]
pub struct Message {
    pub notification: Notification,
    pub folded: i32,
    pub window_ms: i64,
    pub silent: bool,
}

impl Message {
    /// `WARNING Opening paused`, or the summary's `… — 12 more times in 5 min`.
    pub fn headline(&self) -> String {
        let headline = self.notification.headline();
        if self.folded > 0 { text::summary_headline(&headline, self.folded, self.window_ms) } else { headline }
    }

    pub fn text(&self) -> String {
        let m = &self.notification.message;
        if m.is_empty() { self.headline() } else { format!("{}\n{m}", self.headline()) }
    }
}

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Acknowledged by the channel: never to be sent again.
    Sent(String),
    /// Not delivered, worth another try; `after_ms` is the wait the channel asked for (429).
    Retry { answer: String, after_ms: Option<i64> },
    /// The channel refused it for good (bad token, unknown chat, bad signature).
    Refused(String),
}

/// An answer as stored and shown: short, one line.
pub fn answer(status: impl std::fmt::Display, body: &str) -> String {
    let body: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let body = text::truncate_chars(&body, 300);
    format!("{status} {body}").trim().to_owned()
}

/// A request that did not get an answer: retried. The URL is dropped from the error, since
/// Telegram's carries the bot token and a webhook's is a secret.
pub fn unreachable(e: reqwest::Error) -> Outcome {
    Outcome::Retry { answer: format!("no answer: {}", e.without_url()), after_ms: None }
}

/// The usual HTTP reading: 2xx done, 429 and 5xx (and 408) again, other 4xx refused.
pub fn by_status(status: reqwest::StatusCode, body: &str, retry_after_ms: Option<i64>) -> Outcome {
    let said = answer(status.as_u16(), body);
    if status.is_success() {
        Outcome::Sent(said)
    } else if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        Outcome::Retry { answer: said, after_ms: retry_after_ms }
    } else if status.is_server_error() || status == reqwest::StatusCode::REQUEST_TIMEOUT {
        Outcome::Retry { answer: said, after_ms: None }
    } else {
        Outcome::Refused(said)
    }
}

/// `Retry-After` in seconds, as Slack and Discord send it.
pub fn retry_after_header(headers: &reqwest::header::HeaderMap) -> Option<i64> {
    let secs: f64 = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()?;
    Some((secs * 1000.0).ceil() as i64)
}

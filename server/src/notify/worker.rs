//! One channel's delivery worker. It takes the channel's due rows from the database (the
//! outbox is the queue, so a restart resumes where the last run stopped), keeps to the
//! channel's rate limits, sends, and records each outcome at once:
//! - acknowledged: the row (or the part of a split message) is marked sent before anything
//!   else happens, and a sent row is never picked again;
//! - 429: the row waits exactly the `retry_after` the channel gave, and the whole channel holds
//!   off until then;
//! - no answer or 5xx: exponential back-off, until the row is `give_up_after` old;
//! - refused: failed, and a `delivery_failed` notification goes to the *other* channels (never
//!   for a failure of such a notification itself, so a broken channel cannot start a loop).
//!
//! The one window where a message can go out twice: the channel acknowledged it and the process
//! died before the row was marked (a single-row UPDATE right after the answer).

use super::Notifier;
use super::channel::Channel;
use super::limit::Limiter;
use super::message::{Message, Outcome};
use super::text;
use crate::clock::Clock;
use crate::db;
use crate::db::deliveries::Delivery;
use crate::settings::NotifySettings;
use app::notification::{Kind, Level, Notification};
use sea_orm::{DatabaseConnection, DbErr};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Retry timing, from the settings.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub fold_window_ms: i64,
    pub give_up_ms: i64,
    pub retry_base_ms: i64,
    pub retry_max_ms: i64,
}

impl Timing {
    pub fn from(s: &NotifySettings) -> Self {
        Self {
            fold_window_ms: (s.fold_window_secs * 1000) as i64,
            give_up_ms: (s.give_up_after_secs * 1000) as i64,
            retry_base_ms: s.retry_base_ms.max(1) as i64,
            retry_max_ms: (s.retry_max_secs.max(1) * 1000) as i64,
        }
    }

    /// The wait before attempt `attempts + 1`: base, 2×base, 4×base … up to the maximum.
    pub fn backoff(&self, attempts: i32) -> i64 {
        let doublings = (attempts.max(1) - 1).min(30) as u32;
        self.retry_base_ms.saturating_mul(1i64 << doublings).min(self.retry_max_ms)
    }
}

pub struct Worker {
    db: DatabaseConnection,
    channel: Channel,
    wake: Arc<Notify>,
    /// For the `delivery_failed` alert to the other channels.
    notifier: Notifier,
    timing: Timing,
    clock: Clock,
    limiter: Limiter,
    /// The channel asked us to hold off (429) until then.
    blocked_until: i64,
}

impl Worker {
    pub fn new(
        db: DatabaseConnection,
        channel: Channel,
        wake: Arc<Notify>,
        notifier: Notifier,
        timing: Timing,
        clock: Clock,
    ) -> Self {
        Self { db, channel, wake, notifier, timing, clock, limiter: Limiter::default(), blocked_until: 0 }
    }

    /// Until `cancel`: what is pending stays pending for the next start.
    pub async fn run(mut self, cancel: CancellationToken) {
        loop {
            let wait = match self.step().await {
                Ok(None) => continue,
                Ok(Some(wait)) => wait,
                Err(e) => {
                    tracing::error!(channel = %self.channel.name, error = %e, "outbox read failed; retrying");
                    Duration::from_secs(1)
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.wake.notified() => {}
                _ = cancel.cancelled() => return,
            }
        }
    }

    /// Send one due row if the limits allow; otherwise how long to wait.
    async fn step(&mut self) -> Result<Option<Duration>, DbErr> {
        let now = self.clock.wall_ms();
        let mut until = now + 60_000;
        if self.blocked_until > now {
            until = self.blocked_until;
        } else {
            for d in db::deliveries::due(&self.db, &self.channel.name, now, 50).await? {
                let ready = self.limiter.ready_at(&self.channel.scopes(&d.target), now);
                if ready <= now {
                    self.attempt(d).await?;
                    return Ok(None);
                }
                until = until.min(ready);
            }
        }
        if let Some(next) = db::deliveries::next_due(&self.db, &self.channel.name, now).await? {
            until = until.min(next.max(self.blocked_until));
        }
        Ok(Some(Duration::from_millis((until - now).clamp(1, 60_000) as u64)))
    }

    async fn attempt(&mut self, d: Delivery) -> Result<(), DbErr> {
        let now = self.clock.wall_ms();
        let Some(row) = db::deliveries::claim(&self.db, d.id, now).await? else { return Ok(()) };
        let Some(n) =
            db::deliveries::notifications(&self.db, &[row.notification_id]).await?.remove(&row.notification_id)
        else {
            return db::deliveries::fail(&self.db, row.id, "the notification is gone", now).await;
        };
        let msg =
            Message { notification: n, folded: row.folded, window_ms: self.timing.fold_window_ms, silent: row.silent };
        let parts = text::fit(&msg.text(), self.channel.fit);
        let scopes = self.channel.scopes(&row.target);
        for (i, part) in parts.iter().enumerate().skip(row.parts_sent.max(0) as usize) {
            // The parts after the first keep to the limits too.
            let now = self.clock.wall_ms();
            let ready = self.limiter.ready_at(&scopes, now);
            if ready > now {
                tokio::time::sleep(Duration::from_millis((ready - now) as u64)).await;
            }
            self.limiter.record(&scopes, self.clock.wall_ms());
            let outcome = self.channel.send(&row.target, &msg, part).await;
            let now = self.clock.wall_ms();
            match outcome {
                Outcome::Sent(answer) => {
                    let done = i + 1 == parts.len();
                    db::deliveries::part_sent(&self.db, row.id, (i + 1) as i32, done, &answer, now).await?;
                    if done {
                        self.count("ok");
                    }
                }
                Outcome::Retry { answer, after_ms } => {
                    let next = now + after_ms.unwrap_or_else(|| self.timing.backoff(row.attempts));
                    if let Some(wait) = after_ms {
                        self.blocked_until = self.blocked_until.max(now + wait);
                    }
                    if next - row.created_ms > self.timing.give_up_ms {
                        let answer = format!("gave up after {} attempts: {answer}", row.attempts);
                        return self.give_up(&row, &msg, &answer, now).await;
                    }
                    tracing::warn!(channel = %self.channel.name, delivery = row.id, attempts = row.attempts, %answer, "delivery will be retried");
                    self.count("retry");
                    return db::deliveries::retry(&self.db, row.id, next, &answer, now).await;
                }
                Outcome::Refused(answer) => return self.give_up(&row, &msg, &answer, now).await,
            }
        }
        Ok(())
    }

    /// `arb_notification_deliveries_total{channel, status}`.
    fn count(&self, status: &'static str) {
        let channel = self.channel.name.clone();
        metrics::counter!(crate::metrics::names::NOTIFICATION_DELIVERIES, "channel" => channel, "status" => status)
            .increment(1);
    }

    async fn give_up(&self, row: &Delivery, msg: &Message, answer: &str, now: i64) -> Result<(), DbErr> {
        db::deliveries::fail(&self.db, row.id, answer, now).await?;
        tracing::error!(channel = %self.channel.name, delivery = row.id, %answer, "delivery failed");
        self.count("failed");
        // A failure to report a failure, or a test, raises nothing more.
        if matches!(msg.notification.kind, Some(Kind::DeliveryFailed | Kind::Test)) {
            return Ok(());
        }
        let name = &self.channel.name;
        let n = Notification::new(
            Level::Warning,
            Kind::DeliveryFailed,
            now,
            format!("{name} delivery failed"),
            format!("{}: {answer}", msg.headline()),
        )
        .about(name);
        self.notifier.publish(n);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let t = Timing { fold_window_ms: 0, give_up_ms: 0, retry_base_ms: 1000, retry_max_ms: 600_000 };
        let waits: Vec<i64> = (1..=12).map(|a| t.backoff(a)).collect();
        assert_eq!(&waits[..5], [1000, 2000, 4000, 8000, 16_000]);
        assert_eq!(waits[11], 600_000);
    }
}

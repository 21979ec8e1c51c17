//! The outbox writer: stores each notification once, then one delivery row per channel (and
//! Telegram chat) whose rules take it — sent at once, or folded into its key's summary — and
//! wakes that channel's worker. It owns the fold state, so each repeat is counted exactly once;
//! after a restart it rebuilds that state from the rows whose windows are still open.
//!
//! What is queued together is stored together: one transaction for up to [`BATCH`]
//! notifications, so a storm costs one commit per batch, not one per row. A batch that fails
//! is rolled back whole and the fold state rebuilt from the rows, which stay its truth.

use super::fold::{Dest, Folds, Step};
use super::{Directory, Envelope, StoreQueue};
use crate::clock::Clock;
use crate::db;
use crate::db::deliveries::NewDelivery;
use app::notification::{Kind, Level, Notification};
use app::outbox::{DeliveryStatus, Loudness};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// At most this many notifications are stored in one transaction.
pub const BATCH: usize = 256;

pub struct Outbox {
    db: DatabaseConnection,
    directory: Arc<Directory>,
    /// Each channel's worker, woken when a row is added.
    wakers: BTreeMap<String, Arc<Notify>>,
    folds: Folds,
    clock: Clock,
}

/// Whose failure a `delivery_failed` notification reports: never sent to that channel.
pub fn failed_channel(n: &Notification) -> Option<&str> {
    if n.kind != Some(Kind::DeliveryFailed) {
        return None;
    }
    n.dedup_key.strip_prefix("delivery_failed:")
}

impl Outbox {
    pub fn new(
        db: DatabaseConnection,
        directory: Arc<Directory>,
        wakers: BTreeMap<String, Arc<Notify>>,
        fold_window_ms: i64,
        clock: Clock,
    ) -> Self {
        Self { db, directory, wakers, folds: Folds::new(fold_window_ms), clock }
    }

    /// The fold windows still open, from the stored rows (after a restart).
    pub async fn restore(&mut self) -> Result<(), DbErr> {
        let now = self.clock.wall_ms();
        let rows = db::deliveries::windows_since(&self.db, now - self.folds.window_ms()).await?;
        for r in rows {
            let (Some(end), dest) = (r.window_end_ms, (r.channel.clone(), r.target.clone())) else { continue };
            if r.folded > 0 {
                self.folds.summarised(&dest, &r.dedup_key, r.id, end);
            } else {
                self.folds.led(&dest, &r.dedup_key, end);
            }
        }
        Ok(())
    }

    /// Store what was queued, in order: runs of notifications one transaction each, and
    /// test messages between them.
    pub async fn handle(&mut self, envelopes: Vec<Envelope>) {
        let mut run = Vec::new();
        for envelope in envelopes {
            match envelope {
                Envelope::Publish(n) => run.push(n),
                Envelope::Test { channel, by, reply } => {
                    self.store(std::mem::take(&mut run)).await;
                    let _ = reply.send(self.test(&channel, &by).await.map_err(|e| e.to_string()));
                }
            }
        }
        self.store(run).await;
    }

    async fn store(&mut self, notes: Vec<Notification>) {
        if notes.is_empty() {
            return;
        }
        let status = match self.publish_all(&notes).await {
            Ok(woken) => {
                // After the commit: a worker woken earlier could look before the rows exist.
                for name in woken {
                    self.wake(&name);
                }
                "ok"
            }
            Err(e) => {
                tracing::error!(error = %e, count = notes.len(), first = %notes[0].title, "storing notifications failed");
                // The fold state may count rows the rollback took back: rebuild it.
                self.folds = Folds::new(self.folds.window_ms());
                if let Err(e) = self.restore().await {
                    tracing::error!(error = %e, "reading the open fold windows failed; repeats start afresh");
                }
                "failed"
            }
        };
        // The stored copy is one delivery channel; the outbox's channels count under their names.
        metrics::counter!(crate::metrics::names::NOTIFICATION_DELIVERIES, "channel" => "store", "status" => status)
            .increment(notes.len() as u64);
    }

    /// Every notification and its delivery rows in one transaction; the channels to wake.
    async fn publish_all(&mut self, notes: &[Notification]) -> Result<BTreeSet<String>, DbErr> {
        let txn = self.db.begin().await?;
        let mut woken = BTreeSet::new();
        for n in notes {
            self.publish(&txn, n, &mut woken).await?;
        }
        txn.commit().await?;
        Ok(woken)
    }

    async fn publish(
        &mut self,
        db: &impl ConnectionTrait,
        n: &Notification,
        woken: &mut BTreeSet<String>,
    ) -> Result<(), DbErr> {
        let id = db::trading::insert_notification(db, n).await?;
        let now = self.clock.wall_ms();
        // Legacy rows have no key; their title tells repeats apart.
        let key = if n.dedup_key.is_empty() { n.title.clone() } else { n.dedup_key.clone() };
        let skip = failed_channel(n);
        let channels: Vec<(String, Vec<String>)> =
            self.directory.channels.iter().map(|c| (c.name.clone(), c.targets.clone())).collect();
        for (name, targets) in channels {
            if skip == Some(name.as_str()) {
                continue;
            }
            let Some(loudness) = self.directory.rules(&name).and_then(|r| r.decide(n)) else { continue };
            for target in targets {
                let dest: Dest = (name.clone(), target);
                self.route(db, id, &dest, &key, loudness == Loudness::Silent, now).await?;
            }
            woken.insert(name);
        }
        self.folds.prune(now);
        Ok(())
    }

    /// One delivery row for `dest`: a lead, a repeat folded into its summary, or a new summary.
    async fn route(
        &mut self,
        db: &impl ConnectionTrait,
        id: i64,
        dest: &Dest,
        key: &str,
        silent: bool,
        now: i64,
    ) -> Result<(), DbErr> {
        let row = |status, next, window_end| NewDelivery {
            notification_id: id,
            channel: dest.0.clone(),
            target: dest.1.clone(),
            status,
            next_attempt_ms: next,
            folded: 0,
            folded_into: None,
            window_end_ms: window_end,
            silent,
            dedup_key: key.to_owned(),
        };
        loop {
            match self.folds.step(dest, key, now) {
                Step::Lead { window_end } => {
                    db::deliveries::insert(db, row(DeliveryStatus::Pending, now, Some(window_end)), now).await?;
                    self.folds.led(dest, key, window_end);
                }
                Step::FoldInto { summary } => {
                    if !db::deliveries::fold_into(db, summary, now).await? {
                        // Its worker already started sending it: this repeat opens the next one.
                        self.folds.claimed(dest, key);
                        continue;
                    }
                    let folded =
                        NewDelivery { folded_into: Some(summary), ..row(DeliveryStatus::Suppressed, now, None) };
                    db::deliveries::insert(db, folded, now).await?;
                }
                Step::NewSummary { window_end } => {
                    let summary =
                        NewDelivery { folded: 1, ..row(DeliveryStatus::Pending, window_end, Some(window_end)) };
                    let sid = db::deliveries::insert(db, summary, now).await?;
                    self.folds.summarised(dest, key, sid, window_end);
                }
            }
            return Ok(());
        }
    }

    async fn test(&mut self, channel: &str, by: &str) -> Result<Vec<i64>, DbErr> {
        let now = self.clock.wall_ms();
        let n = Notification::new(
            Level::Info,
            Kind::Test,
            now,
            "Test message",
            format!("sent from the Config page by {by}"),
        )
        .about(now);
        let id = db::trading::insert_notification(&self.db, &n).await?;
        let targets = self.directory.channels.iter().find(|c| c.name == channel).map(|c| c.targets.clone());
        let mut ids = Vec::new();
        for target in targets.unwrap_or_default() {
            let row = NewDelivery {
                notification_id: id,
                channel: channel.to_owned(),
                target,
                status: DeliveryStatus::Pending,
                next_attempt_ms: now,
                folded: 0,
                folded_into: None,
                window_end_ms: None,
                silent: false,
                dedup_key: n.dedup_key.clone(),
            };
            ids.push(db::deliveries::insert(&self.db, row, now).await?);
        }
        self.wake(channel);
        Ok(ids)
    }

    fn wake(&self, channel: &str) {
        if let Some(w) = self.wakers.get(channel) {
            w.notify_one();
        }
    }
}

/// The writer's task, until `cancel`; then what is queued is stored too (and sent at the next
/// start if the workers have stopped).
pub async fn run(mut outbox: Outbox, mut queue: StoreQueue, cancel: CancellationToken) {
    if let Err(e) = outbox.restore().await {
        tracing::error!(error = %e, "reading the open fold windows failed; repeats start afresh");
    }
    loop {
        let first = tokio::select! {
            e = queue.0.recv() => match e { Some(e) => e, None => return },
            _ = cancel.cancelled() => break,
        };
        let batch = more(&mut queue, vec![first]);
        outbox.handle(batch).await;
    }
    loop {
        let batch = more(&mut queue, Vec::new());
        if batch.is_empty() {
            return;
        }
        outbox.handle(batch).await;
    }
}

/// `batch` and whatever else is queued now, up to [`BATCH`].
fn more(queue: &mut StoreQueue, mut batch: Vec<Envelope>) -> Vec<Envelope> {
    while batch.len() < BATCH {
        match queue.0.try_recv() {
            Ok(e) => batch.push(e),
            Err(_) => break,
        }
    }
    batch
}

/// The store alone, with no channel: what tests and tools that need no delivery use.
pub async fn store(db: DatabaseConnection, queue: StoreQueue, cancel: CancellationToken) {
    let outbox = Outbox::new(db, Arc::default(), BTreeMap::new(), 300_000, Clock::system());
    run(outbox, queue, cancel).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::Notifier;

    #[tokio::test]
    async fn published_notifications_stream_live_and_are_stored() {
        let db = db::connect("sqlite::memory:").await.unwrap();
        let (notifier, queue) = Notifier::new();
        let mut live = notifier.subscribe();
        let cancel = CancellationToken::new();
        let task = tokio::spawn(store(db.clone(), queue, cancel.clone()));
        for i in 0..3 {
            notifier.publish(Notification::new(Level::Warning, Kind::Test, i, format!("n{i}"), "m"));
        }
        assert_eq!(live.recv().await.unwrap().title, "n0");
        cancel.cancel();
        task.await.unwrap();
        let stored = db::trading::recent_notifications(&db, 10).await.unwrap();
        assert_eq!(stored.iter().map(|n| n.title.as_str()).collect::<Vec<_>>(), ["n2", "n1", "n0"]);
    }
}

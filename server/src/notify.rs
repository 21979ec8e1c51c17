//! Where every notification goes: one broadcast for live readers (the dashboard's stream), and
//! a queue to a subscriber that stores each one, off the path from a decision to the venues.
//! The engine, the market-data owner and the operations layer all publish here.

use crate::db;
use app::trading::Notification;
use sea_orm::DatabaseConnection;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;

/// Cheap to clone; every clone publishes to the same readers.
#[derive(Clone, Debug)]
pub struct Notifier {
    live: broadcast::Sender<Notification>,
    store: mpsc::UnboundedSender<Notification>,
}

/// The stored side of a [`Notifier`]: hand it to [`store`].
pub struct StoreQueue(mpsc::UnboundedReceiver<Notification>);

impl Notifier {
    pub fn new() -> (Self, StoreQueue) {
        let (store, rx) = mpsc::unbounded_channel();
        (Self { live: broadcast::channel(256).0, store }, StoreQueue(rx))
    }

    /// Log, store (asynchronously: nothing waits for the database) and stream `n`.
    pub fn publish(&self, n: Notification) {
        tracing::info!(level = ?n.level, title = %n.title, "{}", n.message);
        // Unbounded: a storm of notifications must not be lost, nor block the publisher. The
        // store drains far faster than the platform can produce them.
        let _ = self.store.send(n.clone());
        // No subscribers is normal when no browser is open.
        let _ = self.live.send(n);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Notification> {
        self.live.subscribe()
    }

    /// How many live readers follow the notifications (open streams).
    pub fn readers(&self) -> usize {
        self.live.receiver_count()
    }
}

/// The subscriber that stores notifications, until `cancel`; then what is queued is stored too.
pub async fn store(db: DatabaseConnection, mut queue: StoreQueue, cancel: CancellationToken) {
    loop {
        let n = tokio::select! {
            n = queue.0.recv() => match n { Some(n) => n, None => return },
            _ = cancel.cancelled() => break,
        };
        write(&db, &n).await;
    }
    while let Ok(n) = queue.0.try_recv() {
        write(&db, &n).await;
    }
}

async fn write(db: &DatabaseConnection, n: &Notification) {
    let status = match db::trading::insert_notification(db, n).await {
        Ok(_) => "ok",
        Err(e) => {
            tracing::error!(error = %e, title = %n.title, "storing a notification failed");
            "failed"
        }
    };
    // The stored copy is one delivery channel; the outbox's channels count under their names.
    metrics::counter!(crate::metrics::names::NOTIFICATION_DELIVERIES, "channel" => "store", "status" => status)
        .increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::trading::{Kind, Level};

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

//! Where every notification goes: one broadcast for live readers (the dashboard's stream), and
//! a queue to the outbox, off the path from a decision to the venues. The engine, the
//! market-data owner and the operations layer all publish here.
//!
//! The outbox (`outbox`) stores each notification once and one delivery row per matching
//! channel and target; each channel's worker (`worker`) sends its rows within the channel's
//! rate limits, retries with back-off or exactly the wait a 429 asked for, and marks each row
//! sent the moment the channel acknowledges it. Repeats of a key fold (`fold`) into one summary.
//! Channels: `telegram`, `email`, `webhook`; how a message fits each: `text`; limits: `limit`.

pub mod channel;
pub mod email;
pub mod fold;
pub mod limit;
pub mod message;
pub mod outbox;
pub mod telegram;
pub mod text;
pub mod webhook;
pub mod worker;

use app::notification::Notification;
use app::outbox::{ChannelKind, ChannelRules, ChannelView};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use tokio::sync::{broadcast, mpsc, oneshot};

/// What the outbox's queue carries.
#[derive(Debug)]
pub enum Envelope {
    Publish(Notification),
    /// A test message for one channel; the reply carries its delivery ids (one per target).
    Test {
        channel: String,
        by: String,
        reply: oneshot::Sender<Result<Vec<i64>, String>>,
    },
}

/// Cheap to clone; every clone publishes to the same readers.
#[derive(Clone, Debug)]
pub struct Notifier {
    live: broadcast::Sender<Notification>,
    queue: mpsc::UnboundedSender<Envelope>,
    directory: Arc<Directory>,
}

/// The outbox's side of a [`Notifier`]: hand it to [`outbox::run`].
pub struct StoreQueue(pub(crate) mpsc::UnboundedReceiver<Envelope>);

/// A configured channel, without its secrets.
#[derive(Debug, Clone)]
pub struct ChannelInfo {
    pub name: String,
    pub kind: ChannelKind,
    pub targets: Vec<String>,
    pub destination: String,
    pub limits: String,
    /// The settings file's rules.
    pub configured: ChannelRules,
}

/// The channels and the rules in effect: the settings file's, or an admin's edit. Shared by
/// the outbox (which routes by them) and the API (which shows and edits them).
#[derive(Debug, Default)]
pub struct Directory {
    pub channels: Vec<ChannelInfo>,
    edited: RwLock<BTreeMap<String, ChannelRules>>,
}

impl Directory {
    pub fn new(channels: &[channel::Channel], edited: BTreeMap<String, ChannelRules>) -> Self {
        let channels = channels
            .iter()
            .map(|c| ChannelInfo {
                name: c.name.clone(),
                kind: c.kind,
                targets: c.targets.clone(),
                destination: c.destination.clone(),
                limits: c.limits().to_owned(),
                configured: c.rules.clone(),
            })
            .collect();
        Self { channels, edited: RwLock::new(edited) }
    }

    pub fn rules(&self, channel: &str) -> Option<ChannelRules> {
        let edited = self.edited.read().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = edited.get(channel) {
            return Some(r.clone());
        }
        self.channels.iter().find(|c| c.name == channel).map(|c| c.configured.clone())
    }

    pub fn views(&self) -> Vec<ChannelView> {
        let edited = self.edited.read().unwrap_or_else(|e| e.into_inner());
        self.channels
            .iter()
            .map(|c| {
                let (rules, was_edited) = match edited.get(&c.name) {
                    Some(r) => (r.clone(), true),
                    None => (c.configured.clone(), false),
                };
                ChannelView {
                    name: c.name.clone(),
                    kind: c.kind,
                    destination: c.destination.clone(),
                    limits: c.limits.clone(),
                    rules,
                    edited: was_edited,
                }
            })
            .collect()
    }

    /// Rules saved by an admin take effect for the next notification.
    pub fn set_rules(&self, channel: &str, rules: ChannelRules) {
        self.edited.write().unwrap_or_else(|e| e.into_inner()).insert(channel.to_owned(), rules);
    }

    pub fn has(&self, channel: &str) -> bool {
        self.channels.iter().any(|c| c.name == channel)
    }
}

impl Notifier {
    /// A notifier with no outgoing channel (the stream and the store only).
    pub fn new() -> (Self, StoreQueue) {
        Self::with_directory(Arc::default())
    }

    pub fn with_directory(directory: Arc<Directory>) -> (Self, StoreQueue) {
        let (queue, rx) = mpsc::unbounded_channel();
        (Self { live: broadcast::channel(256).0, queue, directory }, StoreQueue(rx))
    }

    /// Log, store and deliver (asynchronously: nothing waits for the database or a channel),
    /// and stream `n`.
    pub fn publish(&self, n: Notification) {
        tracing::info!(level = ?n.level, title = %n.title, "{}", n.message);
        // Unbounded: a storm of notifications must not be lost, nor block the publisher. The
        // outbox drains far faster than the platform can produce them.
        let _ = self.queue.send(Envelope::Publish(n.clone()));
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

    pub fn directory(&self) -> &Arc<Directory> {
        &self.directory
    }

    /// Queue a test message to `channel`; its delivery rows' ids once stored.
    pub async fn test(&self, channel: &str, by: &str) -> Result<Vec<i64>, String> {
        if !self.directory.has(channel) {
            return Err(format!("no channel named {channel:?}"));
        }
        let (reply, answer) = oneshot::channel();
        let sent = self.queue.send(Envelope::Test { channel: channel.to_owned(), by: by.to_owned(), reply });
        if sent.is_err() {
            return Err("the outbox is not running".into());
        }
        answer.await.unwrap_or_else(|_| Err("the outbox stopped before storing the test".into()))
    }
}

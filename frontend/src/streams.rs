//! The trading streams: `/ws/positions`, `/ws/orders` (items keyed by position id and client
//! order id) and `/ws/notifications` (newest first). Each is a [`Socket`], so it reconnects by
//! itself and starts over from the server's snapshot; provided together as [`Streams`].

use crate::ws::{ConnState, Socket};
use app::ClientOrderId;
use app::trading::{Notification, OrderView, PositionId, PositionView};
use app::ws::StreamMessage;
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// Notifications kept for the page: the server's snapshot holds the latest 50 as well.
const NOTIFICATIONS_KEPT: usize = 50;

/// A stream of items that replace each other by key.
pub struct LiveMap<K: 'static, T: 'static> {
    state: RwSignal<ConnState>,
    items: RwSignal<BTreeMap<K, T>>,
}

impl<K, T> Clone for LiveMap<K, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K, T> Copy for LiveMap<K, T> {}

impl<K, T> LiveMap<K, T>
where
    K: Ord + Clone + Send + Sync + 'static,
    T: DeserializeOwned + Clone + PartialEq + Send + Sync + 'static,
{
    pub(crate) fn connect(path: &'static str, key: fn(&T) -> K) -> Self {
        let map = Self { state: RwSignal::new(ConnState::Connecting), items: RwSignal::new(BTreeMap::new()) };
        let socket = Socket::start(path, map.state, move |text| match serde_json::from_str::<StreamMessage<T>>(text) {
            Ok(StreamMessage::Snapshot(all)) => map.items.set(all.into_iter().map(|t| (key(&t), t)).collect()),
            Ok(StreamMessage::Update(item)) => {
                let k = key(&item);
                if map.items.with_untracked(|m| m.get(&k) != Some(&item)) {
                    map.items.update(|m| {
                        m.insert(k, item);
                    });
                }
            }
            Err(e) => leptos::logging::warn!("{path}: bad message: {e}"),
        });
        // Owned by the current reactive owner: disposing it (logout) closes the socket.
        StoredValue::new_local(socket);
        map
    }

    pub fn state(&self) -> ConnState {
        self.state.get()
    }

    pub fn items(&self) -> ReadSignal<BTreeMap<K, T>> {
        self.items.read_only()
    }
}

/// The notifications stream, newest first.
#[derive(Clone, Copy)]
pub struct NotificationFeed {
    state: RwSignal<ConnState>,
    items: RwSignal<Vec<Notification>>,
}

impl NotificationFeed {
    fn connect() -> Self {
        let feed = Self { state: RwSignal::new(ConnState::Connecting), items: RwSignal::new(Vec::new()) };
        let socket = Socket::start("/ws/notifications", feed.state, move |text| {
            match serde_json::from_str::<StreamMessage<Notification>>(text) {
                Ok(StreamMessage::Snapshot(latest)) => feed.items.set(latest),
                Ok(StreamMessage::Update(n)) => feed.items.update(|v| {
                    v.insert(0, n);
                    v.truncate(NOTIFICATIONS_KEPT);
                }),
                Err(e) => leptos::logging::warn!("/ws/notifications: bad message: {e}"),
            }
        });
        StoredValue::new_local(socket);
        feed
    }

    pub fn state(&self) -> ConnState {
        self.state.get()
    }

    pub fn items(&self) -> ReadSignal<Vec<Notification>> {
        self.items.read_only()
    }
}

#[derive(Clone, Copy)]
pub struct Streams {
    pub positions: LiveMap<PositionId, PositionView>,
    pub orders: LiveMap<ClientOrderId, OrderView>,
    pub notifications: NotificationFeed,
}

impl Streams {
    /// Open the three streams; call once, from the signed-in shell, which then owns them.
    pub fn connect() -> Self {
        Self {
            positions: LiveMap::connect("/ws/positions", |p: &PositionView| p.id),
            orders: LiveMap::connect("/ws/orders", |o: &OrderView| o.client_order_id.clone()),
            notifications: NotificationFeed::connect(),
        }
    }

    /// Each stream's name and state, for the connection indicator.
    pub fn states(&self) -> [(&'static str, ConnState); 3] {
        [
            ("positions", self.positions.state()),
            ("orders", self.orders.state()),
            ("notifications", self.notifications.state()),
        ]
    }
}

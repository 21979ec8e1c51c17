//! The server status (`/api/v1/status`), polled every few seconds: it feeds the server clock
//! and tells the header which venues run simulated, on testnet or with real money.

use crate::api;
use crate::clock::ServerClock;
use app::api::Status;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

/// The first polls come quickly so that the clock learns the speed of a simulated server
/// (up to hours per real second) within a few seconds of opening the page.
const FIRST_POLLS: u32 = 4;
const FIRST_POLL_EVERY: Duration = Duration::from_secs(1);
const POLL_EVERY: Duration = Duration::from_secs(5);

#[derive(Clone, Copy)]
pub struct ServerStatus {
    latest: RwSignal<Option<Status>>,
}

impl ServerStatus {
    /// Start polling; call once, from the root component. Polling stops when that
    /// component's signals are disposed.
    pub fn start(clock: ServerClock) -> Self {
        let status = Self { latest: RwSignal::new(None) };
        status.poll(clock, 0);
        status
    }

    pub fn latest(&self) -> Option<Status> {
        self.latest.get()
    }

    fn poll(self, clock: ServerClock, n: u32) {
        if self.latest.is_disposed() {
            return;
        }
        spawn_local(async move {
            // A failed poll keeps the previous status: the stream's indicator already tells
            // the user when the server is unreachable.
            if let Ok(s) = api::status().await {
                clock.observe(s.now_ms);
                self.latest.try_set(Some(s));
            }
        });
        let delay = if n < FIRST_POLLS { FIRST_POLL_EVERY } else { POLL_EVERY };
        set_timeout(move || self.poll(clock, n.saturating_add(1)), delay);
    }
}

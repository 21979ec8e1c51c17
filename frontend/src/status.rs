//! The server status (`/api/v1/status`), polled every few seconds: it feeds the server clock
//! and tells the header which venues run simulated, on testnet or with real money.

use crate::api;
use crate::clock::ServerClock;
use app::api::Status;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

const POLL: Duration = Duration::from_secs(5);

#[derive(Clone, Copy)]
pub struct ServerStatus {
    latest: RwSignal<Option<Status>>,
}

impl ServerStatus {
    /// Start polling; call once, from the root component.
    pub fn start(clock: ServerClock) -> Self {
        let status = Self { latest: RwSignal::new(None) };
        let poll = move || {
            spawn_local(async move {
                // A failed poll keeps the previous status: the stream's indicator already
                // tells the user when the server is unreachable.
                if let Ok(s) = api::status().await {
                    clock.observe(s.now_ms);
                    status.latest.set(Some(s));
                }
            })
        };
        poll();
        match set_interval_with_handle(poll, POLL) {
            Ok(handle) => on_cleanup(move || handle.clear()),
            Err(e) => leptos::logging::error!("status polling not started: {e:?}"),
        }
        status
    }

    pub fn latest(&self) -> Option<Status> {
        self.latest.get()
    }
}

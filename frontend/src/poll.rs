//! Refreshing REST data on a timer for as long as the component that asked lives.

use leptos::prelude::*;
use std::time::Duration;

/// Run `f` every `period` until the current reactive owner is disposed.
pub fn every(period: Duration, f: impl Fn() + 'static) {
    match set_interval_with_handle(f, period) {
        Ok(handle) => on_cleanup(move || handle.clear()),
        Err(e) => leptos::logging::error!("refresh timer not started: {e:?}"),
    }
}

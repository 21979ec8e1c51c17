//! Time left until a settlement, on the server's clock, ticking each second.

use crate::clock::ServerClock;
use crate::format;
use app::TimestampMs;
use leptos::prelude::*;

/// Text of the countdown to `target_ms`; "—" until the server's time is known.
pub fn countdown_text(clock: ServerClock, target_ms: TimestampMs) -> String {
    match clock.now_ms() {
        Some(now) => format::countdown(target_ms - now),
        None => "—".to_owned(),
    }
}

/// A table cell counting down to a venue's next settlement.
#[component]
pub fn CountdownCell(#[prop(into)] col: String, #[prop(into)] target_ms: Signal<Option<TimestampMs>>) -> impl IntoView {
    let clock = expect_context::<ServerClock>();
    let text = move || match target_ms.get() {
        Some(t) => countdown_text(clock, t),
        None => "—".to_owned(),
    };
    // Soon = within the last tenth of an hour: the rate shown is about to be charged.
    let soon = move || match (target_ms.get(), clock.now_ms()) {
        (Some(t), Some(now)) => (0..360_000).contains(&(t - now)),
        _ => false,
    };
    view! { <td data-col=col class="num countdown" class:soon=soon>{text}</td> }
}

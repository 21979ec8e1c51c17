//! The stream indicator: `#conn-status[data-state]` is connecting, live or reconnecting.

use crate::ws::FundingFeed;
use leptos::prelude::*;

#[component]
pub fn ConnStatus() -> impl IntoView {
    let feed = expect_context::<FundingFeed>();
    let state = Memo::new(move |_| feed.state());
    let title = move || match state.get().as_str() {
        "live" => "Streaming funding rates from the server",
        "reconnecting" => "Connection lost; retrying. Figures shown are the last received.",
        _ => "Connecting to the server",
    };
    view! {
        <div
            id="conn-status"
            class="conn"
            data-state=move || state.get().as_str()
            role="status"
            aria-live="polite"
            title=title
        >
            <span class="conn-dot" aria-hidden="true"></span>
            <span class="conn-label">{move || state.get().label()}</span>
        </div>
    }
}

//! Recent notifications (`ul#notifications li[data-level]`), newest first, live from the
//! notifications stream.

use crate::format;
use crate::streams::Streams;
use app::trading::Level;
use leptos::prelude::*;

const SHOWN: usize = 12;

#[component]
pub fn Notifications() -> impl IntoView {
    let streams = expect_context::<Streams>();
    let items = move || {
        streams.notifications.items().with(|v| {
            v.iter()
                .take(SHOWN)
                .map(|n| {
                    let level = match n.level {
                        Level::Info => "info",
                        Level::Warning => "warning",
                        Level::Critical => "critical",
                    };
                    view! {
                        <li data-level=level class=format!("note note-{level}")>
                            <time class="muted num">{format::utc_month_day(n.time_ms)} " " {format::utc_time(n.time_ms)}</time>
                            <b>{n.title.clone()}</b>
                            <span class="note-message">{n.message.clone()}</span>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let empty = move || streams.notifications.items().with(Vec::is_empty);
    view! {
        <section class="panel notifications" aria-labelledby="notes-title">
            <h2 id="notes-title">"Notifications"</h2>
            <ul id="notifications" class="notes">
                {items}
                <Show when=empty>
                    <li class="muted">"Nothing yet."</li>
                </Show>
            </ul>
        </section>
    }
}

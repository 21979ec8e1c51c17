//! The engine's state (`#engine-status`: running, paused or killed; what blocks opening; the
//! parameter version in effect) and the server's version and uptime (`#server-info`).

use super::{date_time, duration, every};
use crate::api::{self, BASE};
use crate::status::ServerStatus;
use app::trading::EngineStatus;
use leptos::prelude::*;
use std::time::Duration;

#[component]
pub fn EngineState() -> impl IntoView {
    let status =
        LocalResource::new(|| async { api::get::<Option<EngineStatus>>(&format!("{BASE}/engine/status")).await });
    every(Duration::from_secs(3), move || status.refetch());
    let body = move || match status.get() {
        None => view! { <p class="muted">"Loading…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error">"Could not read the engine: " {e.to_string()}</p> }.into_any(),
        Some(Ok(None)) => view! { <p class="muted">"The engine has not reported yet."</p> }.into_any(),
        Some(Ok(Some(s))) => view! { <EngineFigures s/> }.into_any(),
    };
    view! { <div id="engine-status">{body}</div> }
}

#[component]
fn EngineFigures(s: EngineStatus) -> impl IntoView {
    let (state, class) = if s.killed {
        ("killed", "verdict no")
    } else if s.paused {
        ("paused", "verdict warn")
    } else {
        ("running", "verdict yes")
    };
    let blocked = if s.blocked.is_empty() {
        view! { <span class="muted">"nothing: opens allowed"</span> }.into_any()
    } else {
        view! { <ul class="plain">{s.blocked.into_iter().map(|b| view! { <li>{b}</li> }).collect_view()}</ul> }
            .into_any()
    };
    view! {
        <dl class="figures wide">
            <dt>"State"</dt>
            <dd data-field="state"><span class=class>{state}</span></dd>
            <dt>"Opening blocked by"</dt>
            <dd data-field="blocked" class="text">{blocked}</dd>
            <dt>"Parameters in effect"</dt>
            <dd data-field="params_version">
                <a href="/config">{format!("version {}", s.params_version)}</a>
            </dd>
        </dl>
    }
}

/// Version, start time and uptime from the app-wide status poll.
#[component]
pub fn ServerInfo() -> impl IntoView {
    let status = expect_context::<ServerStatus>();
    move || {
        status.latest().map(|s| {
            view! {
                <span id="server-info" class="muted server-info">
                    "Version " <b data-field="version">{s.version}</b>
                    " · up " <b data-field="uptime">{duration(s.uptime_s)}</b>
                    " · since " <span data-field="started">{date_time(s.started_ms)}</span> " UTC"
                </span>
            }
        })
    }
}

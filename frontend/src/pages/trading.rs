//! The Trading page (`/trading`): engine state with pause/resume (`#engine-state`, `#pause`,
//! `#resume`), the open form with its live preview, and the close form with close-all.
//! Controls are shown to traders and admins only; the server refuses viewers anyway.

mod close;
mod form;
mod open;
mod preview;

use crate::api::{self, ApiError};
use crate::auth::Session;
use crate::poll;
use app::auth::Role;
use app::trading::EngineStatus;
use form::FieldErrors;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

const ENGINE_EVERY: Duration = Duration::from_secs(3);

#[component]
pub fn TradingPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let engine = LocalResource::new(api::engine_status);
    poll::every(ENGINE_EVERY, move || engine.refetch());
    let can_trade = move || session.can(Role::Trader);
    view! {
        <div class="trading">
            <h1 class="page-title">"Trading"</h1>
            <EnginePanel engine/>
            <Show
                when=can_trade
                fallback=move || view! {
                    <p id="viewer-note" class="panel muted">
                        "Your role (" {move || session.role().map(|r| r.as_str()).unwrap_or("none")}
                        ") can watch but not trade: opening, closing and pausing need a trader."
                    </p>
                }
            >
                <open::OpenPanel engine/>
                <close::ClosePanel/>
            </Show>
        </div>
    }
}

/// Running, paused or killed; why opening is blocked; pause and resume for traders.
#[component]
fn EnginePanel(engine: LocalResource<Result<Option<EngineStatus>, ApiError>>) -> impl IntoView {
    let session = expect_context::<Session>();
    let message = RwSignal::new(None::<Message>);
    let status = move || engine.get().and_then(Result::ok).flatten();
    let state = move || match status() {
        None => "unknown",
        Some(s) if s.killed => "killed",
        Some(s) if s.paused => "paused",
        Some(_) => "running",
    };
    let act = move |pause: bool| {
        message.set(None);
        spawn_local(async move {
            let result = if pause { api::pause().await } else { api::resume().await };
            message.try_set(Some(match result {
                Ok(ack) => Message::ok(ack.message),
                Err(e) => Message::error(e.to_string()),
            }));
            engine.refetch();
        });
    };
    view! {
        <section class="panel engine" aria-labelledby="engine-title">
            <div class="engine-line">
                <h2 id="engine-title">"Engine"</h2>
                <span id="engine-state" class=move || format!("engine-state state-{}", state()) data-state=state>
                    {state}
                </span>
                <Show when=move || session.can(Role::Trader)>
                    <Show
                        when=move || state() == "running"
                        fallback=move || view! {
                            <button id="resume" type="button" class="btn" on:click=move |_| act(false)
                                disabled=move || state() != "paused">
                                "Resume opening"
                            </button>
                        }
                    >
                        <button id="pause" type="button" class="btn" on:click=move |_| act(true)>"Pause opening"</button>
                    </Show>
                </Show>
                <MessageLine id="engine-message" message/>
            </div>
            {move || {
                let blocked = status().map(|s| s.blocked).unwrap_or_default();
                (!blocked.is_empty()).then(|| view! {
                    <ul class="blocked muted">{blocked.into_iter().map(|b| view! { <li>{b}</li> }).collect_view()}</ul>
                })
            }}
        </section>
    }
}

/// The outcome of an action, shown under its form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    ok: bool,
    text: String,
}

impl Message {
    pub fn ok(text: impl Into<String>) -> Self {
        Self { ok: true, text: text.into() }
    }

    pub fn error(text: impl Into<String>) -> Self {
        Self { ok: false, text: text.into() }
    }
}

/// `<p id=… data-kind=ok|error>`, hidden when there is nothing to say.
#[component]
pub fn MessageLine(id: &'static str, message: RwSignal<Option<Message>>) -> impl IntoView {
    let kind = move || message.with(|m| m.as_ref().map(|m| if m.ok { "ok" } else { "error" }));
    view! {
        <p id=id class=move || format!("form-message {}", kind().unwrap_or("")) data-kind=kind role="status"
            hidden=move || message.with(Option::is_none)>
            {move || message.with(|m| m.as_ref().map(|m| m.text.clone()))}
        </p>
    }
}

/// The message beside a field: `[data-error-for=field]`, empty and hidden when it is fine.
#[component]
pub fn FieldError(field: &'static str, errors: RwSignal<FieldErrors>) -> impl IntoView {
    let text = move || errors.with(|e| e.get(field).cloned());
    view! {
        <span class="field-error" data-error-for=field role="alert" hidden=move || text().is_none()>
            {move || text().unwrap_or_default()}
        </span>
    }
}

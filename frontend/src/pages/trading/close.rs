//! Closing: a position and a percentage (`#close-form`), and close-all (`#close-all`) behind a
//! confirmation (`#close-all-dialog`) that lists every position it will close.

use super::form::{CLOSE_FIELDS, CloseForm, FieldErrors};
use super::{FieldError, Message, MessageLine};
use crate::api;
use crate::format;
use crate::streams::Streams;
use app::trading::{CloseAllRequest, PositionView};
use leptos::prelude::*;
use leptos::task::spawn_local;

const PRESETS: [u32; 4] = [25, 50, 75, 100];

/// The positions that can be closed, newest first.
fn active(streams: Streams) -> Memo<Vec<PositionView>> {
    Memo::new(move |_| {
        streams.positions.items().with(|m| m.values().rev().filter(|p| p.status.is_active()).cloned().collect())
    })
}

/// "#3 ETH · Long Lighter / Short Binance · 1.25 each leg".
fn describe(p: &PositionView) -> String {
    let size = p.legs.iter().map(|l| l.qty.0.abs()).max().unwrap_or_default();
    format!("#{} {} · {} · {} each leg", p.id, p.symbol, p.direction.label(), format::qty(size))
}

#[component]
pub fn ClosePanel() -> impl IntoView {
    let streams = expect_context::<Streams>();
    let positions = active(streams);
    let form = RwSignal::new(CloseForm { position_id: None, percent: "50".into() });
    let errors = RwSignal::new(FieldErrors::new());
    let message = RwSignal::new(None::<Message>);
    let busy = RwSignal::new(false);

    // Keep the choice valid: the first active position when none (or a closed one) is chosen.
    Effect::new(move |_| {
        let ids: Vec<_> = positions.with(|v| v.iter().map(|p| p.id).collect());
        let chosen = form.with_untracked(|f| f.position_id);
        if chosen.is_none_or(|id| !ids.contains(&id)) {
            form.update(|f| f.position_id = ids.first().copied());
        }
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        message.set(None);
        let req = match form.with_untracked(CloseForm::parse) {
            Ok(r) => r,
            Err(e) => {
                errors.set(e);
                return;
            }
        };
        errors.set(FieldErrors::new());
        busy.set(true);
        spawn_local(async move {
            let result = api::close_position(&req).await;
            busy.try_set(false);
            match result {
                Ok(ack) => message.try_set(Some(Message::ok(ack.message))),
                Err(e) => {
                    let by_field: FieldErrors =
                        CLOSE_FIELDS.iter().filter_map(|f| e.field_message(f).map(|m| (f.to_string(), m))).collect();
                    errors.try_set(by_field);
                    message.try_set(Some(Message::error(e.to_string())))
                }
            };
        });
    };

    let options = move || {
        let chosen = form.with(|f| f.position_id);
        positions
            .get()
            .iter()
            .map(|p| {
                let selected = Some(p.id) == chosen;
                view! { <option value=p.id.to_string() selected=selected>{describe(p)}</option> }
            })
            .collect_view()
    };
    let presets = PRESETS
        .iter()
        .map(|pct| {
            let pct = *pct;
            view! {
                <button type="button" class="btn btn-small" data-percent=pct
                    on:click=move |_| form.update(|f| f.percent = pct.to_string())>
                    {format!("{pct}%")}
                </button>
            }
        })
        .collect_view();

    view! {
        <section class="panel trade-close" aria-labelledby="close-title">
            <h2 id="close-title">"Close"</h2>
            <form id="close-form" class="form" on:submit=submit novalidate>
                <label class="field">
                    <span>"Position"</span>
                    <select
                        name="position_id"
                        prop:value=move || form.with(|f| f.position_id.map(|id| id.to_string()).unwrap_or_default())
                        on:change=move |ev| form.update(|f| f.position_id = event_target_value(&ev).parse().ok())
                    >
                        <Show when=move || positions.with(Vec::is_empty)>
                            <option value="">"No open position"</option>
                        </Show>
                        {options}
                    </select>
                    <FieldError field="position_id" errors/>
                </label>
                <label class="field">
                    <span>"Percentage to close"</span>
                    <input name="percent" inputmode="decimal" autocomplete="off"
                        prop:value=move || form.with(|f| f.percent.clone())
                        on:input=move |ev| form.update(|f| f.percent = event_target_value(&ev))/>
                    <FieldError field="percent" errors/>
                </label>
                <div class="presets">{presets}</div>
                <button id="close-submit" type="submit" class="btn btn-primary" disabled=move || busy.get()>
                    "Close"
                </button>
                <MessageLine id="close-message" message/>
            </form>
            <CloseAll positions/>
        </section>
    }
}

#[component]
fn CloseAll(positions: Memo<Vec<PositionView>>) -> impl IntoView {
    let open = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<Message>);
    // Empty: every strategy; otherwise only that strategy's positions close.
    let strategy = RwSignal::new(String::new());
    let strategies = Memo::new(move |_| {
        let mut names: Vec<String> = positions.with(|ps| ps.iter().map(|p| p.strategy.to_string()).collect());
        names.sort();
        names.dedup();
        names
    });
    let chosen = move || app::StrategyId::new(&strategy.get()).ok();
    let closing = Memo::new(move |_| {
        let only = chosen();
        positions.with(|ps| {
            ps.iter().filter(|p| only.as_ref().is_none_or(|s| *s == p.strategy)).cloned().collect::<Vec<_>>()
        })
    });
    let confirm = move |_| {
        busy.set(true);
        let req = CloseAllRequest { venue: None, strategy: chosen() };
        spawn_local(async move {
            let result = api::close_all(&req).await;
            busy.try_set(false);
            open.try_set(false);
            message.try_set(Some(match result {
                Ok(ack) => Message::ok(ack.message),
                Err(e) => Message::error(e.to_string()),
            }));
        });
    };
    view! {
        <div class="close-all">
            <label class="field">
                <span>"Strategy"</span>
                <select id="close-all-strategy" prop:value=move || strategy.get()
                    on:change=move |ev| strategy.set(event_target_value(&ev))>
                    <option value="">"All strategies"</option>
                    {move || strategies.get().into_iter().map(|s| view! { <option value=s.clone()>{s.clone()}</option> }).collect_view()}
                </select>
            </label>
            <button
                id="close-all"
                type="button"
                class="btn btn-danger"
                disabled=move || positions.with(Vec::is_empty)
                on:click=move |_| {
                    message.set(None);
                    open.set(true);
                }
            >
                "Close all…"
            </button>
            <MessageLine id="close-all-message" message/>
        </div>
        <Show when=move || open.get()>
            <div class="modal-backdrop">
                <div id="close-all-dialog" class="modal" role="dialog" aria-modal="true" aria-labelledby="close-all-title">
                    <h3 id="close-all-title">
                        {move || match chosen() {
                            Some(s) => format!("Close every position of strategy {s}?"),
                            None => "Close every position?".to_owned(),
                        }}
                    </h3>
                    <p>"Both legs of each of these will be closed in slices of IOC orders:"</p>
                    <ul class="close-list">
                        {move || {
                            closing
                                .get()
                                .iter()
                                .map(|p| view! { <li data-position-id=p.id.to_string()>{describe(p)}</li> })
                                .collect_view()
                        }}
                    </ul>
                    <div class="modal-actions">
                        <button id="close-all-cancel" type="button" class="btn" on:click=move |_| open.set(false)>
                            "Cancel"
                        </button>
                        <button id="close-all-confirm" type="button" class="btn btn-danger" on:click=confirm
                            disabled=move || busy.get()>
                            {move || format!("Close {} position(s)", closing.with(Vec::len))}
                        </button>
                    </div>
                </div>
            </div>
        </Show>
    }
}

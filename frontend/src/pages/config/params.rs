//! The strategy-parameter form (`form#params-form`): one input per field with its message
//! beside it (`[data-error-for=<field>]`), checked in the browser by the engine's own
//! `StrategyParams::validate` on every keystroke. Nothing is sent while a field is bad; the
//! server's 400 `fields` are shown in the same places. A save stores the next version.

use super::fields::{self, Kind, SECTIONS, Unit};
use crate::api::{self, ApiError, BASE};
use crate::format;
use app::params::{ConfigBody, FIELDS, FieldError, ParamChange, StrategyParams};
use leptos::prelude::*;
use leptos::task::spawn_local;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use wasm_bindgen::JsCast;

/// One input: its field, kind and current text ("true"/"false" for a checkbox).
#[derive(Clone, Copy)]
struct Input {
    field: &'static str,
    kind: Kind,
    text: RwSignal<String>,
}

#[component]
pub fn ParamsForm(editable: Signal<bool>, saved: RwSignal<u32>) -> impl IntoView {
    // Kinds come from the defaults, so the inputs exist before the server answers.
    let inputs: StoredValue<Vec<Input>> = StoredValue::new(
        fields::texts_of(&StrategyParams::default())
            .into_iter()
            .map(|(field, kind, _)| Input { field, kind, text: RwSignal::new(String::new()) })
            .collect(),
    );
    let current = RwSignal::new(None::<ConfigBody>);
    let load_error = RwSignal::new(None::<String>);
    let server_errors = RwSignal::new(BTreeMap::<String, String>::new());
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let saving = RwSignal::new(false);

    let fill_params = move |params: &StrategyParams| {
        for (field, _, text) in fields::texts_of(params) {
            if let Some(i) = inputs.with_value(|all| all.iter().find(|i| i.field == field).copied()) {
                i.text.set(text);
            }
        }
    };
    let fill = move |body: &ConfigBody| fill_params(&body.params);
    let draft_in = use_context::<super::ParamsDraft>();
    spawn_local(async move {
        match api::get::<ConfigBody>(&format!("{BASE}/config")).await {
            Ok(body) => {
                fill(&body);
                let live_auto_open = body.params.auto_open;
                current.try_set(Some(body));
                // Handed over from another page: shown as unsaved changes, never saved unasked.
                if let Some((from, mut params)) = draft_in.and_then(|d| d.0.try_update(Option::take).flatten()) {
                    // A backtest trades by itself; whether live trading does stays as it is.
                    params.auto_open = live_auto_open;
                    fill_params(&params);
                    outcome.try_set(Some(Ok(format!("Parameters of {from} copied in: review them, then save."))));
                }
            }
            Err(e) => {
                load_error.try_set(Some(e.to_string()));
            }
        }
    });

    let draft = Memo::new(move |_| {
        let texts: Vec<_> = inputs.with_value(|all| all.iter().map(|i| (i.field, i.kind, i.text.get())).collect());
        fields::parse(&texts)
    });
    let client_errors =
        Memo::new(move |_| draft.with(|d| d.as_ref().err().map(|e| fields::by_field(e)).unwrap_or_default()));
    let changes = Memo::new(move |_| {
        current.with(|c| match (c, draft.get()) {
            (Some(c), Ok(p)) => app::params::diff(&c.params, &p),
            _ => Vec::new(),
        })
    });
    let error_for = move |field: &'static str| {
        move || client_errors.with(|e| e.get(field).cloned()).or_else(|| server_errors.with(|e| e.get(field).cloned()))
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !editable.get_untracked() || saving.get_untracked() {
            return;
        }
        let params = match draft.get_untracked() {
            Ok(p) => p,
            Err(errors) => {
                outcome.set(Some(Err(summary(&errors))));
                focus_first_error(&errors);
                return;
            }
        };
        if changes.with_untracked(Vec::is_empty) {
            outcome.set(Some(Ok("Nothing to save: no field differs from the version in effect.".into())));
            return;
        }
        saving.set(true);
        outcome.set(None);
        spawn_local(async move {
            match api::put::<_, ConfigBody>(&format!("{BASE}/config"), &params).await {
                Ok(body) => {
                    fill(&body);
                    outcome.try_set(Some(Ok(format!("Saved as version {}; in effect now.", body.version))));
                    current.try_set(Some(body));
                    server_errors.try_set(BTreeMap::new());
                    saved.try_update(|n| *n += 1);
                }
                Err(e) => {
                    server_errors.try_set(server_field_errors(&e));
                    outcome.try_set(Some(Err(refusal(&e))));
                }
            }
            saving.try_set(false);
        });
    };
    let reset = move |_| {
        if let Some(body) = current.get_untracked() {
            fill(&body);
            server_errors.set(BTreeMap::new());
            outcome.set(None);
        }
    };

    let sections = SECTIONS
        .iter()
        .map(|(title, names)| {
            let rows = names
                .iter()
                .filter_map(|name| inputs.with_value(|all| all.iter().find(|i| i.field == *name).copied()))
                .map(|input| {
                    let before = Signal::derive(move || {
                        current.with(|c| {
                            c.as_ref().and_then(|c| {
                                fields::texts_of(&c.params).into_iter().find(|(f, ..)| *f == input.field).map(|t| t.2)
                            })
                        })
                    });
                    view! { <FieldRow input editable error=Signal::derive(error_for(input.field)) server_errors before/> }
                })
                .collect_view();
            view! {
                <fieldset class="param-group">
                    <legend>{*title}</legend>
                    {rows}
                </fieldset>
            }
        })
        .collect_view();

    view! {
        <form id="params-form" class="params-form" novalidate=true on:submit=submit>
            <p class="muted form-version">
                {move || match (current.get(), load_error.get()) {
                    (Some(c), _) => format!("Version {} in effect.", c.version),
                    (None, Some(e)) => format!("Could not load the parameters: {e}"),
                    (None, None) => "Loading…".to_owned(),
                }}
            </p>
            <div class="param-groups">{sections}</div>
            <div class="form-actions">
                <PendingChanges changes/>
                <Show when=move || editable.get()>
                    <button type="button" class="btn" on:click=reset disabled=move || saving.get()>
                        "Reset"
                    </button>
                    <button
                        id="params-save"
                        type="submit"
                        class="btn btn-primary"
                        disabled=move || saving.get() || current.with(Option::is_none)
                    >
                        {move || if saving.get() { "Saving…" } else { "Save as new version" }}
                    </button>
                </Show>
                <span
                    id="params-outcome"
                    role="status"
                    class=move || match outcome.get() {
                        Some(Err(_)) => "form-outcome error",
                        _ => "form-outcome",
                    }
                >
                    {move || outcome.get().map(|o| o.unwrap_or_else(|e| e))}
                </span>
            </div>
        </form>
    }
}

#[component]
fn FieldRow(
    input: Input,
    editable: Signal<bool>,
    error: Signal<Option<String>>,
    server_errors: RwSignal<BTreeMap<String, String>>,
    before: Signal<Option<String>>,
) -> impl IntoView {
    let field = input.field;
    let meta = fields::meta(field);
    let id = format!("param-{field}");
    let changed = move || before.get().is_some_and(|b| !same_value(&b, &input.text.get()));
    let edited = move |value: String| {
        input.text.set(value);
        server_errors.update(|e| {
            e.remove(field);
        });
    };
    let control = match input.kind {
        Kind::Bool => view! {
            <input
                id=id.clone()
                type="checkbox"
                prop:checked=move || input.text.get() == "true"
                disabled=move || !editable.get()
                on:change=move |ev| edited(event_target_checked(&ev).to_string())
            />
        }
        .into_any(),
        Kind::Integer | Kind::Decimal => view! {
            <input
                id=id.clone()
                type="text"
                inputmode=if input.kind == Kind::Integer { "numeric" } else { "decimal" }
                autocomplete="off"
                spellcheck="false"
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby=format!("param-error-{field}")
                prop:value=move || input.text.get()
                disabled=move || !editable.get()
                on:input=move |ev| edited(event_target_value(&ev))
            />
        }
        .into_any(),
    };
    view! {
        <div class="field" data-field=field class:invalid=move || error.with(Option::is_some) class:changed=changed>
            <label for=id title=field>{meta.label}</label>
            <div class="field-control">
                {control}
                <span class="unit">{unit_label(meta.unit)}</span>
            </div>
            <span class="field-hint muted">{move || hint(meta.unit, &input.text.get())} {meta.help}</span>
            <span class="field-error" id=format!("param-error-{field}") data-error-for=field aria-live="polite">
                {move || error.get()}
            </span>
        </div>
    }
}

/// The changes a save would make, listed before it is made.
#[component]
fn PendingChanges(changes: Memo<Vec<ParamChange>>) -> impl IntoView {
    move || {
        let list = changes.get();
        if list.is_empty() {
            return view! { <span class="muted pending">"No unsaved changes."</span> }.into_any();
        }
        let items = list
            .into_iter()
            .map(|c| {
                let label = fields::meta(&c.field).label;
                view! {
                    <li data-field=c.field.clone()>
                        {label} ": " <del>{c.before}</del> " → " <ins>{c.after}</ins>
                    </li>
                }
            })
            .collect_view();
        view! { <ul id="params-pending" class="pending diff">{items}</ul> }.into_any()
    }
}

fn unit_label(unit: Unit) -> &'static str {
    match unit {
        Unit::None | Unit::Fraction => "",
        Unit::Usd => "USD",
        Unit::Hours => "h",
        Unit::Ms => "ms",
        Unit::Bps => "bps",
        Unit::Times => "×",
    }
}

/// A fraction is also shown as the percentage it means: "= 15.00%".
fn hint(unit: Unit, text: &str) -> Option<impl IntoView + use<>> {
    if unit != Unit::Fraction {
        return None;
    }
    let d = text.trim().parse::<Decimal>().ok()?;
    let class = format::percent_sign_class(d, 2);
    Some(view! { <span class=format!("pct {class}")>"= " {format::percent(d, 2)}</span> " · " })
}

/// Whether two texts mean the same value (0.15 and 0.150 do).
fn same_value(a: &str, b: &str) -> bool {
    match (a.trim().parse::<Decimal>(), b.trim().parse::<Decimal>()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a.trim() == b.trim(),
    }
}

fn summary(errors: &[FieldError]) -> String {
    let n = errors.len();
    format!("Nothing sent: {n} field{} to correct (marked below).", if n == 1 { "" } else { "s" })
}

/// The server's message per field, for a 400 that named fields.
fn server_field_errors(e: &ApiError) -> BTreeMap<String, String> {
    FIELDS.iter().filter_map(|f| e.field_message(f).map(|m| ((*f).to_owned(), m))).collect()
}

fn refusal(e: &ApiError) -> String {
    match e.status() {
        Some(400) => "The server refused some fields (marked below).".to_owned(),
        Some(401) => "Your session has ended: log in again.".to_owned(),
        Some(403) => "Only admins can change parameters.".to_owned(),
        _ => format!("Not saved: {e}"),
    }
}

/// Bring the first bad input into view and focus it.
fn focus_first_error(errors: &[FieldError]) {
    let Some(first) = FIELDS.iter().find(|f| errors.iter().any(|e| e.field == **f)) else { return };
    if let Ok(Some(el)) = document().query_selector(&format!("#param-{first}"))
        && let Some(el) = el.dyn_ref::<web_sys::HtmlElement>()
    {
        el.scroll_into_view();
        let _ = el.focus();
    }
}

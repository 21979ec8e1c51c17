//! The new-run form (`form#bt-form`): the window, the symbols, the resolution, strict mode and
//! the whole parameter set, which starts from the parameters in effect (`GET /config`) and is
//! checked in the browser by the engine's own `StrategyParams::validate`. A refusal from the
//! server (a window outside the data, an unknown symbol, a parameter) is shown beside its field.

use crate::api::{self, ApiError, BASE};
use crate::pages::config::fields::{self, Kind, SECTIONS};
use app::Symbol;
use app::backtest::{BacktestRequest, Created, Resolution};
use app::params::{ConfigBody, StrategyParams};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The window a new form suggests: the last month of the embedded year.
const FROM: &str = "2026-07-01";
const TO: &str = "2026-08-01";

#[derive(Clone, Copy)]
struct Input {
    field: &'static str,
    kind: Kind,
    text: RwSignal<String>,
}

#[component]
pub fn RunForm(started: Callback<i64>) -> impl IntoView {
    let from = RwSignal::new(FROM.to_owned());
    let to = RwSignal::new(TO.to_owned());
    let symbols = RwSignal::new(String::new());
    let resolution = RwSignal::new(Resolution::Hour);
    let strict = RwSignal::new(false);
    let inputs: StoredValue<Vec<Input>> = StoredValue::new(
        fields::texts_of(&StrategyParams::default())
            .into_iter()
            .map(|(field, kind, _)| Input { field, kind, text: RwSignal::new(String::new()) })
            .collect(),
    );
    let live = RwSignal::new(None::<StrategyParams>);
    let fill = move |params: &StrategyParams| {
        for (field, _, text) in fields::texts_of(params) {
            if let Some(i) = inputs.with_value(|all| all.iter().find(|i| i.field == field).copied()) {
                i.text.set(text);
            }
        }
    };
    spawn_local(async move {
        if let Ok(body) = api::get::<ConfigBody>(&format!("{BASE}/config")).await {
            fill(&body.params);
            live.try_set(Some(body.params));
        }
    });
    let draft = Memo::new(move |_| {
        let texts: Vec<_> = inputs.with_value(|all| all.iter().map(|i| (i.field, i.kind, i.text.get())).collect());
        fields::parse(&texts)
    });
    let client_errors =
        Memo::new(move |_| draft.with(|d| d.as_ref().err().map(|e| fields::by_field(e)).unwrap_or_default()));
    let server_error = RwSignal::new(None::<(String, String)>);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let sending = RwSignal::new(false);
    let error_for = move |field: &'static str| {
        Signal::derive(move || {
            client_errors
                .with(|e| e.get(field).cloned())
                .or_else(|| server_error.with(|e| e.as_ref().filter(|(f, _)| f == field).map(|(_, m)| m.clone())))
        })
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        let params = match draft.get_untracked() {
            Ok(p) => p,
            Err(errors) => {
                outcome.set(Some(Err(format!("Nothing sent: {} parameter(s) to correct.", errors.len()))));
                return;
            }
        };
        let mut named = Vec::new();
        for s in symbols.get_untracked().split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match Symbol::new(&s.to_uppercase()) {
                Ok(s) => named.push(s),
                Err(_) => {
                    server_error.set(Some(("symbols".into(), format!("`{s}` is not a symbol"))));
                    return;
                }
            }
        }
        let req = BacktestRequest {
            from: from.get_untracked().trim().to_owned(),
            to: to.get_untracked().trim().to_owned(),
            symbols: named,
            params: Some(params),
            resolution: resolution.get_untracked(),
            strict: strict.get_untracked(),
            ..BacktestRequest::default()
        };
        sending.set(true);
        server_error.set(None);
        outcome.set(None);
        spawn_local(async move {
            match api::post::<_, Created>(&format!("{BASE}/backtests"), &req).await {
                Ok(c) => {
                    outcome.try_set(Some(Ok(format!("Run #{} queued.", c.id))));
                    started.run(c.id);
                }
                Err(e) => {
                    if let ApiError::Http { body: Some(b), .. } = &e
                        && let Some(f) = &b.error.field
                    {
                        server_error.try_set(Some((f.clone(), b.error.message.clone())));
                    }
                    outcome.try_set(Some(Err(format!("Not started: {e}"))));
                }
            }
            sending.try_set(false);
        });
    };
    let reset = move |_| {
        if let Some(p) = live.get_untracked() {
            fill(&p);
        }
    };

    let top_error = move |field: &'static str| {
        move || server_error.with(|e| e.as_ref().filter(|(f, _)| f == field).map(|(_, m)| m.clone()))
    };
    let sections = SECTIONS
        .iter()
        .map(|(title, names)| {
            let rows = names
                .iter()
                .filter_map(|name| inputs.with_value(|all| all.iter().find(|i| i.field == *name).copied()))
                .map(|input| view! { <ParamRow input error=error_for(input.field)/> })
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
        <form id="bt-form" class="bt-form params-form" novalidate=true on:submit=submit>
            <div class="bt-window">
                <div class="field" data-field="from">
                    <label for="bt-from">"From (UTC day)"</label>
                    <input id="bt-from" type="text" placeholder="YYYY-MM-DD" prop:value=move || from.get()
                        on:input=move |ev| from.set(event_target_value(&ev))/>
                    <span class="field-error" data-error-for="from" hidden=move || top_error("from")().is_none()>{top_error("from")}</span>
                </div>
                <div class="field" data-field="to">
                    <label for="bt-to">"To (exclusive)"</label>
                    <input id="bt-to" type="text" placeholder="YYYY-MM-DD" prop:value=move || to.get()
                        on:input=move |ev| to.set(event_target_value(&ev))/>
                    <span class="field-error" data-error-for="to" hidden=move || top_error("to")().is_none()>{top_error("to")}</span>
                </div>
                <div class="field" data-field="symbols">
                    <label for="bt-symbols">"Symbols"</label>
                    <input id="bt-symbols" type="text" placeholder="all: or BTC, ETH, TIA" prop:value=move || symbols.get()
                        on:input=move |ev| symbols.set(event_target_value(&ev))/>
                    <span class="field-error" data-error-for="symbols" hidden=move || top_error("symbols")().is_none()>{top_error("symbols")}</span>
                </div>
                <div class="field" data-field="resolution">
                    <label for="bt-resolution">"Marks every"</label>
                    <select id="bt-resolution" on:change=move |ev| {
                        resolution.set(event_target_value(&ev).parse().unwrap_or_default())
                    }>
                        <option value="1h" selected=true>"hour (quick)"</option>
                        <option value="1m">"minute"</option>
                    </select>
                </div>
                <div class="field" data-field="strict">
                    <label for="bt-strict">"Strict: settled rates only"</label>
                    <input id="bt-strict" type="checkbox" prop:checked=move || strict.get()
                        on:change=move |ev| strict.set(event_target_checked(&ev))/>
                </div>
            </div>
            <details class="bt-params">
                <summary>"Parameters " <span class="muted">"(from the ones in effect)"</span></summary>
                <div class="param-groups">{sections}</div>
                <button type="button" class="btn btn-small" on:click=reset>"Back to the live parameters"</button>
            </details>
            <div class="form-actions">
                <button id="bt-start" type="submit" class="btn btn-primary" disabled=move || sending.get()>
                    {move || if sending.get() { "Starting…" } else { "Run backtest" }}
                </button>
                <span id="bt-outcome" role="status"
                    class=move || if matches!(outcome.get(), Some(Err(_))) { "form-outcome error" } else { "form-outcome" }>
                    {move || outcome.get().map(|o| o.unwrap_or_else(|e| e))}
                </span>
            </div>
        </form>
    }
}

#[component]
fn ParamRow(input: Input, error: Signal<Option<String>>) -> impl IntoView {
    let field = input.field;
    let meta = fields::meta(field);
    let id = format!("bt-param-{field}");
    let control = match input.kind {
        Kind::Bool => view! {
            <input id=id.clone() type="checkbox" prop:checked=move || input.text.get() == "true"
                on:change=move |ev| input.text.set(event_target_checked(&ev).to_string())/>
        }
        .into_any(),
        Kind::Integer | Kind::Decimal => view! {
            <input id=id.clone() type="text" autocomplete="off" spellcheck="false"
                aria-invalid=move || error.with(Option::is_some).to_string()
                prop:value=move || input.text.get()
                on:input=move |ev| input.text.set(event_target_value(&ev))/>
        }
        .into_any(),
    };
    view! {
        <div class="field" data-field=field class:invalid=move || error.with(Option::is_some)>
            <label for=id title=field>{if meta.label.is_empty() { field } else { meta.label }}</label>
            <div class="field-control">{control}</div>
            <span class="field-error" data-error-for=field aria-live="polite" hidden=move || error.with(Option::is_none)>{move || error.get()}</span>
        </div>
    }
}

//! The symbol rules editor (`form#symbols-form`): include and ignore patterns, one per line,
//! checked in the browser by `app::symbols` (the engine's own rules) with the message beside
//! the list at fault, and a preview of what each listed symbol would do before saving.
//! `GET /symbols/rules` loads them, `PUT /symbols` replaces them (the next version).

use crate::api::{self, ApiError, BASE};
use app::params::FieldError;
use app::symbols::{SymbolRules, SymbolRulesBody, SymbolRulesRequest, SymbolStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;

const LISTS: [(&str, &str, &str); 2] = [
    ("include", "Include", "A symbol trades only if one of these matches. Empty: nothing trades."),
    ("ignore", "Ignore", "Never trades if one of these matches, whatever the includes say."),
];

#[component]
pub fn SymbolsEditor(editable: Signal<bool>) -> impl IntoView {
    let current = RwSignal::new(None::<SymbolRulesBody>);
    let include = RwSignal::new(String::new());
    let ignore = RwSignal::new(String::new());
    let server_errors = RwSignal::new(Vec::<FieldError>::new());
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let saving = RwSignal::new(false);
    let text_of = move |list: &str| if list == "include" { include } else { ignore };

    let fill = move |body: &SymbolRulesBody| {
        include.set(lines(&body.rules.include));
        ignore.set(lines(&body.rules.ignore));
    };
    spawn_local(async move {
        match api::get::<SymbolRulesBody>(&format!("{BASE}/symbols/rules")).await {
            Ok(body) => {
                fill(&body);
                current.try_set(Some(body));
            }
            Err(e) => {
                outcome.try_set(Some(Err(format!("Could not load the rules: {e}"))));
            }
        }
    });

    let request = Memo::new(move |_| SymbolRulesRequest {
        include: Some(patterns(&include.get())),
        ignore: Some(patterns(&ignore.get())),
    });
    let draft = Memo::new(move |_| request.with(SymbolRulesRequest::replacement));
    let error_for = move |list: &'static str| {
        move || {
            let client = draft.with(|d| d.as_ref().err().map(|e| messages(e, list, &request.get())));
            client.filter(|m| !m.is_empty()).or_else(|| {
                let m = messages(&server_errors.get(), list, &request.get());
                (!m.is_empty()).then_some(m)
            })
        }
    };
    let unchanged = move || {
        current.with(|c| match (c, draft.get()) {
            (Some(c), Ok(d)) => c.rules == d,
            _ => false,
        })
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !editable.get_untracked() || saving.get_untracked() {
            return;
        }
        if draft.with_untracked(Result::is_err) {
            outcome.set(Some(Err("Nothing sent: correct the patterns marked below.".into())));
            return;
        }
        saving.set(true);
        outcome.set(None);
        let body = request.get_untracked();
        spawn_local(async move {
            match api::put::<_, SymbolRulesBody>(&format!("{BASE}/symbols"), &body).await {
                Ok(saved) => {
                    fill(&saved);
                    outcome.try_set(Some(Ok(format!("Saved as version {}.", saved.version))));
                    current.try_set(Some(saved));
                    server_errors.try_set(Vec::new());
                }
                Err(e) => {
                    server_errors.try_set(field_errors(&e));
                    outcome.try_set(Some(Err(format!("Not saved: {e}"))));
                }
            }
            saving.try_set(false);
        });
    };

    let lists = LISTS
        .iter()
        .map(|(list, label, help)| {
            let text = text_of(list);
            let error = error_for(list);
            let has_error = error_for(list);
            view! {
                <div class="field" data-field=*list class:invalid=move || has_error().is_some()>
                    <label for=format!("symbols-{list}")>{*label}</label>
                    <textarea
                        id=format!("symbols-{list}")
                        rows="4"
                        spellcheck="false"
                        autocomplete="off"
                        placeholder="one pattern per line, * matches anything"
                        prop:value=move || text.get()
                        disabled=move || !editable.get()
                        on:input=move |ev| {
                            text.set(event_target_value(&ev));
                            server_errors.set(Vec::new());
                        }
                    ></textarea>
                    <span class="field-hint muted">{*help}</span>
                    <span class="field-error" data-error-for=*list aria-live="polite">{error}</span>
                </div>
            }
        })
        .collect_view();

    view! {
        <form id="symbols-form" class="symbols-form" novalidate=true on:submit=submit>
            <p class="muted form-version">
                {move || current.get().map(|c| format!("Rules version {} in effect.", c.version))}
            </p>
            <div class="symbol-lists">{lists}</div>
            <div class="form-actions">
                <Show when=move || editable.get()>
                    <button
                        id="symbols-save"
                        type="submit"
                        class="btn btn-primary"
                        disabled=move || saving.get() || current.with(Option::is_none) || unchanged()
                    >
                        "Save rules"
                    </button>
                </Show>
                <span
                    id="symbols-outcome"
                    role="status"
                    class=move || if matches!(outcome.get(), Some(Err(_))) { "form-outcome error" } else { "form-outcome" }
                >
                    {move || outcome.get().map(|o| o.unwrap_or_else(|e| e))}
                </span>
            </div>
        </form>
        <SymbolPreview current draft editable/>
    }
}

/// Each listed symbol: whether it trades under the rules in effect and under the draft.
#[component]
fn SymbolPreview(
    current: RwSignal<Option<SymbolRulesBody>>,
    draft: Memo<Result<SymbolRules, Vec<FieldError>>>,
    editable: Signal<bool>,
) -> impl IntoView {
    let rows = move || {
        let Some(body) = current.get() else { return Vec::new() };
        // Only someone who can save needs the preview of saving.
        let after = editable.get().then(|| draft.get().ok());
        body.symbols.into_iter().map(|s| (s, after.clone())).collect::<Vec<_>>()
    };
    view! {
        <div class="table-wrap">
            <table id="symbols-table" class="data-table">
                <thead>
                    <tr>
                        <th scope="col">"Symbol"</th>
                        <th scope="col">"Trades now"</th>
                        <Show when=move || editable.get()>
                            <th scope="col">"After saving"</th>
                        </Show>
                    </tr>
                </thead>
                <tbody>
                    {move || rows().into_iter().map(|(s, after)| view! { <SymbolRow s after/> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// `after`: none when the preview is not shown; `Some(None)` while the draft is invalid.
#[component]
fn SymbolRow(s: SymbolStatus, after: Option<Option<SymbolRules>>) -> impl IntoView {
    let verdict_after = after.as_ref().and_then(|d| d.as_ref()).map(|d| {
        let v = d.verdict(&s.symbol);
        (v.trades(), v.rule())
    });
    let changes = verdict_after.as_ref().is_some_and(|(trades, _)| *trades != s.trading);
    let after_view = after.map(|_| match verdict_after {
        Some((trades, rule)) => view! { <td data-col="after">{verdict(trades, rule)}</td> }.into_any(),
        None => view! { <td data-col="after" class="muted">"—"</td> }.into_any(),
    });
    view! {
        <tr data-symbol=s.symbol.to_string() class:will-change=changes>
            <th scope="row" data-col="symbol">{s.symbol.to_string()}</th>
            <td data-col="now">{verdict(s.trading, s.rule)}</td>
            {after_view}
        </tr>
    }
}

fn verdict(trades: bool, rule: Option<String>) -> impl IntoView {
    let (class, text) = if trades { ("yes", "trades") } else { ("no", "excluded") };
    let rule = rule.unwrap_or_else(|| "no include matches".into());
    view! { <span class=format!("verdict {class}")>{text}</span> " " <span class="muted">{rule}</span> }
}

/// Patterns from the textarea: one per line (commas and spaces also separate).
fn patterns(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c.is_whitespace()).filter(|p| !p.is_empty()).map(str::to_owned).collect()
}

fn lines(list: &[app::symbols::Pattern]) -> String {
    list.iter().map(|p| p.as_str()).collect::<Vec<_>>().join("\n")
}

/// The messages for `list` ("include" or "ignore", also `include[2]`), each naming its pattern.
fn messages(errors: &[FieldError], list: &str, request: &SymbolRulesRequest) -> String {
    let given = if list == "include" { &request.include } else { &request.ignore };
    errors
        .iter()
        .filter_map(|e| {
            let rest = e.field.strip_prefix(list)?;
            if rest.is_empty() {
                return Some(e.message.clone());
            }
            let index: usize = rest.strip_prefix('[')?.strip_suffix(']')?.parse().ok()?;
            let pattern = given.as_ref().and_then(|g| g.get(index)).cloned().unwrap_or_default();
            Some(if e.message.contains(&pattern) { e.message.clone() } else { format!("{pattern}: {}", e.message) })
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn field_errors(e: &ApiError) -> Vec<FieldError> {
    match e {
        ApiError::Http { body: Some(b), .. } if !b.error.fields.is_empty() => b.error.fields.clone(),
        ApiError::Http { body: Some(b), .. } => b
            .error
            .field
            .clone()
            .map(|field| vec![FieldError { field, message: b.error.message.clone() }])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

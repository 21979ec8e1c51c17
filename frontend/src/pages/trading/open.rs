//! The open form (`#open-form`) beside its live preview. The preview runs
//! `app::sizing::preview` in the browser on the engine's quotes (`GET /quotes/{symbol}`,
//! refreshed every two seconds) and parameters (`GET /config`), the inputs the engine itself
//! sizes with. Invalid input is shown beside its field and nothing is sent.

use super::form::{FieldErrors, OPEN_FIELDS, OpenForm, preview_for};
use super::preview::PreviewPanel;
use super::{FieldError, Message, MessageLine};
use crate::api::{self, ApiError};
use crate::poll;
use crate::ws::FundingFeed;
use app::Symbol;
use app::trading::EngineStatus;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;
use std::time::Duration;

const QUOTES_EVERY: Duration = Duration::from_secs(2);
const CONFIG_EVERY: Duration = Duration::from_secs(30);

#[component]
pub fn OpenPanel(engine: LocalResource<Result<Option<EngineStatus>, ApiError>>) -> impl IntoView {
    let feed = expect_context::<FundingFeed>();
    let query = use_query_map();
    let initial = query.with_untracked(|q| OpenForm {
        symbol: q.get("symbol").unwrap_or_default(),
        direction: q.get("direction").and_then(|d| app::text::parse(&d).ok()),
        ..Default::default()
    });
    let form = RwSignal::new(initial);
    let errors = RwSignal::new(FieldErrors::new());
    let tried = RwSignal::new(false);
    let message = RwSignal::new(None::<Message>);
    let busy = RwSignal::new(false);

    // Symbols both venues list (the board has a spread for them), for the select.
    let symbols = Memo::new(move |_| {
        feed.rows()
            .with(|rows| rows.values().filter(|r| r.spread.is_some()).map(|r| r.symbol.clone()).collect::<Vec<_>>())
    });
    let symbol = Memo::new(move |_| form.with(|f| Symbol::new(f.symbol.trim()).ok()));
    let quotes = LocalResource::new(move || {
        let symbol = symbol.get();
        async move {
            match symbol {
                Some(s) => Some(api::quotes(&s).await),
                None => None,
            }
        }
    });
    let config = LocalResource::new(api::config);
    poll::every(QUOTES_EVERY, move || quotes.refetch());
    poll::every(CONFIG_EVERY, move || config.refetch());

    // Once a submit was tried, messages follow the input as it is corrected.
    Effect::new(move |_| {
        let parsed = form.with(OpenForm::parse);
        if tried.get_untracked() {
            errors.set(parsed.err().unwrap_or_default());
        }
    });
    let preview = Memo::new(move |_| {
        let req = form.with(OpenForm::parse).ok()?;
        let quotes = quotes.get()??.ok()?;
        let params = config.get()?.ok()?.params;
        preview_for(&req, &quotes, &params)
    });
    let quote_problem = move || match quotes.get() {
        Some(Some(Err(e))) => Some(e.to_string()),
        _ => None,
    };

    let set = move |f: fn(&mut OpenForm, String)| {
        move |ev: leptos::ev::Event| form.update(|form| f(form, event_target_value(&ev)))
    };
    // An optional whole-number field whose placeholder is the strategy's parameter: empty
    // means "use the parameter".
    let defaulted = move |label: &'static str,
                          name: &'static str,
                          get: fn(&OpenForm) -> String,
                          put: fn(&mut OpenForm, String),
                          default: fn(&app::params::StrategyParams) -> String| {
        view! {
            <label class="field">
                <span>{label}</span>
                <input name=name inputmode="numeric" autocomplete="off"
                    placeholder=move || default_of(config, default)
                    prop:value=move || form.with(get)
                    on:input=set(put)/>
                <FieldError field=name errors/>
            </label>
        }
    };
    let choose_symbol = move |ev: leptos::ev::Event| {
        let s = event_target_value(&ev);
        // The direction the spread pays now, unless the user chose one.
        let paying = Symbol::new(&s)
            .ok()
            .and_then(|sym| feed.rows().with_untracked(|r| r.get(&sym)?.spread.map(|x| x.direction)));
        form.update(|f| {
            f.symbol = s;
            if let Some(d) = paying {
                f.direction = Some(d);
            }
        });
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        tried.set(true);
        message.set(None);
        let req = match form.with_untracked(OpenForm::parse) {
            Ok(req) => req,
            Err(e) => {
                errors.set(e);
                return;
            }
        };
        errors.set(FieldErrors::new());
        busy.set(true);
        spawn_local(async move {
            let result = api::open_position(&req).await;
            busy.try_set(false);
            match result {
                Ok(ack) => {
                    message.try_set(Some(Message::ok(format!(
                        "{} ({} {})",
                        ack.message,
                        req.symbol,
                        req.direction.label()
                    ))));
                }
                Err(e) => {
                    let by_field: FieldErrors =
                        OPEN_FIELDS.iter().filter_map(|f| e.field_message(f).map(|m| (f.to_string(), m))).collect();
                    if by_field.is_empty() {
                        message.try_set(Some(Message::error(e.to_string())));
                    } else {
                        message.try_set(Some(Message::error("The server refused some fields; see beside them.")));
                        errors.try_set(by_field);
                    }
                }
            }
        });
    };

    let options = move || {
        let chosen = form.with(|f| f.symbol.clone());
        symbols
            .get()
            .into_iter()
            .map(|s| {
                let s = s.to_string();
                let selected = s == chosen;
                view! { <option value=s.clone() selected=selected>{s.clone()}</option> }
            })
            .collect_view()
    };
    let direction_value = move || form.with(|f| f.direction.map(api::direction_param).unwrap_or(""));

    view! {
        <section class="panel trade-open" aria-labelledby="open-title">
            <h2 id="open-title">"Open a hedged position"</h2>
            <div class="open-grid">
                <form id="open-form" class="form" on:submit=submit novalidate>
                    <label class="field">
                        <span>"Symbol"</span>
                        <select name="symbol" on:change=choose_symbol prop:value=move || form.with(|f| f.symbol.clone())>
                            <option value="">"Choose…"</option>
                            {options}
                        </select>
                        <FieldError field="symbol" errors/>
                    </label>
                    <label class="field">
                        <span>"Direction"</span>
                        <select
                            name="direction"
                            prop:value=direction_value
                            on:change=move |ev| {
                                let d = event_target_value(&ev);
                                form.update(|f| f.direction = app::text::parse(&d).ok());
                            }
                        >
                            <option value="">"Choose…"</option>
                            <option value="long_lighter_short_binance">"Long Lighter / Short Binance"</option>
                            <option value="long_binance_short_lighter">"Long Binance / Short Lighter"</option>
                        </select>
                        <FieldError field="direction" errors/>
                    </label>
                    <label class="field">
                        <span>"Notional (USD)"</span>
                        <input name="notional" inputmode="decimal" placeholder="e.g. 2000" autocomplete="off"
                            prop:value=move || form.with(|f| f.notional.clone())
                            on:input=set(|f, v| f.notional = v)/>
                        <FieldError field="notional" errors/>
                    </label>
                    <div class="field-pair">
                        {defaulted("Leverage Binance", "leverage_binance", |f| f.leverage_binance.clone(), |f, v| f.leverage_binance = v, |p| p.leverage_binance.to_string())}
                        {defaulted("Leverage Lighter", "leverage_lighter", |f| f.leverage_lighter.clone(), |f, v| f.leverage_lighter = v, |p| p.leverage_lighter.to_string())}
                    </div>
                    <div class="field-pair">
                        {defaulted("Slices", "slices", |f| f.slices.clone(), |f, v| f.slices = v, |p| p.slices.to_string())}
                        {defaulted("Slippage cap (bps)", "slippage_cap_bps", |f| f.slippage_cap_bps.clone(), |f, v| f.slippage_cap_bps = v, |p| p.slippage_cap_bps.to_string())}
                    </div>
                    <p class="muted hint">"Empty fields take the strategy's parameters (shown greyed)."</p>
                    <fieldset class="exits">
                        <legend>"Exits"</legend>
                        <label class="check">
                            <input type="checkbox" name="exit_on_reversal"
                                prop:checked=move || form.with(|f| f.exit_on_reversal)
                                on:change=move |ev| form.update(|f| f.exit_on_reversal = event_target_checked(&ev))/>
                            <span>"Exit on spread reversal"</span>
                        </label>
                        <label class="field">
                            <span>"Close after (hours)"</span>
                            <input name="close_after_hours" inputmode="numeric" autocomplete="off" placeholder="never"
                                prop:value=move || form.with(|f| f.close_after_hours.clone())
                                on:input=set(|f, v| f.close_after_hours = v)/>
                            <FieldError field="close_after_hours" errors/>
                        </label>
                        <p id="open-exits" class="muted hint">
                            "This position (strategy manual) closes by: "
                            {move || form.with(|f| exits_text(f))}
                            "; and always by the risk rules (stop-loss, take-profit, liquidation buffer, kill switch)."
                        </p>
                    </fieldset>
                    <button id="open-submit" type="submit" class="btn btn-primary" disabled=move || busy.get()>
                        {move || if busy.get() { "Sending…" } else { "Open position" }}
                    </button>
                    <MessageLine id="open-message" message/>
                </form>
                <PreviewPanel preview engine quote_problem=Signal::derive(quote_problem)/>
            </div>
        </section>
    }
}

/// The exits the form ticks, in words.
fn exits_text(f: &OpenForm) -> String {
    let hours = f.close_after_hours.trim().parse::<u32>().ok();
    app::strategy::ExitRules { spread_reversal: f.exit_on_reversal, close_after_hours: hours }.describe()
}

/// A parameter's value as a field's placeholder, once the parameters are known.
fn default_of(
    config: LocalResource<Result<api::Config, ApiError>>,
    f: fn(&app::params::StrategyParams) -> String,
) -> String {
    config.get().and_then(Result::ok).map(|c| f(&c.params)).unwrap_or_default()
}

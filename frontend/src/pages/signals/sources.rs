//! The Signals page's sources (`table#sources tr[data-source]`): each one's limits, exits,
//! latest signal, last day's signals by status and latest rejections, refreshed every 10 s.
//! Admins register a source (`form#source-form`; its secret is shown once, `#source-secret`),
//! disable or enable one, and remove one.

use crate::api;
use crate::format;
use crate::poll;
use app::Usd;
use app::signal::{SignalAction, SourceRequest, SourceUpdate, SourceView};
use app::strategy::{ExitRules, StrategyId};
use app::symbols::Pattern;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

#[component]
pub fn Sources(admin: Signal<bool>) -> impl IntoView {
    let sources = LocalResource::new(api::signal_sources);
    poll::every(Duration::from_secs(10), move || sources.refetch());
    let rows = move || match sources.get() {
        None => view! { <tr class="empty"><td colspan="6">"Loading…"</td></tr> }.into_any(),
        Some(Err(e)) => view! { <tr class="empty"><td colspan="6" class="error">{e.to_string()}</td></tr> }.into_any(),
        Some(Ok(list)) if list.is_empty() => {
            view! { <tr class="empty"><td colspan="6">"No sources registered."</td></tr> }.into_any()
        }
        Some(Ok(list)) => list
            .into_iter()
            .map(|s| view! { <SourceRow s admin changed=Callback::new(move |_| sources.refetch())/> })
            .collect_view()
            .into_any(),
    };
    view! {
        <section class="panel" aria-labelledby="sources-title">
            <h2 id="sources-title">"Sources"</h2>
            <div class="table-wrap">
                <table id="sources" class="data-table">
                    <thead>
                        <tr>
                            <th scope="col">"Source"</th>
                            <th scope="col">"May send"</th>
                            <th scope="col">"Exits"</th>
                            <th scope="col">"Last 24 h"</th>
                            <th scope="col">"Latest rejections"</th>
                            <th scope="col"></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <Show when=move || admin.get()>
                <NewSource created=Callback::new(move |_| sources.refetch())/>
            </Show>
        </section>
    }
}

#[component]
fn SourceRow(s: SourceView, admin: Signal<bool>, changed: Callback<()>) -> impl IntoView {
    let st = s.settings.clone();
    let limits = format!(
        "{}; {}; {} per signal{}; {}",
        st.strategies.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", "),
        st.symbols.iter().map(|p| p.as_str().to_owned()).collect::<Vec<_>>().join(", "),
        format::usd_plain(st.max_notional.value()),
        st.max_total_notional.map(|t| format!(", {} in all", format::usd_plain(t.value()))).unwrap_or_default(),
        st.actions.iter().map(app::text::name).collect::<Vec<_>>().join(" and "),
    );
    let counts = s.activity.last_24h.iter().map(|(st, n)| format!("{n} {}", st.name())).collect::<Vec<_>>().join(", ");
    let last = s
        .activity
        .last_signal_ms
        .map(|t| format!("latest {} {}", format::utc_month_day(t), format::utc_time(t)))
        .unwrap_or_else(|| "no signal yet".into());
    let rejections = s
        .activity
        .recent_rejections
        .iter()
        .map(|r| {
            let when = format::utc_time(r.time_ms);
            view! { <li data-status=r.status>{format!("{when} {} {}", r.status, r.reason)}</li> }
        })
        .collect_view();
    let name = st.name.clone();
    let busy = RwSignal::new(false);
    let toggle = {
        let st = st.clone();
        move |_| {
            let update = SourceUpdate {
                strategies: st.strategies.clone(),
                symbols: st.symbols.clone(),
                max_notional: st.max_notional,
                max_total_notional: st.max_total_notional,
                actions: st.actions.clone(),
                exits: st.exits,
                disabled: !st.disabled,
                rotate_secret: false,
            };
            let name = st.name.clone();
            busy.set(true);
            spawn_local(async move {
                let _ = api::update_source(&name, &update).await;
                busy.try_set(false);
                changed.run(());
            });
        }
    };
    let remove = {
        let name = name.clone();
        move |_| {
            let name = name.clone();
            busy.set(true);
            spawn_local(async move {
                let _ = api::delete_source(&name).await;
                busy.try_set(false);
                changed.run(());
            });
        }
    };
    let disabled = st.disabled;
    view! {
        <tr data-source=name.clone() class:muted=disabled>
            <th scope="row">{name.clone()} {disabled.then_some(" (disabled)")}</th>
            <td>{limits}</td>
            <td>{st.exits.describe()}</td>
            <td>{format!("{last}; {}", if counts.is_empty() { "none".to_owned() } else { counts })}</td>
            <td><ul class="rejections">{rejections}</ul></td>
            <td>
                <Show when=move || admin.get()>
                    <button type="button" class="btn btn-small" on:click=toggle.clone() disabled=move || busy.get()>
                        {if disabled { "Enable" } else { "Disable" }}
                    </button>
                    <button type="button" class="btn btn-small btn-danger" on:click=remove.clone() disabled=move || busy.get()>
                        "Remove"
                    </button>
                </Show>
            </td>
        </tr>
    }
}

/// The registration form as typed.
#[derive(Debug, Clone, Default, PartialEq)]
struct Draft {
    name: String,
    strategies: String,
    symbols: String,
    max_notional: String,
    max_total_notional: String,
    open: bool,
    close: bool,
    reversal: bool,
    hours: String,
}

impl Draft {
    fn request(&self) -> Result<SourceRequest, String> {
        let list =
            |s: &str| s.split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect::<Vec<_>>();
        let strategies = list(&self.strategies)
            .iter()
            .map(|s| StrategyId::new(s))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("strategies: {e}"))?;
        let symbols = list(&self.symbols)
            .iter()
            .map(|s| Pattern::new(s))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("symbols: {e}"))?;
        let usd = |s: &str| s.trim().parse().map(Usd).map_err(|_| format!("{s:?} is not an amount"));
        let max_total_notional = match self.max_total_notional.trim() {
            "" => None,
            s => Some(usd(s)?),
        };
        let close_after_hours = match self.hours.trim() {
            "" => None,
            h => Some(h.parse().map_err(|_| format!("close after: {h:?} is not a whole number of hours"))?),
        };
        let actions = [(self.open, SignalAction::Open), (self.close, SignalAction::Close)]
            .into_iter()
            .filter_map(|(on, a)| on.then_some(a))
            .collect();
        let req = SourceRequest {
            name: self.name.trim().to_owned(),
            strategies,
            symbols,
            max_notional: usd(&self.max_notional)?,
            max_total_notional,
            actions,
            exits: ExitRules { spread_reversal: self.reversal, close_after_hours },
            disabled: false,
        };
        match req.validate().first() {
            Some(e) => Err(format!("{}: {}", e.field, e.message)),
            None => Ok(req),
        }
    }
}

#[component]
fn NewSource(created: Callback<()>) -> impl IntoView {
    let draft = RwSignal::new(Draft { symbols: "*".into(), open: true, close: true, ..Default::default() });
    let problem = RwSignal::new(None::<String>);
    let secret = RwSignal::new(None::<(String, String)>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = match draft.with_untracked(Draft::request) {
            Ok(r) => r,
            Err(e) => return problem.set(Some(e)),
        };
        problem.set(None);
        busy.set(true);
        spawn_local(async move {
            let result = api::create_source(&req).await;
            busy.try_set(false);
            match result {
                Ok(c) => {
                    secret.try_set(Some((req.name.clone(), c.secret)));
                    created.run(());
                }
                Err(e) => {
                    problem.try_set(Some(e.to_string()));
                }
            }
        });
    };
    let text = move |id: &'static str, label: &'static str, get: fn(&Draft) -> String, set: fn(&mut Draft, String)| {
        view! {
            <label class="field">
                <span>{label}</span>
                <input id=id autocomplete="off" prop:value=move || draft.with(get)
                    on:input=move |ev| draft.update(|d| set(d, event_target_value(&ev)))/>
            </label>
        }
    };
    let check = move |id: &'static str, label: &'static str, get: fn(&Draft) -> bool, set: fn(&mut Draft, bool)| {
        view! {
            <label class="check">
                <input id=id type="checkbox" prop:checked=move || draft.with(get)
                    on:change=move |ev| draft.update(|d| set(d, event_target_checked(&ev)))/>
                <span>{label}</span>
            </label>
        }
    };
    view! {
        <form id="source-form" class="form inline-form" on:submit=submit novalidate>
            <h3>"Register a source"</h3>
            {text("source-name", "Name", |d| d.name.clone(), |d, v| d.name = v)}
            {text("source-strategies", "Strategies (comma-separated)", |d| d.strategies.clone(), |d, v| d.strategies = v)}
            {text("source-symbols", "Symbols (* for all)", |d| d.symbols.clone(), |d, v| d.symbols = v)}
            {text("source-max-notional", "Max notional per signal (USD)", |d| d.max_notional.clone(), |d, v| d.max_notional = v)}
            {text("source-max-total", "Max in all (USD, optional)", |d| d.max_total_notional.clone(), |d, v| d.max_total_notional = v)}
            {check("source-open", "Open", |d| d.open, |d, v| d.open = v)}
            {check("source-close", "Close", |d| d.close, |d, v| d.close = v)}
            {check("source-reversal", "Exit on spread reversal", |d| d.reversal, |d, v| d.reversal = v)}
            {text("source-hours", "Close after (hours, optional)", |d| d.hours.clone(), |d, v| d.hours = v)}
            <button id="source-submit" type="submit" class="btn btn-primary" disabled=move || busy.get()>"Register"</button>
            <p class="field-error" role="alert" hidden=move || problem.with(Option::is_none)>{move || problem.get()}</p>
            <Show when=move || secret.with(Option::is_some)>
                <p id="source-secret" class="form-message ok">
                    {move || secret.get().map(|(name, s)| format!("{name}'s signing secret, shown only now: {s}"))}
                </p>
            </Show>
        </form>
    }
}

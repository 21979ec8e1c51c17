//! Signals (`/signals`): the live list of signals from `/ws/signals`
//! (`table#signals tr[data-signal-id][data-status]`), filtered by status, strategy and source,
//! each with its reason, positions and attempts, and a cancel button on pending ones for
//! traders and admins (a viewer sees the list, never the button); each source's recent activity
//! and rejections; and, for admins, registering, disabling and removing sources.

mod sources;

use crate::api;
use crate::auth::Session;
use crate::format;
use crate::streams::LiveMap;
use app::auth::Role;
use app::signal::{SignalRecord, SignalStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;
use sources::Sources;

#[derive(Debug, Clone, Default, PartialEq)]
struct Filter {
    status: String,
    strategy: String,
    source: String,
}

impl Filter {
    fn keeps(&self, r: &SignalRecord) -> bool {
        (self.status.is_empty() || r.status.name() == self.status)
            && (self.strategy.trim().is_empty() || r.strategy.as_str() == self.strategy.trim())
            && (self.source.trim().is_empty() || r.source == self.source.trim())
    }
}

#[component]
pub fn SignalsPage() -> impl IntoView {
    let session = use_context::<Session>();
    let can = move |role: Role| session.is_none_or(|s| s.can(role));
    let trader = Signal::derive(move || can(Role::Trader));
    let admin = Signal::derive(move || can(Role::Admin));
    let live = LiveMap::connect("/ws/signals", |r: &SignalRecord| r.id);
    let filter = RwSignal::new(Filter::default());
    let shown = Memo::new(move |_| {
        let f = filter.get();
        live.items().with(|m| m.values().rev().filter(|r| f.keeps(r)).map(|r| r.id).collect::<Vec<i64>>())
    });
    let status_options =
        SignalStatus::ALL.iter().map(|s| view! { <option value=s.name()>{s.name()}</option> }).collect_view();
    view! {
        <section class="signals-page">
            <div class="toolbar">
                <h1>"Signals"</h1>
                <span class="muted" id="signals-stream" data-state=move || format!("{:?}", live.state())>
                    {move || format!("{} shown", shown.with(Vec::len))}
                </span>
            </div>
            <section class="panel" aria-labelledby="signals-title">
                <h2 id="signals-title">"Signals"</h2>
                <form id="signals-filter" class="inline-form" on:submit=|ev| ev.prevent_default()>
                    <label class="field">
                        <span>"Status"</span>
                        <select id="signals-status" on:change=move |ev| filter.update(|f| f.status = event_target_value(&ev))>
                            <option value="">"Any"</option>
                            {status_options}
                        </select>
                    </label>
                    <label class="field">
                        <span>"Strategy"</span>
                        <input id="signals-strategy" type="search" placeholder="All"
                            on:input=move |ev| filter.update(|f| f.strategy = event_target_value(&ev))/>
                    </label>
                    <label class="field">
                        <span>"Source"</span>
                        <input id="signals-source" type="search" placeholder="All"
                            on:input=move |ev| filter.update(|f| f.source = event_target_value(&ev))/>
                    </label>
                </form>
                <div class="table-wrap">
                    <table id="signals" class="data-table">
                        <thead>
                            <tr>
                                <th scope="col">"Received (UTC)"</th>
                                <th scope="col">"Source / id"</th>
                                <th scope="col">"Strategy"</th>
                                <th scope="col">"Action"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Reason"</th>
                                <th scope="col">"Positions"</th>
                                <th scope="col" class="num">"Attempts"</th>
                                <th scope="col"></th>
                            </tr>
                        </thead>
                        <tbody>
                            <For each=move || shown.get() key=|id| *id let:id>
                                <SignalRow id live trader/>
                            </For>
                            <Show when=move || shown.with(Vec::is_empty)>
                                <tr class="empty"><td colspan="9">"No signals."</td></tr>
                            </Show>
                        </tbody>
                    </table>
                </div>
            </section>
            <Sources admin/>
        </section>
    }
}

#[component]
fn SignalRow(id: i64, live: LiveMap<i64, SignalRecord>, trader: Signal<bool>) -> impl IntoView {
    let rec = Memo::new(move |_| live.items().with(|m| m.get(&id).cloned()));
    let text = move |f: fn(&SignalRecord) -> String| move || rec.with(|r| r.as_ref().map(f).unwrap_or_default());
    let pending = move || rec.with(|r| r.as_ref().is_some_and(|r| !r.status.is_final()));
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let cancel = move |_| {
        busy.set(true);
        spawn_local(async move {
            let result = api::cancel_signal(id).await;
            busy.try_set(false);
            problem.try_set(result.err().map(|e| e.to_string()));
        });
    };
    view! {
        <tr data-signal-id=id.to_string() data-status=text(|r| r.status.name())>
            <td data-col="received" class="num nowrap">
                {text(|r| format!("{} {}", format::utc_month_day(r.received_ms), format::utc_time(r.received_ms)))}
            </td>
            <td data-col="source">{text(|r| format!("{} / {}", r.source, r.signal_id))}</td>
            <td data-col="strategy">{text(|r| r.strategy.to_string())}</td>
            <td data-col="action">{text(describe_action)}</td>
            <td data-col="status" class=move || format!("status status-{}", text(|r| r.status.name())())>
                {text(|r| r.status.name())}
            </td>
            <td data-col="reason" class="reason">{text(|r| r.reason.clone().unwrap_or_default())}</td>
            <td data-col="positions">
                {text(|r| r.positions.iter().map(|p| format!("#{p}")).collect::<Vec<_>>().join(" "))}
            </td>
            <td data-col="attempts" class="num">{text(|r| r.attempts.to_string())}</td>
            <td data-col="actions">
                <Show when=move || trader.get() && pending()>
                    <button type="button" class="btn btn-small cancel-signal" on:click=cancel disabled=move || busy.get()>
                        "Cancel"
                    </button>
                </Show>
                <span class="field-error" role="alert" hidden=move || problem.with(Option::is_none)>
                    {move || problem.get()}
                </span>
            </td>
        </tr>
    }
}

/// "open ETH 3000 USD", "close 50% of #4", "close ETH".
fn describe_action(r: &SignalRecord) -> String {
    let symbol = r.symbol.as_ref().map(|s| s.to_string()).unwrap_or_default();
    match r.action {
        app::signal::SignalAction::Open => {
            let notional = r.notional.map(|n| format!(" {} USD", format::usd_plain(n.value()))).unwrap_or_default();
            format!("open {symbol}{notional}")
        }
        app::signal::SignalAction::Close => {
            let share = r.percent.map(|p| format!("{p}% of ")).unwrap_or_default();
            match r.position_id {
                Some(id) => format!("close {share}#{id}"),
                None => format!("close {share}{symbol}"),
            }
        }
    }
}

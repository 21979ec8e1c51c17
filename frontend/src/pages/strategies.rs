//! Strategies (`/strategies`, `table#strategies tr[data-strategy]`): each strategy's book from
//! `GET /strategies` — positions and win rate, price P&L, funding, fees, net, APR on the
//! capital it occupied, current exposure — refreshed every 10 s, and its own exposure cap,
//! which admins set here.

use crate::api;
use crate::auth::Session;
use crate::format;
use crate::poll;
use app::Usd;
use app::auth::Role;
use app::strategy::{StrategyCapRequest, StrategySummary};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

#[component]
pub fn StrategiesPage() -> impl IntoView {
    let session = use_context::<Session>();
    let admin = Signal::derive(move || session.is_none_or(|s| s.can(Role::Admin)));
    let books = LocalResource::new(api::strategies);
    poll::every(Duration::from_secs(10), move || books.refetch());
    let rows = move || match books.get() {
        None => view! { <tr class="empty"><td colspan="11">"Loading…"</td></tr> }.into_any(),
        Some(Err(e)) => view! { <tr class="empty"><td colspan="11" class="error">{e.to_string()}</td></tr> }.into_any(),
        Some(Ok(list)) if list.is_empty() => {
            view! { <tr class="empty"><td colspan="11">"No positions yet."</td></tr> }.into_any()
        }
        Some(Ok(list)) => list
            .into_iter()
            .map(|b| view! { <BookRow b admin saved=Callback::new(move |_| books.refetch())/> })
            .collect_view()
            .into_any(),
    };
    view! {
        <section class="strategies-page">
            <div class="toolbar"><h1>"Strategies"</h1></div>
            <section class="panel">
                <p class="muted hint">
                    "Finished positions count as realised; open ones at the current marks. APR is net P&L over the \
                     capital occupied (entry notional × hours held), annualised."
                </p>
                <div class="table-wrap">
                    <table id="strategies" class="data-table">
                        <thead>
                            <tr>
                                <th scope="col">"Strategy"</th>
                                <th scope="col" class="num">"Positions"</th>
                                <th scope="col" class="num">"Win rate"</th>
                                <th scope="col" class="num">"Price P&L"</th>
                                <th scope="col" class="num">"Funding"</th>
                                <th scope="col" class="num">"Fees"</th>
                                <th scope="col" class="num">"Net"</th>
                                <th scope="col" class="num">"APR"</th>
                                <th scope="col" class="num">"Exposure"</th>
                                <th scope="col" class="num">"Cap"</th>
                                <th scope="col"></th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </section>
        </section>
    }
}

#[component]
fn BookRow(b: StrategySummary, admin: Signal<bool>, saved: Callback<()>) -> impl IntoView {
    let money = |col: &'static str, v: Usd| {
        view! { <td data-col=col class=format!("num usd {}", format::usd_class(v.value()))>{format::usd(v.value())}</td> }
    };
    let cap = RwSignal::new(b.max_notional.map(|m| m.value().to_string()).unwrap_or_default());
    let problem = RwSignal::new(None::<String>);
    let name = b.strategy.to_string();
    let save = {
        let name = name.clone();
        move |_| {
            let text = cap.get_untracked();
            let max_notional = match text.trim() {
                "" => None,
                t => match t.parse() {
                    Ok(v) => Some(Usd(v)),
                    Err(_) => return problem.set(Some(format!("{t:?} is not an amount"))),
                },
            };
            let name = name.clone();
            spawn_local(async move {
                let result = api::set_strategy_cap(&name, &StrategyCapRequest { max_notional }).await;
                problem.try_set(result.err().map(|e| e.to_string()));
                saved.run(());
            });
        }
    };
    view! {
        <tr data-strategy=name.clone()>
            <th scope="row" data-col="strategy">{name.clone()}</th>
            <td data-col="positions" class="num">{format!("{} ({} open)", b.positions, b.open_positions)}</td>
            <td data-col="win_rate" class="num">{b.win_rate.map_or_else(|| "—".into(), |w| format::percent(w, 0))}</td>
            {money("price_pnl", b.price_pnl)}
            {money("funding", b.funding)}
            {money("fees", -b.fees)}
            {money("net", b.net)}
            <td data-col="apr" class="num">{b.apr.map_or_else(|| "—".into(), |a| format::percent_signed(a, 1))}</td>
            <td data-col="exposure" class="num">{format::usd_plain(b.exposure.value())}</td>
            <td data-col="cap" class="num">
                <Show when=move || admin.get() fallback=move || view! { {cap.get()} }>
                    <input class="cap-input" inputmode="decimal" placeholder="none" prop:value=move || cap.get()
                        on:input=move |ev| cap.set(event_target_value(&ev))/>
                </Show>
            </td>
            <td>
                <Show when=move || admin.get()>
                    <button type="button" class="btn btn-small" on:click=save.clone()>"Save cap"</button>
                </Show>
                <span class="field-error" role="alert" hidden=move || problem.with(Option::is_none)>{move || problem.get()}</span>
            </td>
        </tr>
    }
}

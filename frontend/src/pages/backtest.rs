//! Backtest (`/backtest`, traders and admins): a form with the window, the symbols and the
//! parameters (starting from the live ones); the runs queued or going with their progress,
//! live from `/ws/backtests`; the stored runs, newest first, any of them shown in full (its
//! figures, equity and drawdown charts, per-symbol table) or ticked to be compared side by
//! side; and, for admins, a button that copies a run's parameters into the Config form.

mod chart;
mod compare;
mod form;
mod result;

use crate::api::{self, BASE};
use crate::format;
use crate::streams::LiveMap;
use app::backtest::{BacktestRun, RunStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::{BTreeMap, BTreeSet};

/// Stored runs listed.
const LISTED: u32 = 50;

/// The page's shared state: what was listed, what is live, what was fetched in full.
#[derive(Clone, Copy)]
pub struct Runs {
    stored: RwSignal<Vec<BacktestRun>>,
    live: LiveMap<i64, BacktestRun>,
    /// Runs fetched with their report, by id.
    full: RwSignal<BTreeMap<i64, BacktestRun>>,
    requested: StoredValue<BTreeSet<i64>>,
    pub selected: RwSignal<Option<i64>>,
    pub compared: RwSignal<BTreeSet<i64>>,
}

impl Runs {
    fn reload(self) {
        spawn_local(async move {
            if let Ok(list) = api::get::<Vec<BacktestRun>>(&format!("{BASE}/backtests?limit={LISTED}")).await {
                self.stored.try_set(list);
            }
        });
    }

    /// The stored runs with the live progress of those still going, and any live run the list
    /// does not have yet; newest first.
    fn merged(self) -> Vec<BacktestRun> {
        let live = self.live.items().get();
        let mut all: BTreeMap<i64, BacktestRun> = self.stored.get().into_iter().map(|r| (r.id, r)).collect();
        for (id, l) in live {
            let entry = all.entry(id).or_insert_with(|| l.clone());
            if !matches!(entry.status, RunStatus::Done | RunStatus::Failed) {
                (entry.status, entry.progress) = (l.status, l.progress);
            }
        }
        all.into_values().rev().collect()
    }

    /// Fetch a finished run's report once.
    fn want(self, id: i64) {
        if self.requested.with_value(|r| r.contains(&id)) {
            return;
        }
        self.requested.update_value(|r| {
            r.insert(id);
        });
        spawn_local(async move {
            match api::get::<BacktestRun>(&format!("{BASE}/backtests/{id}")).await {
                Ok(run) => {
                    self.full.try_update(|f| f.insert(id, run));
                }
                Err(_) => self.requested.update_value(|r| {
                    r.remove(&id);
                }),
            }
        });
    }

    pub fn full(self, id: i64) -> Option<BacktestRun> {
        self.full.with(|f| f.get(&id).cloned())
    }
}

#[component]
pub fn BacktestPage() -> impl IntoView {
    let runs = Runs {
        stored: RwSignal::new(Vec::new()),
        live: LiveMap::connect("/ws/backtests", |r: &BacktestRun| r.id),
        full: RwSignal::new(BTreeMap::new()),
        requested: StoredValue::new(BTreeSet::new()),
        selected: RwSignal::new(None),
        compared: RwSignal::new(BTreeSet::new()),
    };
    runs.reload();
    // A run that finishes: list it as stored, and fetch its report if it is on show.
    let finished = Memo::new(move |_| {
        runs.live.items().with(|m| {
            m.values()
                .filter(|r| matches!(r.status, RunStatus::Done | RunStatus::Failed))
                .map(|r| r.id)
                .collect::<Vec<_>>()
        })
    });
    Effect::new(move |_| {
        if !finished.with(Vec::is_empty) {
            runs.reload();
        }
    });
    Effect::new(move |_| {
        let done: BTreeSet<i64> =
            runs.merged().into_iter().filter(|r| r.status == RunStatus::Done).map(|r| r.id).collect();
        let shown = runs.selected.get().into_iter().chain(runs.compared.get());
        for id in shown.filter(|id| done.contains(id)) {
            runs.want(id);
        }
    });
    let started = Callback::new(move |id: i64| runs.selected.set(Some(id)));

    view! {
        <section class="backtest-page">
            <div class="toolbar">
                <h1>"Backtest"</h1>
                <span class="muted">"The live engine's own code over recorded funding history, on simulated venues."</span>
            </div>
            <div class="backtest-columns">
                <section class="panel" aria-labelledby="bt-form-title">
                    <h2 id="bt-form-title">"New run"</h2>
                    <form::RunForm started/>
                </section>
                <section class="panel" aria-labelledby="bt-runs-title">
                    <h2 id="bt-runs-title">"Runs"</h2>
                    <RunList runs/>
                </section>
            </div>
            <compare::Compare runs/>
            <result::Shown runs/>
        </section>
    }
}

fn status_name(s: RunStatus) -> &'static str {
    match s {
        RunStatus::Queued => "queued",
        RunStatus::Running => "running",
        RunStatus::Done => "done",
        RunStatus::Failed => "failed",
    }
}

/// One line per run: what it asked, how far it is, its headline figures once done.
#[component]
fn RunList(runs: Runs) -> impl IntoView {
    let rows = move || {
        runs.merged()
            .into_iter()
            .map(|r| {
                let id = r.id;
                let status = status_name(r.status);
                let percent = format::percent(r.progress, 0);
                let going = matches!(r.status, RunStatus::Queued | RunStatus::Running);
                let symbols = if r.request.symbols.is_empty() {
                    "all symbols".to_owned()
                } else {
                    r.request.symbols.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                };
                let (net, net_class) = r.net.map(|n| (format::usd(n.0), format::usd_class(n.0))).unwrap_or_default();
                let apr = r.apr_budget.map(format::apr).unwrap_or_default();
                let done = r.status == RunStatus::Done;
                view! {
                    <tr data-run=id data-status=status class:selected=move || runs.selected.get() == Some(id)>
                        <td>
                            <input type="checkbox" class="bt-compare-pick" aria-label=format!("compare run {id}")
                                disabled=!done
                                prop:checked=move || runs.compared.with(|c| c.contains(&id))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    runs.compared.update(|c| { if on { c.insert(id); } else { c.remove(&id); } });
                                }/>
                        </td>
                        <td class="num">{format!("#{id}")}</td>
                        <td>{format!("{} → {}", r.request.from, r.request.to)}</td>
                        <td>{symbols}</td>
                        <td data-col="status">
                            <span class=format!("badge status-{status}")>{status}</span>
                            {going.then(|| view! {
                                <progress class="bt-progress" max="1" value=r.progress.to_string()></progress>
                                <span class="num bt-percent">{percent}</span>
                            })}
                            {r.error.clone().map(|e| view! { <span class="error">{e}</span> })}
                        </td>
                        <td class=format!("num money {net_class}") data-col="net">{net}</td>
                        <td class="num" data-col="apr">{apr}</td>
                        <td>
                            <button type="button" class="btn btn-small bt-show" disabled=!done
                                on:click=move |_| runs.selected.set(Some(id))>"Show"</button>
                        </td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <table id="bt-runs" class="data-table">
            <thead>
                <tr>
                    <th><span class="visually-hidden">"Compare"</span></th>
                    <th>"Run"</th>
                    <th>"Window"</th>
                    <th>"Symbols"</th>
                    <th>"Status"</th>
                    <th class="num">"Net"</th>
                    <th class="num">"APR"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <Show when=move || runs.merged().is_empty()>
            <p class="muted" id="bt-no-runs">"No backtests yet."</p>
        </Show>
    }
}

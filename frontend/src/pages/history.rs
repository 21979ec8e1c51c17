//! History (`/history`): the realised P&L (cumulative chart, daily bars, totals, and apart from
//! them what open positions hold unrealised), then closed positions, orders, fills and funding
//! payments in tabs, filtered, paged newest first, and exported as CSV — the export link of
//! the page shows exactly its rows (same query), the other every row of the filter.

mod filters;

use crate::api::{self, ApiError};
use crate::components::history_table::{HistoryTable, Rows, signed_usd};
use crate::components::pnl_bars::PnlBars;
use crate::components::pnl_chart::PnlChart;
use app::history::{Format, HistoryList, ListQuery, MAX_EXPORT_ROWS, PnlSeries};
use app::trading::PositionId;
use filters::{Criteria, Filters};
use leptos::prelude::*;

/// Rows per page the user can choose, and the default.
const PAGE_SIZES: [u32; 4] = [10, 25, 50, 100];
const DEFAULT_ROWS: u32 = 25;

fn list_url(list: HistoryList, q: &ListQuery) -> String {
    let qs = q.to_query_string();
    let base = format!("{}/history/{}", api::BASE, list.as_str());
    if qs.is_empty() { base } else { format!("{base}?{qs}") }
}

async fn fetch(list: HistoryList, q: ListQuery) -> Result<Rows, ApiError> {
    let url = list_url(list, &q);
    Ok(match list {
        HistoryList::Positions => Rows::Positions(api::get(&url).await?),
        HistoryList::Orders => Rows::Orders(api::get(&url).await?),
        HistoryList::Fills => Rows::Fills(api::get(&url).await?),
        HistoryList::Funding => Rows::Funding(api::get(&url).await?),
    })
}

fn tab_label(list: HistoryList) -> &'static str {
    match list {
        HistoryList::Positions => "Closed positions",
        HistoryList::Orders => "Orders",
        HistoryList::Fills => "Fills",
        HistoryList::Funding => "Funding payments",
    }
}

#[component]
pub fn HistoryPage() -> impl IntoView {
    let tab = RwSignal::new(HistoryList::Positions);
    let criteria = RwSignal::new(Criteria::default());
    // The cursors of the pages opened so far; the last is the current page's (none: newest).
    let cursors = RwSignal::new(Vec::<String>::new());
    let page_rows = RwSignal::new(DEFAULT_ROWS);
    let reload = RwSignal::new(0_u32);
    // A new filter starts again from the newest rows.
    let apply = Callback::new(move |c: Criteria| {
        criteria.set(c);
        cursors.set(Vec::new());
    });
    // A position picked in a table: its fills (or, from fills, keep the list).
    let pick = Callback::new(move |id: PositionId| {
        criteria.update(|c| c.position_id = Some(id));
        cursors.set(Vec::new());
        if tab.get_untracked() == HistoryList::Positions {
            tab.set(HistoryList::Fills);
        }
    });
    // So does another list; a status belongs to one list.
    let open_tab = move |list: HistoryList| {
        if criteria.with(|c| c.status.is_some()) {
            criteria.update(|c| c.status = None);
        }
        cursors.set(Vec::new());
        tab.set(list);
    };
    let query = Memo::new(move |_| {
        let cursor = cursors.with(|c| c.last().cloned());
        criteria.with(|c| c.list_query(tab.get(), cursor, page_rows.get()))
    });
    let page = LocalResource::new(move || {
        reload.track();
        let (list, q) = (tab.get(), query.get());
        async move { fetch(list, q).await }
    });
    let pnl = LocalResource::new(move || {
        reload.track();
        let q = criteria.with(Criteria::pnl_query);
        async move {
            let mut params = Vec::new();
            if let Some(s) = q.symbol {
                params.push(format!("symbol={s}"));
            }
            if let Some(t) = q.from {
                params.push(format!("from={t}"));
            }
            if let Some(t) = q.to {
                params.push(format!("to={t}"));
            }
            let sep = if params.is_empty() { "" } else { "?" };
            api::get::<PnlSeries>(&format!("{}/history/pnl{sep}{}", api::BASE, params.join("&"))).await
        }
    });
    let server_error = Signal::derive(move || page.get().and_then(Result::err));

    let export_page = move || {
        let q = ListQuery { format: Some(Format::Csv), ..query.get() };
        list_url(tab.get(), &q)
    };
    let export_all = move || {
        let q = ListQuery { format: Some(Format::Csv), limit: None, cursor: None, ..query.get() };
        list_url(tab.get(), &q)
    };
    let export_all_label = move || match page.get().and_then(Result::ok).map(|r| r.paging().1) {
        Some(total) if total > u64::from(MAX_EXPORT_ROWS) => {
            format!("Export CSV (newest {MAX_EXPORT_ROWS} of {total})")
        }
        Some(total) => format!("Export CSV (all {total})"),
        None => "Export CSV (all)".to_owned(),
    };
    let tabs = HistoryList::ALL
        .into_iter()
        .map(|list| {
            view! {
                <button type="button" role="tab" class="tab" data-tab=list.as_str()
                    aria-selected=move || (tab.get() == list).to_string()
                    on:click=move |_| open_tab(list)>
                    {tab_label(list)}
                </button>
            }
        })
        .collect_view();

    view! {
        <section class="history-page">
            <div class="toolbar">
                <h1>"History"</h1>
                <span class="muted">"Times in UTC. Amounts in USD; exports are exact."</span>
                <button id="history-refresh" type="button" class="btn" on:click=move |_| reload.update(|n| *n += 1)>
                    "Refresh"
                </button>
            </div>
            <Filters tab=tab.into() criteria=criteria.into() apply server_error/>
            <PnlPanel pnl/>
            <div class="tabs" role="tablist" aria-label="History lists">{tabs}</div>
            <div class="list-tools">
                <Pager page cursors page_rows/>
                <div class="exports">
                    <a id="history-export" class="btn" href=export_page download="">"Export CSV (this page)"</a>
                    <a id="history-export-all" class="btn" href=export_all download="">{export_all_label}</a>
                </div>
            </div>
            {move || match page.get() {
                None => view! { <p class="chart-note muted">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p id="history-error" class="chart-note error">{e.to_string()}</p> }.into_any(),
                Some(Ok(rows)) => view! { <HistoryTable rows pick/> }.into_any(),
            }}
        </section>
    }
}

/// "Page 2 of 5 · 118 rows", with newer and older, and the rows per page.
#[component]
fn Pager(
    page: LocalResource<Result<Rows, ApiError>>,
    cursors: RwSignal<Vec<String>>,
    page_rows: RwSignal<u32>,
) -> impl IntoView {
    let paging = Memo::new(move |_| page.get().and_then(Result::ok).map(|r| r.paging()));
    let next = move || paging.get().and_then(|(next, _, _)| next);
    let info = move || {
        let n = cursors.with(Vec::len) as u64 + 1;
        match paging.get() {
            Some((_, total, limit)) => {
                let pages = total.div_ceil(u64::from(limit.max(1))).max(1);
                format!("Page {n} of {pages} · {total} rows")
            }
            None => format!("Page {n}"),
        }
    };
    view! {
        <nav class="pager" aria-label="Pages">
            <button id="history-newer" type="button" class="btn" prop:disabled=move || cursors.with(Vec::is_empty)
                on:click=move |_| cursors.update(|c| { c.pop(); })>"‹ Newer"</button>
            <span id="history-page-info" class="muted">{info}</span>
            <button id="history-older" type="button" class="btn" prop:disabled=move || next().is_none()
                on:click=move |_| if let Some(c) = next() { cursors.update(|cs| cs.push(c)) }>"Older ›"</button>
            <label class="rows muted">
                "Rows "
                <select id="history-limit" prop:value=move || page_rows.get().to_string()
                    on:change=move |ev| {
                        if let Ok(n) = event_target_value(&ev).parse() {
                            cursors.set(Vec::new());
                            page_rows.set(n);
                        }
                    }>
                    {PAGE_SIZES.map(|n| view! { <option value=n.to_string()>{n}</option> }).collect_view()}
                </select>
            </label>
        </nav>
    }
}

/// Totals, the cumulative chart and the daily bars; open positions' unrealised P&L apart.
#[component]
fn PnlPanel(pnl: LocalResource<Result<PnlSeries, ApiError>>) -> impl IntoView {
    move || match pnl.get() {
        None => view! { <p class="chart-note muted">"Loading P&L…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="chart-note error">"P&L unavailable: " {e.to_string()}</p> }.into_any(),
        Some(Ok(s)) => {
            let figure = |field: &'static str, label: &'static str, v: app::Usd| {
                let (text, class) = signed_usd(v, 2);
                view! {
                    <div class="figure">
                        <dt>{label}</dt>
                        <dd data-field=field class=format!("num money {class}")>{text}</dd>
                    </div>
                }
            };
            let fees = -s.total.fees;
            view! {
                <section class="pnl-panel" aria-label="Realised P&L">
                    <dl id="pnl-summary" class="pnl-summary">
                        {figure("net", "Realised net", s.total.net)}
                        {figure("price", "Price P&L", s.total.price)}
                        {figure("funding", "Funding", s.total.funding)}
                        {figure("fees", "Fees", fees)}
                        {figure("unrealized", "Open: unrealised", s.open.unrealized)}
                        {figure("funding_estimate", "Open: funding accrued", s.open.funding_estimate)}
                    </dl>
                    <p class="legend muted">
                        "Realised money only: price P&L of reducing fills, settled funding, fees, when each "
                        "happened. Open positions ("{s.open.positions}") hold the unrealised figures, not charted."
                    </p>
                    <div class="pnl-charts">
                        <PnlChart series=s.clone()/>
                        <PnlBars series=s/>
                    </div>
                </section>
            }
            .into_any()
        }
    }
}

//! The funding board (part of the dashboard, `/`): one row per symbol with each venue's rate, APR, interval and
//! next settlement, and the spread between them; live from the funding stream, sortable by
//! any column. Selecting a row opens its detail and 7-day history below the table.

mod detail;
mod sort;

use crate::components::countdown::CountdownCell;
use crate::components::rate_cell::{RateCell, RateUnit};
use crate::format;
use crate::ws::{ConnState, FundingFeed};
use app::api::FundingRow;
use app::{SpreadDirection, Symbol, Venue};
use detail::SymbolDetail;
use leptos::prelude::*;
use sort::{Sort, SortKey};

#[component]
pub fn BoardPage() -> impl IntoView {
    let feed = expect_context::<FundingFeed>();
    let sort = RwSignal::new(Sort::default());
    let filter = RwSignal::new(String::new());
    let selected = RwSignal::new(None::<Symbol>);

    // Only the order lives here; each row reads its own figures, so an update to one symbol
    // re-renders that row's cells, not the table.
    let order = Memo::new(move |_| {
        let needle = filter.get().trim().to_ascii_uppercase();
        let s = sort.get();
        feed.rows().with(|rows| {
            let mut shown: Vec<&FundingRow> = rows.values().filter(|r| r.symbol.as_str().contains(&needle)).collect();
            shown.sort_by(|a, b| s.compare(a, b));
            shown.into_iter().map(|r| r.symbol.clone()).collect::<Vec<_>>()
        })
    });
    let total = Memo::new(move |_| feed.rows().with(|rows| rows.len()));
    let updated = move || match feed.received_ms() {
        Some(ms) => format!("Updated {} UTC", format::utc_time(ms)),
        None => "Waiting for data…".to_owned(),
    };

    view! {
        // Figures kept through a reconnect are dimmed: they may be out of date.
        <section class="board" class:stale=move || feed.state() == ConnState::Reconnecting>
            <div class="toolbar">
                <h2>"Funding board"</h2>
                <span class="muted count">
                    {move || format!("{} of {} symbols", order.with(Vec::len), total.get())}
                </span>
                <span id="board-updated" class="muted">{updated}</span>
                <input
                    class="filter"
                    type="search"
                    placeholder="Filter symbol"
                    aria-label="Filter symbols"
                    prop:value=move || filter.get()
                    on:input=move |ev| filter.set(event_target_value(&ev))
                />
            </div>
            <div class="table-wrap">
                <table id="funding-board" class="board-table">
                    <BoardHead sort/>
                    <tbody>
                        <For each=move || order.get() key=|symbol| symbol.clone() let:symbol>
                            <BoardRow symbol selected/>
                        </For>
                        <Show when=move || order.with(Vec::is_empty)>
                            <tr class="empty">
                                <td colspan="12">
                                    {move || if total.get() == 0 {
                                        "Waiting for the first snapshot from the server…"
                                    } else {
                                        "No symbol matches the filter."
                                    }}
                                </td>
                            </tr>
                        </Show>
                    </tbody>
                </table>
            </div>
            <p class="legend muted">
                "Rates are predicted for the next settlement, shown per hour so that 8h and 1h "
                "venues compare directly. Positive: longs pay shorts. APR = per hour × 8760, "
                "not compounded. Spread: what a hedged pair collects per hour in the direction shown."
            </p>
            {move || selected.get().map(|symbol| view! { <SymbolDetail symbol selected/> })}
        </section>
    }
}

#[component]
fn BoardHead(sort: RwSignal<Sort>) -> impl IntoView {
    let venue_cols = |v: Venue| {
        view! {
            <SortHeader sort key=SortKey::PerHour(v) label="Rate/h"/>
            <SortHeader sort key=SortKey::Apr(v) label="APR"/>
            <SortHeader sort key=SortKey::Interval(v) label="Int."/>
            <SortHeader sort key=SortKey::Next(v) label="Next"/>
        }
    };
    view! {
        <thead>
            <tr class="groups">
                <SortHeader sort key=SortKey::Symbol label="Symbol" rowspan=2/>
                <th colspan="4" class="group venue-binance" scope="colgroup">"Binance"</th>
                <th colspan="4" class="group venue-lighter" scope="colgroup">"Lighter"</th>
                <th colspan="3" class="group spread" scope="colgroup">"Spread"</th>
            </tr>
            <tr>
                {venue_cols(Venue::Binance)}
                {venue_cols(Venue::Lighter)}
                <SortHeader sort key=SortKey::SpreadPerHour label="/h"/>
                <SortHeader sort key=SortKey::SpreadApr label="APR"/>
                <SortHeader sort key=SortKey::Direction label="Direction"/>
            </tr>
        </thead>
    }
}

#[component]
fn SortHeader(
    sort: RwSignal<Sort>,
    key: SortKey,
    label: &'static str,
    #[prop(optional)] rowspan: Option<u32>,
) -> impl IntoView {
    let active = move || sort.get().key == key;
    let aria = move || if active() { sort.get().dir.aria() } else { "none" };
    let arrow = move || if active() { sort.get().dir.arrow() } else { "" };
    view! {
        <th
            data-sort=key.id()
            scope="col"
            rowspan=rowspan
            class="sortable"
            class:sorted=active
            aria-sort=aria
            on:click=move |_| sort.update(|s| *s = s.clicked(key))
        >
            <button type="button">{label}<span class="arrow" aria-hidden="true">{arrow}</span></button>
        </th>
    }
}

#[component]
fn BoardRow(symbol: Symbol, selected: RwSignal<Option<Symbol>>) -> impl IntoView {
    let feed = expect_context::<FundingFeed>();
    let key = symbol.clone();
    let row = Memo::new(move |_| feed.rows().with(|rows| rows.get(&key).cloned()));
    let venue = move |v: Venue| {
        let per_hour = Signal::derive(move || row.with(|r| r.as_ref()?.venue(v).map(|f| f.per_hour)));
        let apr = Signal::derive(move || row.with(|r| r.as_ref()?.venue(v).map(|f| f.apr)));
        let next = Signal::derive(move || row.with(|r| r.as_ref()?.venue(v).map(|f| f.next_funding_ms)));
        let interval = move || {
            row.with(|r| r.as_ref()?.venue(v).map(|f| format::interval(f.rate.interval)))
                .unwrap_or_else(|| "—".to_owned())
        };
        view! {
            <RateCell col=format!("{v}-per-hour") unit=RateUnit::PerHour value=per_hour/>
            <RateCell col=format!("{v}-apr") unit=RateUnit::Apr value=apr/>
            <td data-col=format!("{v}-interval") class="num interval">{interval}</td>
            <CountdownCell col=format!("{v}-next") target_ms=next/>
        }
    };
    let spread_hour = Signal::derive(move || row.with(|r| r.as_ref()?.spread.map(|s| s.per_hour)));
    let spread_apr = Signal::derive(move || row.with(|r| r.as_ref()?.spread.map(|s| s.apr)));
    let direction = move || match row.with(|r| r.as_ref()?.spread.map(|s| s.direction)) {
        Some(d) => direction_legs(d).into_any(),
        None => "—".into_any(),
    };

    let is_selected = {
        let symbol = symbol.clone();
        move || selected.with(|s| s.as_ref() == Some(&symbol))
    };
    let select = {
        let symbol = symbol.clone();
        move || selected.set(Some(symbol.clone()))
    };
    let select_on_key = select.clone();
    view! {
        <tr
            data-symbol=symbol.to_string()
            class:selected=is_selected
            tabindex="0"
            on:click=move |_| select()
            on:keydown=move |ev| {
                if ev.key() == "Enter" || ev.key() == " " {
                    ev.prevent_default();
                    select_on_key();
                }
            }
        >
            <th scope="row" data-col="symbol" class="symbol">{symbol.to_string()}</th>
            {venue(Venue::Binance)}
            {venue(Venue::Lighter)}
            <RateCell col="spread-per-hour" unit=RateUnit::SpreadPerHour value=spread_hour/>
            <RateCell col="spread-apr" unit=RateUnit::SpreadApr value=spread_apr/>
            <td data-col="direction" class="direction">{direction}</td>
        </tr>
    }
}

/// "Long Lighter / Short Binance" (the text of `SpreadDirection::label`), venues in colour.
fn direction_legs(direction: SpreadDirection) -> impl IntoView {
    let (long, short) = match direction {
        SpreadDirection::LongLighterShortBinance => (Venue::Lighter, Venue::Binance),
        SpreadDirection::LongBinanceShortLighter => (Venue::Binance, Venue::Lighter),
    };
    view! {
        "Long " <span class=format!("venue-name venue-{long}")>{long.label()}</span>
        " / Short " <span class=format!("venue-name venue-{short}")>{short.label()}</span>
    }
}

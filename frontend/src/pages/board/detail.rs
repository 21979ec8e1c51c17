//! The selected symbol under the board: each venue's figures in full (rate per its own
//! interval, last settlement, next settlement time, mark price) and the 7-day history chart.

use crate::clock::ServerClock;
use crate::components::countdown::countdown_text;
use crate::components::history_chart::HistoryChart;
use crate::format;
use crate::ws::FundingFeed;
use app::api::{FundingRow, VenueFunding};
use app::{FundingRate, Symbol, Venue};
use leptos::prelude::*;

#[component]
pub fn SymbolDetail(symbol: Symbol, selected: RwSignal<Option<Symbol>>) -> impl IntoView {
    let feed = expect_context::<FundingFeed>();
    let key = symbol.clone();
    let row = Memo::new(move |_| feed.rows().with(|rows| rows.get(&key).cloned()));
    let spread = move || {
        row.with(|r| r.as_ref().and_then(|r| r.spread)).map(|s| {
            view! {
                <span class="spread-badge">
                    <span class="muted">"Spread "</span>
                    <b class=format!("spread {}", format::tier_class(s.apr))>
                        {format::percent(s.apr, format::APR_DP)} " APR"
                    </b>
                    <span class="muted">" · " {s.direction.label()}</span>
                </span>
            }
        })
    };
    // On a phone the detail opens below a long table: bring it into view, minimally.
    let section = NodeRef::<leptos::html::Section>::new();
    Effect::new(move |_| {
        if let Some(el) = section.get() {
            let options = web_sys::ScrollIntoViewOptions::new();
            options.set_behavior(web_sys::ScrollBehavior::Smooth);
            options.set_block(web_sys::ScrollLogicalPosition::Nearest);
            el.scroll_into_view_with_scroll_into_view_options(&options);
        }
    });
    view! {
        <section class="detail" aria-label=format!("{symbol} detail") node_ref=section>
            <header class="detail-head">
                <h2>{symbol.to_string()}</h2>
                {spread}
                <button
                    type="button"
                    class="close"
                    aria-label="Close detail"
                    on:click=move |_| selected.set(None)
                >
                    "×"
                </button>
            </header>
            <div class="venue-cards">
                <VenueCard venue=Venue::Binance row/>
                <VenueCard venue=Venue::Lighter row/>
            </div>
            <HistoryChart symbol=symbol.clone()/>
        </section>
    }
}

#[component]
fn VenueCard(venue: Venue, row: Memo<Option<FundingRow>>) -> impl IntoView {
    let clock = expect_context::<ServerClock>();
    let funding = Memo::new(move |_| row.with(|r| r.as_ref().and_then(|r| r.venue(venue).cloned())));
    let body = move || match funding.get() {
        None => view! { <p class="muted">"Not listed on " {venue.label()} "."</p> }.into_any(),
        Some(f) => view! { <VenueFigures f clock/> }.into_any(),
    };
    view! {
        <div class=format!("venue-card venue-{venue}")>
            <h3>{venue.label()}</h3>
            {body}
        </div>
    }
}

#[component]
fn VenueFigures(f: VenueFunding, clock: ServerClock) -> impl IntoView {
    let next = f.next_funding_ms;
    view! {
        <dl class="figures">
            <dt>"Predicted"</dt>
            <dd class=format::percent_sign_class(f.rate.rate, 4)>{per_interval(f.rate)}</dd>
            <dt>"Per hour"</dt>
            <dd class=format::percent_sign_class(f.per_hour, format::PER_HOUR_DP)>{format::per_hour(f.per_hour)}</dd>
            <dt>"APR"</dt>
            <dd class=format::percent_sign_class(f.apr, format::APR_DP)>{format::apr(f.apr)}</dd>
            <dt>"Last settled"</dt>
            <dd class=f.last_settled.map_or("", |r| format::percent_sign_class(r.rate, 4))>
                {f.last_settled.map_or_else(|| "—".to_owned(), per_interval)}
            </dd>
            <dt>"Next settlement"</dt>
            <dd>
                {format::utc_time(next)} " UTC "
                <span class="muted">"(" {move || countdown_text(clock, next)} ")"</span>
            </dd>
            <dt>"Mark price"</dt>
            <dd>{f.mark_price.map_or_else(|| "—".to_owned(), format::price)}</dd>
        </dl>
    }
}

/// "+0.0100% / 8h": the rate as the venue charges it, with its interval.
fn per_interval(rate: FundingRate) -> String {
    format!("{} / {}", format::percent_signed(rate.rate, 4), format::interval(rate.interval))
}

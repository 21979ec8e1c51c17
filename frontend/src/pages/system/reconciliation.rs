//! Recent reconciliations (`table#reconciliation tr[data-time]`): our books against each
//! venue's, the verdict and every difference with what was done; "Reconcile now"
//! (`#reconcile-now`, traders) runs one and shows it at the top.

use super::{date_time, every};
use crate::api::{self, BASE};
use crate::format;
use app::reconcile::{Difference, DifferenceKind, ReconcileReport, VenueCheck};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

#[component]
pub fn Reconciliation(can_run: Signal<bool>) -> impl IntoView {
    let reports = LocalResource::new(|| async {
        api::get::<Vec<ReconcileReport>>(&format!("{BASE}/reconciliation?limit=10")).await
    });
    every(Duration::from_secs(10), move || reports.refetch());
    let running = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let run = move |_| {
        running.set(true);
        outcome.set(None);
        spawn_local(async move {
            match api::post::<_, ReconcileReport>(&format!("{BASE}/reconciliation"), &()).await {
                Ok(r) => {
                    let text = if r.clean() {
                        "Clean: our books match every venue.".to_owned()
                    } else {
                        format!("{} difference(s); see the first row.", r.differences.len())
                    };
                    outcome.try_set(Some(Ok(text)));
                    reports.refetch();
                }
                Err(e) => {
                    outcome.try_set(Some(Err(format!("Not run: {e}"))));
                }
            }
            running.try_set(false);
        });
    };
    let rows = move || match reports.get() {
        None => view! { <tr class="empty"><td colspan="4">"Loading…"</td></tr> }.into_any(),
        Some(Err(e)) => {
            view! { <tr class="empty"><td colspan="4" class="error">"Could not load: " {e.to_string()}</td></tr> }
                .into_any()
        }
        Some(Ok(list)) if list.is_empty() => {
            view! { <tr class="empty"><td colspan="4">"No reconciliation has run yet."</td></tr> }.into_any()
        }
        Some(Ok(list)) => list.into_iter().map(|r| view! { <ReportRow r/> }).collect_view().into_any(),
    };
    view! {
        <div class="panel-actions">
            <Show when=move || can_run.get()>
                <button id="reconcile-now" type="button" class="btn" on:click=run disabled=move || running.get()>
                    {move || if running.get() { "Reconciling…" } else { "Reconcile now" }}
                </button>
            </Show>
            <span
                id="reconcile-outcome"
                role="status"
                class=move || if matches!(outcome.get(), Some(Err(_))) { "form-outcome error" } else { "form-outcome" }
            >
                {move || outcome.get().map(|o| o.unwrap_or_else(|e| e))}
            </span>
        </div>
        <div class="table-wrap">
            <table id="reconciliation" class="data-table">
                <thead>
                    <tr>
                        <th scope="col">"Time (UTC)"</th>
                        <th scope="col" class="hide-narrow">"Trigger"</th>
                        <th scope="col">"Venues"</th>
                        <th scope="col">"Result"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn ReportRow(r: ReconcileReport) -> impl IntoView {
    let clean = r.clean();
    let result = if clean {
        view! { <span class="verdict yes">"clean"</span> }.into_any()
    } else if r.differences.is_empty() {
        view! { <span class="verdict no">"venue unreachable"</span> }.into_any()
    } else {
        let n = r.differences.len();
        view! {
            <span class="verdict no">{format!("{n} difference{}", if n == 1 { "" } else { "s" })}</span>
            <ul class="plain differences">{r.differences.into_iter().map(difference).collect_view()}</ul>
        }
        .into_any()
    };
    view! {
        <tr data-time=r.time_ms data-clean=clean.to_string()>
            <td data-col="time" class="nowrap">{date_time(r.time_ms)}</td>
            <td data-col="trigger" class="hide-narrow">{r.trigger}</td>
            <td data-col="venues">{r.venues.into_iter().map(venue_check).collect_view()}</td>
            <td data-col="result">{result}</td>
        </tr>
    }
}

fn venue_check(v: VenueCheck) -> impl IntoView {
    let text = if v.reachable {
        let mut t = format!("{} position(s), {} order(s)", v.positions, v.open_orders);
        if !v.pending.is_empty() {
            let pending: Vec<String> = v.pending.iter().map(ToString::to_string).collect();
            t.push_str(&format!("; skipped in flight: {}", pending.join(", ")));
        }
        t
    } else {
        "unreachable".to_owned()
    };
    view! {
        <div class="venue-check" class:error=!v.reachable>
            <span class=format!("venue-name venue-{}", v.venue)>{v.venue.label()}</span> ": " {text}
        </div>
    }
}

fn difference(d: Difference) -> impl IntoView {
    let what = match d.kind {
        DifferenceKind::VenueOnlyPosition => "position only on the venue",
        DifferenceKind::OursOnlyPosition => "position only in our books",
        DifferenceKind::SizeMismatch => "size differs",
        DifferenceKind::VenueOnlyOrder => "order only on the venue",
        DifferenceKind::OursOnlyOrder => "order only in our books",
        DifferenceKind::Unreachable => "venue unreachable",
    };
    let subject = d.symbol.map(|s| s.to_string()).or(d.order.map(|o| o.to_string())).unwrap_or_default();
    // A size as the venue states it: signed, to its own decimals.
    let size =
        |q: Option<app::Qty>| q.map(|q| format::signed(q.value(), q.value().scale())).unwrap_or_else(|| "—".into());
    let sizes = match (d.ours, d.theirs) {
        (None, None) => String::new(),
        (ours, theirs) => format!(" (ours {}, venue {})", size(ours), size(theirs)),
    };
    view! {
        <li>
            <span class=format!("venue-name venue-{}", d.venue)>{d.venue.label()}</span>
            " " {subject} ": " {what} {sizes} " → " <span class="muted">{d.action}</span>
        </li>
    }
}

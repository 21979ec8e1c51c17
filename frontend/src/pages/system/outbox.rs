//! The notification outbox (admins; `table#outbox tr[data-delivery-id]`): the newest
//! deliveries from `GET /notifications/deliveries`, filtered by status, with each one's
//! channel, attempts, what a summary folded (or which summary a repeat was folded into) and
//! the channel's last answer; counts by status above. Refreshes every 5 s.

use super::{date_time, every};
use crate::api::{self, BASE};
use app::outbox::{DeliveryStatus, DeliveryView};
use leptos::prelude::*;
use std::time::Duration;

const STATUSES: [&str; 5] = ["", "pending", "sent", "failed", "suppressed"];

#[component]
pub fn Outbox() -> impl IntoView {
    let status = RwSignal::new(String::new());
    let rows = LocalResource::new(move || {
        let s = status.get();
        let filter = if s.is_empty() { String::new() } else { format!("&status={s}") };
        async move { api::get::<Vec<DeliveryView>>(&format!("{BASE}/notifications/deliveries?limit=100{filter}")).await }
    });
    every(Duration::from_secs(5), move || rows.refetch());
    let counts = move || {
        rows.with(|r| match r {
            Some(Ok(list)) => {
                let n = |s: DeliveryStatus| list.iter().filter(|d| d.status == s).count();
                let folded: i32 = list.iter().map(|d| d.folded).sum();
                format!(
                    "Of the {} shown: {} sent, {} pending, {} failed, {} suppressed; summaries report {folded} repeats.",
                    list.len(),
                    n(DeliveryStatus::Sent),
                    n(DeliveryStatus::Pending),
                    n(DeliveryStatus::Failed),
                    n(DeliveryStatus::Suppressed)
                )
            }
            _ => String::new(),
        })
    };
    let body = move || {
        match rows.get() {
        None => view! { <tr class="empty"><td colspan="7">"Loading…"</td></tr> }.into_any(),
        Some(Err(e)) => {
            view! { <tr class="empty"><td colspan="7" class="error">"Could not load the outbox: " {e.to_string()}</td></tr> }
                .into_any()
        }
        Some(Ok(list)) if list.is_empty() => {
            view! { <tr class="empty"><td colspan="7">"No delivery yet."</td></tr> }.into_any()
        }
        Some(Ok(list)) => list.into_iter().map(|d| view! { <DeliveryRow d/> }).collect_view().into_any(),
    }
    };
    view! {
        <div class="inline-form">
            <div class="field">
                <label for="outbox-status">"Status"</label>
                <select id="outbox-status" on:change=move |ev| status.set(event_target_value(&ev))>
                    {STATUSES
                        .iter()
                        .map(|s| view! { <option value=*s>{if s.is_empty() { "all" } else { s }}</option> })
                        .collect_view()}
                </select>
            </div>
            <p id="outbox-counts" class="muted small">{counts}</p>
        </div>
        <div class="table-wrap">
            <table id="outbox" class="data-table">
                <thead>
                    <tr>
                        <th scope="col">"Time (UTC)"</th>
                        <th scope="col">"Channel"</th>
                        <th scope="col">"Notification"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Attempts"</th>
                        <th scope="col">"Folded"</th>
                        <th scope="col">"Last answer"</th>
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
}

#[component]
fn DeliveryRow(d: DeliveryView) -> impl IntoView {
    let class = match d.status {
        DeliveryStatus::Sent => "verdict yes",
        DeliveryStatus::Failed => "verdict no",
        DeliveryStatus::Pending => "verdict warn",
        DeliveryStatus::Suppressed => "muted",
    };
    let channel = if d.target.is_empty() { d.channel.clone() } else { format!("{} {}", d.channel, d.target) };
    let folded = match (d.folded, d.folded_into) {
        (n, _) if n > 0 => format!("summary of {n}"),
        (_, Some(id)) => format!("into #{id}"),
        _ => String::new(),
    };
    let next = (d.status == DeliveryStatus::Pending).then(|| format!("next {}", date_time(d.next_attempt_ms)));
    view! {
        <tr data-delivery-id=d.id data-status=d.status.as_str()>
            <td class="nowrap">{date_time(d.created_ms)}</td>
            <td>{channel}</td>
            <td class="wrap">{d.headline}{d.silent.then_some(" (silent)")}</td>
            <td>
                <span class=class>{d.status.as_str()}</span>
                {next.map(|n| view! { <div class="muted small">{n}</div> })}
            </td>
            <td>{d.attempts}</td>
            <td>{folded}</td>
            <td class="muted small wrap">{d.last_answer.unwrap_or_default()}</td>
        </tr>
    }
}

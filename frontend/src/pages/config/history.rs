//! The parameters' version history (`table#params-history`): newest first, each version with
//! its author, time and what it changed against the version before (`GET /config/history`).

use super::fields;
use crate::api::{self, BASE};
use crate::format;
use app::params::{ParamChange, ParamsVersion};
use leptos::prelude::*;

#[component]
pub fn ParamsHistory(reload: RwSignal<u32>) -> impl IntoView {
    let history = LocalResource::new(move || {
        reload.track();
        async move { api::get::<Vec<ParamsVersion>>(&format!("{BASE}/config/history?limit=200")).await }
    });
    let body = move || match history.get() {
        None => view! { <tr class="empty"><td colspan="4">"Loading…"</td></tr> }.into_any(),
        Some(Err(e)) => view! {
            <tr class="empty"><td colspan="4" class="error">"Could not load the history: " {e.to_string()}</td></tr>
        }
        .into_any(),
        Some(Ok(versions)) => {
            let oldest = versions.last().map(|v| v.version);
            versions
                .into_iter()
                .map(|v| {
                    let first = Some(v.version) == oldest;
                    view! { <VersionRow v first/> }
                })
                .collect_view()
                .into_any()
        }
    };
    view! {
        <div class="table-wrap">
            <table id="params-history" class="data-table history-table">
                <thead>
                    <tr>
                        <th scope="col">"Version"</th>
                        <th scope="col">"Time (UTC)"</th>
                        <th scope="col">"By"</th>
                        <th scope="col">"Changes"</th>
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
}

#[component]
fn VersionRow(v: ParamsVersion, first: bool) -> impl IntoView {
    let changes = if v.changes.is_empty() {
        let text = if first { "Initial parameters" } else { "No change" };
        view! { <span class="muted">{text}</span> }.into_any()
    } else {
        view! { <ul class="diff">{v.changes.into_iter().map(change_item).collect_view()}</ul> }.into_any()
    };
    view! {
        <tr data-version=v.version>
            <td data-col="version" class="num">{v.version}</td>
            <td data-col="time" class="nowrap">{format!("{} {}", format::utc_month_day(v.created_ms), format::utc_time(v.created_ms))}</td>
            <td data-col="author">{v.author}</td>
            <td data-col="changes">{changes}</td>
        </tr>
    }
}

fn change_item(c: ParamChange) -> impl IntoView {
    let label = fields::meta(&c.field).label;
    let label = if label.is_empty() { c.field.clone() } else { label.to_owned() };
    view! {
        <li data-field=c.field.clone()>
            <span class="diff-field" title=c.field.clone()>{label}</span>
            " " <del data-side="before">{c.before}</del> " → " <ins data-side="after">{c.after}</ins>
        </li>
    }
}

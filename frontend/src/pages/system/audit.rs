//! The audit log (admins; `table#audit-log tr[data-audit-id]`): who did what, when, to what,
//! what it changed and how it ended, newest first from `GET /audit`, filtered by actor and
//! action, paged backwards by id. The newest page refreshes itself every 5 s.

use super::{date_time, every};
use crate::api::{self, BASE};
use app::audit::{AuditEntry, AuditOutcome};
use leptos::prelude::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

const PAGE: u64 = 50;

#[derive(Debug, Clone, Default, PartialEq)]
struct Filter {
    actor: String,
    action: String,
    /// Older than this id; none for the newest page.
    before_id: Option<i64>,
}

impl Filter {
    fn url(&self) -> String {
        let mut q = vec![format!("limit={PAGE}")];
        for (key, value) in [("actor", self.actor.trim()), ("action", self.action.trim())] {
            if !value.is_empty() {
                q.push(format!("{key}={}", String::from(js_sys::encode_uri_component(value))));
            }
        }
        if let Some(id) = self.before_id {
            q.push(format!("before_id={id}"));
        }
        format!("{BASE}/audit?{}", q.join("&"))
    }
}

#[component]
pub fn AuditLog() -> impl IntoView {
    let filter = RwSignal::new(Filter::default());
    let actor = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let entries = LocalResource::new(move || {
        let url = filter.with(Filter::url);
        async move { api::get::<Vec<AuditEntry>>(&url).await }
    });
    every(Duration::from_secs(5), move || {
        if filter.with_untracked(|f| f.before_id.is_none()) {
            entries.refetch();
        }
    });
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        filter.set(Filter { actor: actor.get_untracked(), action: action.get_untracked(), before_id: None });
    };
    let older = move |_| {
        let last = entries.get_untracked().and_then(|r| r.ok()).and_then(|l| l.last().map(|e| e.id));
        if let Some(id) = last {
            filter.update(|f| f.before_id = Some(id));
        }
    };
    let newest = move |_| filter.update(|f| f.before_id = None);
    let full_page = move || entries.with(|r| matches!(r, Some(Ok(l)) if l.len() as u64 >= PAGE));

    let rows = move || match entries.get() {
        None => view! { <tr class="empty"><td colspan="7">"Loading…"</td></tr> }.into_any(),
        Some(Err(e)) => view! {
            <tr class="empty"><td colspan="7" class="error">"Could not load the audit log: " {e.to_string()}</td></tr>
        }
        .into_any(),
        Some(Ok(list)) if list.is_empty() => {
            view! { <tr class="empty"><td colspan="7">"No entries match."</td></tr> }.into_any()
        }
        Some(Ok(list)) => list.into_iter().map(|e| view! { <AuditRow e/> }).collect_view().into_any(),
    };
    view! {
        <form id="audit-filter" class="inline-form" on:submit=apply>
            <div class="field">
                <label for="audit-actor">"Actor"</label>
                <input
                    id="audit-actor"
                    type="search"
                    autocomplete="off"
                    placeholder="username"
                    prop:value=move || actor.get()
                    on:input=move |ev| actor.set(event_target_value(&ev))
                />
            </div>
            <div class="field">
                <label for="audit-action">"Action"</label>
                <input
                    id="audit-action"
                    type="search"
                    autocomplete="off"
                    placeholder="config.update or order."
                    prop:value=move || action.get()
                    on:input=move |ev| action.set(event_target_value(&ev))
                />
            </div>
            <button type="submit" class="btn">"Filter"</button>
        </form>
        <div class="table-wrap">
            <table id="audit-log" class="data-table audit-table">
                <thead>
                    <tr>
                        <th scope="col">"Time (UTC)"</th>
                        <th scope="col">"Actor"</th>
                        <th scope="col">"Action"</th>
                        <th scope="col">"Target"</th>
                        <th scope="col">"Outcome"</th>
                        <th scope="col">"What changed"</th>
                        <th scope="col" class="hide-narrow">"Address"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <div class="pager">
            <Show when=move || filter.with(|f| f.before_id.is_some())>
                <button type="button" class="btn btn-small" on:click=newest>"Newest"</button>
            </Show>
            <Show when=full_page>
                <button id="audit-older" type="button" class="btn btn-small" on:click=older>"Older"</button>
            </Show>
        </div>
    }
}

#[component]
fn AuditRow(e: AuditEntry) -> impl IntoView {
    let outcome_class = match e.outcome {
        AuditOutcome::Ok => "verdict yes",
        AuditOutcome::Refused => "verdict warn",
        AuditOutcome::Failed => "verdict no",
    };
    let changes = changes(e.before.as_ref(), e.after.as_ref());
    let action = e.action.clone();
    view! {
        <tr data-audit-id=e.id data-action=action data-outcome=e.outcome.as_str()>
            <td data-col="time" class="nowrap">{date_time(e.time_ms)}</td>
            <td data-col="actor">{e.actor}</td>
            <td data-col="action"><code>{e.action}</code></td>
            <td data-col="target">{e.target.unwrap_or_default()}</td>
            <td data-col="outcome">
                <span class=outcome_class>{e.outcome.as_str()}</span>
                {e.detail.map(|d| view! { <div class="muted small wrap">{d}</div> })}
            </td>
            <td data-col="changes">{changes}</td>
            <td data-col="ip" class="muted hide-narrow">{e.ip.unwrap_or_default()}</td>
        </tr>
    }
}

/// Before and after as a list of the keys that differ (for objects, such as parameters), or
/// the two values side by side.
fn changes(before: Option<&Value>, after: Option<&Value>) -> impl IntoView + use<> {
    let pairs = value_diff(before, after);
    (!pairs.is_empty()).then(|| {
        let items = pairs
            .into_iter()
            .map(|(key, b, a)| {
                view! {
                    <li data-field=key.clone()>
                        {(!key.is_empty()).then(|| view! { <span class="diff-field">{key.clone()}</span> " " })}
                        <del>{b}</del> " → " <ins>{a}</ins>
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="diff">{items}</ul> }
    })
}

/// `(key, before, after)` for each leaf that differs when both sides are objects (nested keys
/// dotted: `params.slices`); otherwise one pair with an empty key.
fn value_diff(before: Option<&Value>, after: Option<&Value>) -> Vec<(String, String, String)> {
    match (before, after) {
        (None, None) => Vec::new(),
        (Some(b @ Value::Object(_)), Some(a @ Value::Object(_))) => {
            let (mut b_leaves, mut a_leaves) = (BTreeMap::new(), BTreeMap::new());
            flatten("", b, &mut b_leaves);
            flatten("", a, &mut a_leaves);
            let keys: BTreeSet<&String> = b_leaves.keys().chain(a_leaves.keys()).collect();
            keys.into_iter()
                .filter(|k| b_leaves.get(*k) != a_leaves.get(*k))
                .map(|k| (k.clone(), text(b_leaves.get(k).copied()), text(a_leaves.get(k).copied())))
                .collect()
        }
        (b, a) => vec![(String::new(), text(b), text(a))],
    }
}

fn flatten<'a>(prefix: &str, v: &'a Value, out: &mut BTreeMap<String, &'a Value>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, v, out);
            }
        }
        leaf => {
            out.insert(prefix.to_owned(), leaf);
        }
    }
}

fn text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "—".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::value_diff;
    use serde_json::json;

    #[test]
    fn objects_list_the_keys_that_differ_other_values_side_by_side() {
        let b = json!({"slices": 4, "entry_min_apr": "0.15", "auto_open": false});
        let a = json!({"slices": 7, "entry_min_apr": "0.15", "auto_open": true});
        assert_eq!(
            value_diff(Some(&b), Some(&a)),
            vec![("auto_open".into(), "false".into(), "true".into()), ("slices".into(), "4".into(), "7".into())]
        );
        let b = json!({"version": 2, "params": {"slices": 4, "auto_open": false}});
        let a = json!({"version": 3, "params": {"slices": 4, "auto_open": true}});
        let keys: Vec<String> = value_diff(Some(&b), Some(&a)).into_iter().map(|c| c.0).collect();
        assert_eq!(keys, ["params.auto_open", "version"]);
        assert_eq!(value_diff(None, Some(&json!("admin"))), vec![(String::new(), "—".into(), "admin".into())]);
        assert!(value_diff(None, None).is_empty());
    }
}

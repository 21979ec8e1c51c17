//! Scheduled jobs (`table#jobs tr[data-job]`): each job's schedule (UTC), last run and its
//! outcome, next run, success rate and its recent runs; admins have "Run now"
//! (`button.run-now[data-job]`, audited by the server), whose outcome shows in `#job-outcome`.
//! Refreshed every 10 s.

use super::{date_time, every};
use crate::api::{self, BASE};
use app::jobs::{JobRun, JobView, RunStatus, TimeBase};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

#[component]
pub fn Jobs(can_run: Signal<bool>) -> impl IntoView {
    let jobs = LocalResource::new(|| async { api::get::<Vec<JobView>>(&format!("{BASE}/jobs")).await });
    every(Duration::from_secs(10), move || jobs.refetch());
    let running = RwSignal::new(None::<String>);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let run = move |name: String| {
        running.set(Some(name.clone()));
        outcome.set(None);
        spawn_local(async move {
            let url = format!("{BASE}/jobs/{name}/run");
            match api::post::<_, JobRun>(&url, &()).await {
                Ok(r) => {
                    outcome.try_set(Some(Ok(format!("{name}: {}", run_text(&r)))));
                    jobs.refetch();
                }
                Err(e) => {
                    outcome.try_set(Some(Err(format!("{name} not run: {e}"))));
                }
            }
            running.try_set(None);
        });
    };
    let rows = move || match jobs.get() {
        None => view! { <tr class="empty"><td colspan="6">"Loading…"</td></tr> }.into_any(),
        Some(Err(e)) => {
            view! { <tr class="empty"><td colspan="6" class="error">"Could not load: " {e.to_string()}</td></tr> }
                .into_any()
        }
        Some(Ok(list)) => {
            let admin = can_run.get();
            list.into_iter()
                .map(|job| {
                    let name = job.name.clone();
                    let button = admin.then(|| {
                        let label = name.clone();
                        view! {
                            <button
                                type="button"
                                class="btn btn-small run-now"
                                data-job=name.clone()
                                disabled=move || running.get().is_some()
                                on:click=move |_| run(name.clone())
                            >
                                {move || {
                                    if running.get().as_deref() == Some(label.as_str()) { "Running…" } else { "Run now" }
                                }}
                            </button>
                        }
                        .into_any()
                    });
                    view! { <JobRow job button/> }
                })
                .collect_view()
                .into_any()
        }
    };
    view! {
        <div class="panel-actions">
            <span
                id="job-outcome"
                role="status"
                class=move || if matches!(outcome.get(), Some(Err(_))) { "form-outcome error" } else { "form-outcome" }
            >
                {move || outcome.get().map(|o| o.unwrap_or_else(|e| e))}
            </span>
        </div>
        <div class="table-wrap">
            <table id="jobs" class="data-table">
                <thead>
                    <tr>
                        <th scope="col">"Job"</th>
                        <th scope="col">"Schedule"</th>
                        <th scope="col">"Last run (UTC)"</th>
                        <th scope="col" class="hide-narrow">"Next run (UTC)"</th>
                        <th scope="col">"Success"</th>
                        <th scope="col" class="hide-narrow">"Recent runs"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn JobRow(job: JobView, button: Option<AnyView>) -> impl IntoView {
    let clock = match job.time_base {
        TimeBase::Wall => "UTC",
        TimeBase::Venue => "UTC, market time",
    };
    let schedule = if job.enabled { format!("{} ({clock})", job.cron) } else { "disabled".to_owned() };
    let last = match &job.last_run {
        None => view! { <span class="muted">"never"</span> }.into_any(),
        Some(r) => view! {
            <span class="nowrap">{date_time(r.started_ms)}</span>
            " "
            <span class=status_class(r.status) title=r.error.clone().unwrap_or_default()>{run_text(r)}</span>
        }
        .into_any(),
    };
    let next = job.next_ms.map(date_time).unwrap_or_else(|| "—".into());
    let rate = match job.success_rate {
        Some(r) => format!("{}% of {}", r.percent().round_dp(0), job.recent.len().min(job.rate_window as usize)),
        None => "—".into(),
    };
    let recent = job
        .recent
        .iter()
        .map(|r| {
            let title = format!("{} {}", date_time(r.started_ms), run_text(r));
            view! { <span class=format!("run-dot {}", dot_class(r.status)) title=title></span> }
        })
        .collect_view();
    view! {
        <tr data-job=job.name.clone() data-running=job.running.to_string()>
            <td data-col="job">
                <strong>{job.name.clone()}</strong>
                <div class="muted small">{job.description.clone()}</div>
                {button}
            </td>
            <td data-col="schedule" class="nowrap">{schedule}</td>
            <td data-col="last">{last}</td>
            <td data-col="next" class="nowrap hide-narrow">{next}</td>
            <td data-col="rate" class="nowrap">{rate}</td>
            <td data-col="recent" class="hide-narrow">{recent}</td>
        </tr>
    }
}

fn status_class(status: Option<RunStatus>) -> &'static str {
    match status {
        Some(RunStatus::Success) => "verdict yes",
        Some(RunStatus::Partial | RunStatus::Skipped) => "verdict warn",
        Some(RunStatus::Failed) => "verdict no",
        None => "verdict",
    }
}

fn dot_class(status: Option<RunStatus>) -> &'static str {
    match status {
        Some(RunStatus::Success) => "ok",
        Some(RunStatus::Partial | RunStatus::Skipped) => "warn",
        Some(RunStatus::Failed) => "bad",
        None => "",
    }
}

/// "success, 3 records in 120 ms" / "failed: why" / "running".
fn run_text(r: &JobRun) -> String {
    match (r.status, &r.error) {
        (None, _) => "running".into(),
        (Some(RunStatus::Failed), Some(e)) => format!("failed: {e}"),
        (Some(s), _) => format!("{}, {} record(s) in {} ms", s.as_str(), r.records, r.duration_ms.unwrap_or(0)),
    }
}

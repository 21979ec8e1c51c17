//! Scheduled jobs: `GET /jobs` (each job with its schedule, last and next run, success rate
//! and recent runs), `GET /jobs/{name}/runs` (the job log, newest first) and, for admins,
//! `POST /jobs/{name}/run` — run it now, audited, answered with the finished run (409 when it
//! is already running).

use crate::audit::{self, Action, Who};
use crate::auth::{Actor, ClientIp};
use crate::db::job_runs;
use crate::error::ApiError;
use crate::jobs::RunError;
use crate::state::AppState;
use app::jobs::{JobRun, JobView, RunStatus, Trigger};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/jobs", get(list))
        .route("/jobs/{name}/runs", get(runs))
        .route("/jobs/{name}/run", post(run_now))
}

/// Every scheduled job: its schedule, last and next run, success rate and recent runs.
#[utoipa::path(
    get,
    path = "/api/v1/jobs",
    operation_id = "jobs_list",
    tag = "jobs",
    responses((status = 200, description = "Each job", body = Vec<app::jobs::JobView>))
)]
async fn list(State(s): State<AppState>) -> Result<Json<Vec<JobView>>, ApiError> {
    Ok(Json(s.jobs.views().await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RunsQuery {
    limit: Option<u64>,
}

fn known(s: &AppState, name: &str) -> Result<(), ApiError> {
    s.jobs.entry(name).map(|_| ()).ok_or_else(|| ApiError::NotFound(format!("no job named {name:?}")))
}

/// One job's log, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/jobs/{name}/runs",
    operation_id = "jobs_runs",
    tag = "jobs",
    params(("name" = String, Path, description = "The job (`backup`, `snapshot`, …)"), ("limit" = Option<u64>, Query, description = "At most this many runs (1–500, default 50)")),
    responses((status = 200, description = "Newest first", body = Vec<app::jobs::JobRun>), (status = 400, description = "A parameter or field is invalid; `error.field` names it", body = app::api::ErrorBody), (status = 404, description = "No such resource", body = app::api::ErrorBody))
)]
async fn runs(
    State(s): State<AppState>,
    Path(name): Path<String>,
    query: Result<Query<RunsQuery>, QueryRejection>,
) -> Result<Json<Vec<JobRun>>, ApiError> {
    let Query(q) = query?;
    known(&s, &name)?;
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    Ok(Json(job_runs::recent(&s.db, &name, limit).await?))
}

/// Run a job now (audited); answered with the finished run.
#[utoipa::path(
    post,
    path = "/api/v1/jobs/{name}/run",
    operation_id = "jobs_run_now",
    tag = "jobs",
    params(("name" = String, Path, description = "The job")),
    responses((status = 200, description = "The finished run", body = app::jobs::JobRun), (status = 404, description = "No such resource", body = app::api::ErrorBody), (status = 409, description = "The job is already running", body = app::api::ErrorBody))
)]
async fn run_now(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Extension(ip): Extension<ClientIp>,
    Path(name): Path<String>,
) -> Result<Json<JobRun>, ApiError> {
    let action = Action::new("job.run").target(&name);
    let result = async {
        known(&s, &name)?;
        let now = s.jobs.context().now(s.jobs.base(&name));
        let run = s.jobs.run(&name, now, Trigger::Manual).await.map_err(|e| match e {
            RunError::Unknown(n) => ApiError::NotFound(format!("no job named {n:?}")),
            RunError::Db(e) => ApiError::from(e),
        })?;
        if run.status == Some(RunStatus::Skipped) {
            return Err(ApiError::Refused(format!("{name} is already running")));
        }
        Ok(run)
    }
    .await;
    let detail = result.as_ref().ok().map(|r| {
        let status = r.status.map_or("running", |s| s.as_str());
        match &r.error {
            Some(e) => format!("{status}: {e}"),
            None => format!("{status}, {} record(s)", r.records),
        }
    });
    let action = match &result {
        Ok(r) => action.after(r),
        Err(_) => action,
    };
    audit::record(&s, Who::actor(&actor, &ip), action, &result, detail).await;
    result.map(Json)
}

//! Stored backtests: created when accepted, updated when they start and end. The request,
//! the report and a sweep's points are JSON text; the headline figures have columns of their
//! own so that the list needs no report.

use super::entities::backtest::{self, Entity as Backtests};
use app::TimestampMs;
use app::backtest::{BacktestRequest, BacktestRun, Report, RunStatus, SweepPoint};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::str::FromStr;

fn json<T: serde::Serialize>(v: &T) -> Result<String, DbErr> {
    serde_json::to_string(v).map_err(|e| DbErr::Custom(format!("serialising: {e}")))
}

/// A new run, queued; its id.
pub async fn insert(
    db: &impl ConnectionTrait,
    author: &str,
    request: &BacktestRequest,
    now: TimestampMs,
) -> Result<i64, DbErr> {
    let model = backtest::ActiveModel {
        author: Set(author.to_owned()),
        created_ms: Set(now),
        finished_ms: Set(None),
        status: Set(app::text::name(&RunStatus::Queued)),
        progress: Set("0".into()),
        request: Set(json(request)?),
        error: Set(None),
        net: Set(None),
        apr_budget: Set(None),
        report: Set(None),
        sweep: Set(None),
        ..Default::default()
    };
    Ok(model.insert(db).await?.id)
}

pub async fn set_status(db: &impl ConnectionTrait, id: i64, status: RunStatus) -> Result<(), DbErr> {
    let model = backtest::ActiveModel { id: Set(id), status: Set(app::text::name(&status)), ..Default::default() };
    model.update(db).await.map(|_| ())
}

/// A run that finished: its report (the best point's, for a sweep) and its points.
pub async fn finish(
    db: &impl ConnectionTrait,
    id: i64,
    report: &Report,
    sweep: &[SweepPoint],
    now: TimestampMs,
) -> Result<(), DbErr> {
    let model = backtest::ActiveModel {
        id: Set(id),
        status: Set(app::text::name(&RunStatus::Done)),
        progress: Set("1".into()),
        finished_ms: Set(Some(now)),
        net: Set(Some(report.net.0.to_string())),
        apr_budget: Set(Some(report.apr_budget.to_string())),
        report: Set(Some(json(report)?)),
        sweep: Set(if sweep.is_empty() { None } else { Some(json(&sweep)?) }),
        ..Default::default()
    };
    model.update(db).await.map(|_| ())
}

pub async fn fail(db: &impl ConnectionTrait, id: i64, error: &str, now: TimestampMs) -> Result<(), DbErr> {
    let model = backtest::ActiveModel {
        id: Set(id),
        status: Set(app::text::name(&RunStatus::Failed)),
        finished_ms: Set(Some(now)),
        error: Set(Some(error.to_owned())),
        ..Default::default()
    };
    model.update(db).await.map(|_| ())
}

/// Runs a previous process left queued or running: they will not finish.
pub async fn fail_unfinished(db: &impl ConnectionTrait, now: TimestampMs) -> Result<u64, DbErr> {
    let unfinished = [app::text::name(&RunStatus::Queued), app::text::name(&RunStatus::Running)];
    let res = Backtests::update_many()
        .col_expr(backtest::Column::Status, sea_orm::sea_query::Expr::value(app::text::name(&RunStatus::Failed)))
        .col_expr(backtest::Column::FinishedMs, sea_orm::sea_query::Expr::value(now))
        .col_expr(
            backtest::Column::Error,
            sea_orm::sea_query::Expr::value("the server stopped before the run finished"),
        )
        .filter(backtest::Column::Status.is_in(unfinished))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// A run's columns but its report and points.
#[derive(Debug, sea_orm::FromQueryResult)]
struct Row {
    id: i64,
    author: String,
    created_ms: i64,
    finished_ms: Option<i64>,
    status: String,
    progress: String,
    request: String,
    error: Option<String>,
    net: Option<String>,
    apr_budget: Option<String>,
}

/// The newest runs first, without their reports.
pub async fn list(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<BacktestRun>, DbErr> {
    let rows = Backtests::find()
        .select_only()
        .columns([
            backtest::Column::Id,
            backtest::Column::Author,
            backtest::Column::CreatedMs,
            backtest::Column::FinishedMs,
            backtest::Column::Status,
            backtest::Column::Progress,
            backtest::Column::Request,
            backtest::Column::Error,
            backtest::Column::Net,
            backtest::Column::AprBudget,
        ])
        .order_by_desc(backtest::Column::Id)
        .limit(limit)
        .into_model::<Row>()
        .all(db)
        .await?;
    rows.into_iter().map(to_run).collect()
}

/// One run with its report and points.
pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<Option<BacktestRun>, DbErr> {
    let Some(m) = Backtests::find_by_id(id).one(db).await? else { return Ok(None) };
    let bad = |what: &str, e: String| DbErr::Custom(format!("stored backtest {id} {what}: {e}"));
    let report = match &m.report {
        Some(text) => Some(serde_json::from_str(text).map_err(|e| bad("report", e.to_string()))?),
        None => None,
    };
    let sweep = match &m.sweep {
        Some(text) => serde_json::from_str(text).map_err(|e| bad("sweep", e.to_string()))?,
        None => Vec::new(),
    };
    let row = Row {
        id: m.id,
        author: m.author,
        created_ms: m.created_ms,
        finished_ms: m.finished_ms,
        status: m.status,
        progress: m.progress,
        request: m.request,
        error: m.error,
        net: m.net,
        apr_budget: m.apr_budget,
    };
    Ok(Some(BacktestRun { report, sweep, ..to_run(row)? }))
}

fn to_run(m: Row) -> Result<BacktestRun, DbErr> {
    let bad = |what: &str, e: String| DbErr::Custom(format!("stored backtest {} {what}: {e}", m.id));
    let status = app::text::parse::<RunStatus>(&m.status).map_err(|e| bad("status", e))?;
    let request: BacktestRequest = serde_json::from_str(&m.request).map_err(|e| bad("request", e.to_string()))?;
    let decimal = |t: &Option<String>| t.as_deref().and_then(|t| Decimal::from_str(t).ok());
    Ok(BacktestRun {
        id: m.id,
        status,
        progress: Decimal::from_str(&m.progress).unwrap_or_default(),
        author: m.author.clone(),
        created_ms: m.created_ms,
        finished_ms: m.finished_ms,
        request,
        error: m.error.clone(),
        net: decimal(&m.net).map(app::Usd),
        apr_budget: decimal(&m.apr_budget),
        report: None,
        sweep: Vec::new(),
    })
}

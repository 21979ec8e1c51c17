//! Reconciliation reports are stored by this subscriber, off the engine's loop: the loop hands
//! each report over and goes on. Whoever asked for the report gets it once it is stored, so a
//! read of `GET /reconciliation` after the answer finds it.

use crate::db;
use app::reconcile::ReconcileReport;
use sea_orm::DatabaseConnection;
use tokio::sync::{mpsc, oneshot};

/// One report to store, and who waits for it.
pub struct Stored {
    pub report: ReconcileReport,
    pub reply: Option<oneshot::Sender<ReconcileReport>>,
}

/// Store each report as it comes, until every sender is gone.
pub async fn store(db: DatabaseConnection, mut rx: mpsc::UnboundedReceiver<Stored>) {
    while let Some(Stored { report, reply }) = rx.recv().await {
        if !report.clean() {
            tracing::warn!(trigger = %report.trigger, differences = report.differences.len(), "reconciliation found differences");
        }
        if let Err(e) = db::reconciliations::insert(&db, &report).await {
            tracing::error!(error = %e, "storing the reconciliation report failed");
        }
        if let Some(reply) = reply {
            let _ = reply.send(report);
        }
    }
}

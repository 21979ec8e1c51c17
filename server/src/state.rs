//! What every handler, stream and gate shares: the handles of the long-lived tasks, the
//! database, the venues and the clock. It sits below `api`, `auth` and `audit`, which all read
//! it, and imports none of them back.

use crate::auth::{AuthState, Gate};
use crate::backtest::jobs::BacktestJobs;
use crate::clock::Clock;
use crate::collector::CollectorHandle;
use crate::engine::EngineHandle;
use crate::health::HealthHandle;
use crate::jobs::Jobs;
use crate::notify::Notifier;
use crate::venue::DynVenue;
use app::TimestampMs;
use axum::extract::FromRef;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Shared by every handler. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The market-data owner: latest market state, board rows, freshness verdicts.
    pub collector: CollectorHandle,
    pub db: DatabaseConnection,
    pub venues: Vec<DynVenue>,
    /// Wall time and venue time, made once at start-up.
    pub clock: Clock,
    /// Wall time at start-up.
    pub started_ms: TimestampMs,
    pub engine: EngineHandle,
    pub notifier: Notifier,
    /// The scheduled jobs: their settings, runs and "run now".
    pub jobs: Arc<Jobs>,
    /// Each venue's latest REST round trip (`health` probes).
    pub health: HealthHandle,
    /// Cancelled when the server stops; long-lived sessions watch it.
    pub shutdown: CancellationToken,
    /// Session settings, the login throttle and the credential-change signal.
    pub auth: Arc<AuthState>,
    /// The signal intake's replay window and default expiry.
    pub signals: crate::settings::SignalSettings,
    /// Backtests started from the API, run beside the engine.
    pub backtests: BacktestJobs,
}

impl FromRef<AppState> for Gate {
    fn from_ref(s: &AppState) -> Gate {
        Gate { db: s.db.clone(), clock: s.clock.clone(), auth: s.auth.clone() }
    }
}

impl AppState {
    /// The authentication gate's share of the state.
    pub fn gate(&self) -> Gate {
        Gate::from_ref(self)
    }
}

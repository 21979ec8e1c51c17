//! Assembles the running product from settings: database, venues, collector, HTTP server.
//! `main` and the integration tests start the server the same way.

use crate::api::{self, AppState};
use crate::collector::{Collector, CollectorHandle};
use crate::db;
use crate::settings::Settings;
use crate::venue::DynVenue;
use crate::venue::sim::SimVenue;
use secrecy::ExposeSecret;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("venues: {0}")]
    Venues(#[from] crate::venue::build::BuildError),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("first admin: {0}")]
    Admin(#[from] crate::auth::CreateUserError),
}

/// A started server. Cancel `shutdown` to stop it; `join` waits for the tasks to finish.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    /// The simulated venues, when running on them (tests and benchmarks drive them).
    pub sims: Vec<Arc<SimVenue>>,
    pub shutdown: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    pub async fn join(self) {
        for t in self.tasks {
            let _ = t.await;
        }
    }

    pub async fn stop(self) {
        self.shutdown.cancel();
        self.join().await;
    }
}

/// Restore the engine from the database (parameters, positions, orders) and start it.
async fn start_engine(
    settings: &Settings,
    db: &sea_orm::DatabaseConnection,
    venues: &[DynVenue],
    shutdown: &CancellationToken,
    tasks: &mut Vec<JoinHandle<()>>,
) -> Result<crate::engine::run::EngineHandle, StartupError> {
    use crate::db::trading;
    let now = crate::venue::sim::clock::wall_clock_ms();
    let (version, params) = match trading::latest_params(db).await? {
        Some(found) => found,
        None => {
            let params = app::params::StrategyParams::default();
            trading::insert_params(db, 1, &params, "defaults", now).await?;
            (1, params)
        }
    };
    let mut engine = crate::engine::Engine::new(params, version);
    engine.restore(trading::position_states(db).await?, trading::orders(db).await?);
    if let Some((version, rules)) = crate::db::symbols::latest(db).await? {
        engine.restore_symbol_rules(version, rules);
    }
    let log = crate::engine::event_log::EventLog::create(&settings.engine.event_log_dir, now)?;
    tracing::info!(path = %log.path().display(), "engine event log");
    let (runner, handle) = crate::engine::run::runner(engine, venues.to_vec(), db.clone(), log);
    let runner = runner.reconcile_every(Duration::from_secs(settings.engine.reconcile_secs));
    tasks.push(tokio::spawn(runner.run(shutdown.clone())));
    Ok(handle)
}

/// Start everything on `listener`. Returns once the server accepts connections.
pub async fn start(settings: Settings, listener: TcpListener) -> Result<Running, StartupError> {
    let db = db::connect(settings.database.url.expose_secret()).await?;
    crate::auth::bootstrap_admin(&db, &settings.auth, crate::venue::sim::clock::wall_clock_ms()).await?;
    // With a real venue in play the simulator runs in real time.
    let mixed = app::Venue::ALL.into_iter().any(|v| settings.venue(v).mode != app::VenueMode::Sim);
    let shutdown = CancellationToken::new();
    let built = crate::venue::build::build(&settings, if mixed { 1 } else { settings.sim.speed }, &shutdown)?;
    let (venues, sims, mut tasks) = (built.all, built.sims, built.tasks);
    // Staleness is judged on the market clock; a real venue runs in real time.
    let market_speed = if mixed { 1 } else { i64::from(settings.sim.speed.max(1)) };
    if mixed && settings.sim.speed != 1 {
        tracing::warn!(speed = settings.sim.speed, "a real venue is configured: the simulator runs in real time");
    }

    let handle = CollectorHandle::new();
    let collector = Collector::new(handle.clone(), venues.clone(), db.clone(), settings.collector.clone());
    tasks.push(tokio::spawn(collector.run(shutdown.clone())));
    let tick = Duration::from_millis(settings.sim.tick_ms.max(10));
    for sim in &sims {
        tasks.push(tokio::spawn(sim.clone().run(tick, shutdown.clone())));
    }

    let engine = start_engine(&settings, &db, &venues, &shutdown, &mut tasks).await?;
    tasks.push(tokio::spawn(crate::equity::run(db.clone(), venues.clone(), shutdown.clone())));
    let health = crate::health::HealthHandle::default();
    let probes = crate::health::run(health.clone(), venues.clone(), crate::health::PROBE_EVERY, shutdown.clone());
    tasks.push(tokio::spawn(probes));
    let state = AppState {
        engine,
        health,
        collector: handle,
        db,
        venues,
        started_ms: crate::venue::sim::clock::wall_clock_ms(),
        shutdown: shutdown.clone(),
        auth: Arc::new(crate::auth::AuthState::new(&settings.auth)),
        stale_after_ms: i64::try_from(settings.collector.stale_after_secs).unwrap_or(30) * 1000 * market_speed,
    };
    let static_dir = Some(settings.server.static_dir.clone()).filter(|d| d.join("index.html").exists());
    if static_dir.is_none() {
        tracing::warn!(dir = %settings.server.static_dir.display(), "no built SPA found; serving the API only (run `cargo xtask dist`)");
    }
    let router = api::app(state.clone(), static_dir);
    let addr = listener.local_addr()?;
    let stop = shutdown.clone();
    tasks.push(tokio::spawn(async move {
        let serve = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(stop.cancelled_owned());
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "http server failed");
        }
    }));
    Ok(Running { addr, state, sims, shutdown, tasks })
}

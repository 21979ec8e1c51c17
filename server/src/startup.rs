//! Assembles the running product from settings: database, venues, collector, HTTP server.
//! `main` and the integration tests start the server the same way.

use crate::api;
use crate::clock::Clock;
use crate::collector::{Collector, CollectorHandle};
use crate::db;
use crate::engine::EngineHandle;
use crate::notify::Notifier;
use crate::settings::Settings;
use crate::state::AppState;
use crate::venue::DynVenue;
use crate::venue::sim::SimVenue;
use app::trading::{Kind, Level, Notification};
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

/// Restore the engine from the database (parameters, the working set of positions and
/// orders, symbol rules) and start it; notifications go to `notifier`.
async fn start_engine(
    settings: &Settings,
    db: &sea_orm::DatabaseConnection,
    venues: &[DynVenue],
    clock: &Clock,
    notifier: &Notifier,
) -> Result<(EngineHandle, crate::engine::run::Runner), StartupError> {
    use crate::db::trading;
    let now = clock.wall_ms();
    let (version, params) = match trading::latest_params(db).await? {
        Some(found) => found,
        None => {
            let params = app::params::StrategyParams::default();
            trading::insert_params(db, 1, &params, "defaults", now).await?;
            (1, params)
        }
    };
    let mut engine = crate::engine::Engine::new(params, version);
    let (closed_since, finished_since) = crate::engine::retention::restore_since(clock.venue_ms());
    let (positions, orders) = trading::working_set(db, closed_since, finished_since).await?;
    engine.restore(positions, orders);
    engine.reserve_position_ids(trading::last_position_id(db).await?);
    if let Some((version, rules)) = crate::db::symbols::latest(db).await? {
        engine.restore_symbol_rules(version, rules);
    }
    let log = crate::engine::event_log::EventLog::create(&settings.engine.event_log_dir, now)?;
    tracing::info!(path = %log.path().display(), "engine event log");
    let (runner, handle) = crate::engine::run::runner(engine, venues.to_vec(), db.clone(), log);
    let runner = runner
        .reconcile_every(Duration::from_secs(settings.engine.reconcile_secs))
        .with_clock(clock.clone())
        .with_notifier(notifier.clone());
    Ok((handle, runner))
}

/// Start everything on `listener`. Returns once the server accepts connections.
pub async fn start(settings: Settings, listener: TcpListener) -> Result<Running, StartupError> {
    let db = db::connect_with(settings.database.url.expose_secret(), settings.database.sqlite_durability).await?;
    let shutdown = CancellationToken::new();
    let built = crate::venue::build::build(&settings, &shutdown)?;
    let (venues, sims, clock, mut tasks) = (built.all, built.sims, built.clock, built.tasks);
    crate::auth::bootstrap_admin(&db, &settings.auth, clock.wall_ms()).await?;
    let (notifier, stored) = Notifier::new();
    tasks.push(tokio::spawn(crate::notify::store(db.clone(), stored, shutdown.clone())));

    let (engine, runner) = start_engine(&settings, &db, &venues, &clock, &notifier).await?;
    let collector_handle = CollectorHandle::new();
    let collector = Collector::new(
        collector_handle.clone(),
        venues.clone(),
        db.clone(),
        settings.collector.clone(),
        clock.clone(),
        notifier.clone(),
    )
    .feeding(engine.events());
    tasks.push(tokio::spawn(collector.run(shutdown.clone())));
    tasks.push(tokio::spawn(runner.run(shutdown.clone())));
    let tick = Duration::from_millis(settings.sim.tick_ms.max(10));
    for sim in &sims {
        tasks.push(tokio::spawn(sim.clone().run(tick, shutdown.clone())));
    }
    tasks.push(tokio::spawn(crate::equity::run(db.clone(), venues.clone(), shutdown.clone())));
    let backtests = crate::backtest::jobs::BacktestJobs::new(
        db.clone(),
        notifier.clone(),
        clock.clone(),
        crate::backtest::jobs::JobSettings {
            max_threads: settings.backtest.max_threads,
            seed: settings.sim.seed,
            starting_balance: settings.sim.starting_balance,
        },
        shutdown.clone(),
    );
    backtests.recover().await?;
    let health = crate::health::HealthHandle::default();
    let probes =
        crate::health::run(health.clone(), venues.clone(), clock.clone(), crate::health::PROBE_EVERY, shutdown.clone());
    tasks.push(tokio::spawn(probes));
    let state = AppState {
        engine,
        health,
        collector: collector_handle,
        db,
        venues,
        started_ms: clock.wall_ms(),
        clock,
        notifier,
        shutdown: shutdown.clone(),
        auth: Arc::new(crate::auth::AuthState::new(&settings.auth)),
        backtests,
    };
    announce_start_and_stop(&state, &settings);
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

/// A notification when the platform starts, and one when it is asked to stop.
fn announce_start_and_stop(state: &AppState, settings: &Settings) {
    let venues: Vec<String> = app::Venue::ALL.iter().map(|v| format!("{v} {}", settings.venue(*v).mode)).collect();
    let (notifier, clock, shutdown) = (state.notifier.clone(), state.clock.clone(), state.shutdown.clone());
    let n = Notification::new(
        Level::Info,
        Kind::Startup,
        clock.wall_ms(),
        "Platform started",
        format!("version {}; venues: {}", env!("CARGO_PKG_VERSION"), venues.join(", ")),
    );
    notifier.publish(n);
    tokio::spawn(async move {
        shutdown.cancelled().await;
        notifier.publish(Notification::new(Level::Info, Kind::Shutdown, clock.wall_ms(), "Platform stopping", ""));
    });
}

//! Assembles the running product from settings: database, venues, engine, collector, jobs,
//! HTTP server. `main` and the integration tests start the server the same way; `run-once`
//! starts the same core without the HTTP side and the scheduler.

use crate::api;
use crate::clock::Clock;
use crate::collector::{Collector, CollectorHandle};
use crate::db;
use crate::engine::EngineHandle;
use crate::jobs::scheduler::Scheduler;
use crate::jobs::{JobContext, Jobs};
use crate::lock::ServerLock;
use crate::notify::Notifier;
use crate::refetch::RefetchHandle;
use crate::settings::Settings;
use crate::state::AppState;
use crate::venue::DynVenue;
use crate::venue::build::Venues;
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
    #[error(transparent)]
    Lock(#[from] crate::lock::LockError),
    #[error("jobs: {0}")]
    Jobs(#[from] crate::jobs::runner::JobsError),
    #[error("notification channels: {0}")]
    Channels(#[from] crate::notify::channel::ChannelError),
}

/// A started server. Cancel `shutdown` to stop it; `join` waits for the tasks to finish.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    /// The simulated venues, when running on them (tests and benchmarks drive them).
    pub sims: Vec<Arc<SimVenue>>,
    pub shutdown: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
    /// Held while the server runs: no second server, and no restore, on its database.
    _lock: ServerLock,
}

impl Running {
    /// Wait for the tasks, close the database, then let go of its lock: nothing of this
    /// server touches the files once another process (a restore) may take them.
    pub async fn join(self) {
        for t in self.tasks {
            let _ = t.await;
        }
        // Closed before the lock goes: see `db::close`.
        db::close(&self.state.db).await;
        drop(self._lock);
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
    engine.restore_strategy_caps(crate::db::strategies::caps(db).await?);
    // Signals not yet final carry on where they were, before any new one can arrive.
    engine.restore_signals(crate::db::signals::unfinished(db).await?);
    let log = crate::engine::event_log::EventLog::create(&settings.engine.event_log_dir, now)?;
    tracing::info!(path = %log.path().display(), "engine event log");
    let (runner, handle) = crate::engine::run::runner(engine, venues.to_vec(), db.clone(), log);
    let runner = runner.with_clock(clock.clone()).with_notifier(notifier.clone());
    Ok((handle, runner))
}

/// The outbox writer and one delivery worker per configured channel; the notifier that feeds
/// them.
async fn start_outbox(
    settings: &Settings,
    db: &sea_orm::DatabaseConnection,
    clock: &Clock,
    shutdown: &CancellationToken,
    tasks: &mut Vec<JoinHandle<()>>,
) -> Result<Notifier, StartupError> {
    use crate::notify::{Directory, outbox, worker};
    let channels = crate::notify::channel::build(&settings.notify)?;
    let edited = db::deliveries::saved_rules(db).await?;
    let directory = Arc::new(Directory::new(&channels, edited));
    let (notifier, queue) = Notifier::with_directory(directory.clone());
    let timing = worker::Timing::from(&settings.notify);
    let mut wakers = std::collections::BTreeMap::new();
    for channel in channels {
        let wake = Arc::new(tokio::sync::Notify::new());
        wakers.insert(channel.name.clone(), wake.clone());
        let w = worker::Worker::new(db.clone(), channel, wake, notifier.clone(), timing, clock.clone());
        tasks.push(tokio::spawn(w.run(shutdown.clone())));
    }
    let outbox = outbox::Outbox::new(db.clone(), directory, wakers, timing.fold_window_ms, clock.clone());
    tasks.push(tokio::spawn(outbox::run(outbox, queue, shutdown.clone())));
    Ok(notifier)
}

/// The platform without its HTTP side: the database (locked for this process), the venues,
/// the engine, the collector, the re-fetcher and the jobs. `server` serves it; `run-once`
/// runs its jobs and stops.
pub struct Core {
    pub db: sea_orm::DatabaseConnection,
    pub venues: Vec<DynVenue>,
    pub sims: Vec<Arc<SimVenue>>,
    pub clock: Clock,
    pub notifier: Notifier,
    pub engine: EngineHandle,
    pub collector: CollectorHandle,
    pub refetch: RefetchHandle,
    pub jobs: Arc<Jobs>,
    pub shutdown: CancellationToken,
    pub tasks: Vec<JoinHandle<()>>,
    lock: ServerLock,
}

impl Core {
    /// Cancel everything and wait for the tasks; the database closes, and its lock goes last.
    pub async fn stop(self) {
        self.shutdown.cancel();
        for t in self.tasks {
            let _ = t.await;
        }
        db::close(&self.db).await;
        drop(self.lock);
    }
}

/// Start the core on `built` venues. Refuses when another server holds the database.
pub async fn core(settings: &Settings, built: Venues, shutdown: CancellationToken) -> Result<Core, StartupError> {
    crate::metrics::handle();
    let url = settings.database.url.expose_secret();
    let lock = ServerLock::acquire(url).await?;
    let db = db::connect_with(url, settings.database.sqlite_durability).await?;
    let (venues, sims, clock, mut tasks) = (built.all, built.sims, built.clock, built.tasks);
    crate::auth::bootstrap_admin(&db, &settings.auth, clock.wall_ms()).await?;
    let notifier = start_outbox(&settings, &db, &clock, &shutdown, &mut tasks).await?;

    let (engine, runner) = start_engine(settings, &db, &venues, &clock, &notifier).await?;
    let (refetcher, refetch) = crate::refetch::refetcher(venues.clone(), db.clone(), engine.clone());
    tasks.push(tokio::spawn(refetcher.run(shutdown.clone())));
    let collector_handle = CollectorHandle::new();
    let collector = Collector::new(
        collector_handle.clone(),
        venues.clone(),
        db.clone(),
        settings.collector.clone(),
        clock.clone(),
        notifier.clone(),
    )
    .feeding(engine.events())
    .refetching(refetch.clone());
    tasks.push(tokio::spawn(collector.run(shutdown.clone())));
    tasks.push(tokio::spawn(runner.run(shutdown.clone())));
    let tick = Duration::from_millis(settings.sim.tick_ms.max(10));
    for sim in &sims {
        tasks.push(tokio::spawn(sim.clone().run(tick, shutdown.clone())));
    }
    let context = JobContext {
        db: db.clone(),
        db_url: settings.database.url.clone(),
        venues: venues.clone(),
        engine: engine.clone(),
        collector: collector_handle.clone(),
        refetch: refetch.clone(),
        notifier: notifier.clone(),
        clock: clock.clone(),
        backup: settings.backup.clone(),
        retention_days: settings.collector.retention_days,
        job_log_days: settings.jobs.keep_days,
        reports_dir: settings.data_dir.join("reports"),
    };
    let jobs = Jobs::new(context, &settings.jobs).await?;
    Ok(Core {
        db,
        venues,
        sims,
        clock,
        notifier,
        engine,
        collector: collector_handle,
        refetch,
        jobs,
        shutdown,
        tasks,
        lock,
    })
}

/// Start everything on `listener`. Returns once the server accepts connections.
pub async fn start(settings: Settings, listener: TcpListener) -> Result<Running, StartupError> {
    let shutdown = CancellationToken::new();
    let built = crate::venue::build::build(&settings, &shutdown)?;
    start_built(settings, listener, built, shutdown).await
}

/// As [`start`], on venues already built (a test may wrap them).
pub async fn start_built(
    settings: Settings,
    listener: TcpListener,
    built: Venues,
    shutdown: CancellationToken,
) -> Result<Running, StartupError> {
    let core = core(&settings, built, shutdown.clone()).await?;
    let Core { db, venues, sims, clock, notifier, engine, collector, refetch, jobs, mut tasks, lock, .. } = core;
    tasks.push(tokio::spawn(Scheduler::new(jobs.clone()).run(shutdown.clone())));
    // What happened on the venues while the platform was down is fetched once the markets are
    // known (a start is the first connection).
    let (ready, startup_refetch) = (collector.clone(), refetch.clone());
    tokio::spawn(async move {
        ready.wait_ready().await;
        let _ = startup_refetch.all("startup").await;
    });
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
        collector,
        db,
        venues,
        started_ms: clock.wall_ms(),
        clock,
        notifier,
        jobs,
        shutdown: shutdown.clone(),
        auth: Arc::new(crate::auth::AuthState::new(&settings.auth)),
        signals: settings.signals.clone(),
        backtests,
    };
    announce_start_and_stop(&state, &settings);
    if let Some(t) = settings.notify.telegram.as_ref().filter(|t| t.poll_secs > 0 && !t.users.is_empty()) {
        tasks.push(tokio::spawn(crate::chat::ChatControl::new(state.clone(), t).run(shutdown.clone())));
    }
    let static_dir = Some(settings.server.static_dir.clone()).filter(|d| d.join("index.html").exists());
    if static_dir.is_none() {
        tracing::warn!(dir = %settings.server.static_dir.display(), "no built SPA found; serving the API only (run `cargo xtask dist`)");
    }
    let router = api::app(state.clone(), static_dir);
    let addr = listener.local_addr()?;
    tasks.push(serve(listener, router, shutdown.clone()));
    if let Some(port) = settings.metrics.port {
        let bind = format!("{}:{port}", settings.server.host);
        let metrics = TcpListener::bind(&bind).await?;
        tracing::info!(%bind, "metrics served without authentication");
        tasks.push(serve(metrics, api::metrics::public(state.clone()), shutdown.clone()));
    }
    Ok(Running { addr, state, sims, shutdown, tasks, _lock: lock })
}

fn serve(listener: TcpListener, router: axum::Router, stop: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        let serve = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(stop.cancelled_owned());
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "http server failed");
        }
    })
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

//! The `server` binary: runs the platform (default), runs its jobs once, backs up and restores
//! its database, diagnoses the configured venues, or manages users. The venue fakes for manual
//! trials are a separate binary (crate `fakes`).

use anyhow::Context;
use clap::{Parser, Subcommand};
use server::settings::Settings;
use std::path::PathBuf;

#[derive(Parser)]
#[command(version, about = "Self-hosted funding-rate arbitrage platform")]
struct Cli {
    /// Optional TOML settings file; environment variables `ARB__SECTION__KEY` override it.
    #[arg(long, short, env = "ARB_CONFIG")]
    config: Option<PathBuf>,
    /// Optional TOML file with API keys (same shape as the settings; mode 600, outside the repo).
    #[arg(long, env = "ARB_SECRETS_FILE")]
    secrets: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the platform (the default).
    Run,
    /// Check each configured venue: reachability, clock offset, API key, position mode, balance.
    /// Exits 1 when a check fails.
    Doctor,
    /// Manage users on the configured database.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Run every enabled job once (or only `--task NAME`) and exit: 0 only when all succeeded.
    /// Refused while a server runs on the database (use `POST /api/v1/jobs/{name}/run`).
    RunOnce {
        #[arg(long)]
        task: Option<String>,
    },
    /// Back the database up now (online: a running server carries on) and print the file.
    Backup {
        /// Where to write it (default `backup.dir`; retention applies only there).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Replace the database with a backup. Checks the file first, refuses while a server runs
    /// on the database, and keeps the replaced one beside it.
    Restore { file: PathBuf },
    /// Run the strategy over recorded funding history and report what it would have earned.
    /// Exits 2 naming the bad argument.
    Backtest(Box<server::backtest::cli::BacktestArgs>),
    /// Funding history the backtester replays.
    History {
        #[command(subcommand)]
        action: HistoryAction,
    },
}

#[derive(Subcommand)]
enum HistoryAction {
    /// Import settled funding from CSV files shaped like the embedded ones (Binance's
    /// `symbol,fundingTime,fundingRate,markPrice,intervalHours` or the hourly
    /// `coin,time,fundingRate`). A bad row stops the import, naming its file and line.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Add a user. The password is generated and printed, or read from one line of stdin.
    Add {
        username: String,
        #[arg(long, value_parser = parse_role, default_value = "viewer")]
        role: app::auth::Role,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password (generated and printed, or from stdin) and end the user's sessions.
    ResetPassword {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users and their roles.
    List,
}

fn parse_role(s: &str) -> Result<app::auth::Role, String> {
    s.parse()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Run);
    let settings = Settings::load(cli.config.as_deref(), cli.secrets.as_deref()).context("loading settings")?;
    let _log = server::logging::init(&settings.log);
    match command {
        Command::Run => run(settings).await,
        Command::Doctor => {
            let report = server::doctor::diagnose(&settings).await;
            println!("{report}");
            if !report.passed() {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::User { action } => user(settings, action).await,
        Command::RunOnce { task } => {
            let all_ok = server::cli::run_once(&settings, task.as_deref()).await?;
            if !all_ok {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Backup { out } => {
            let path = server::cli::backup(&settings, out.as_deref()).await?;
            println!("{}", path.display());
            Ok(())
        }
        Command::Restore { file } => server::cli::restore(&settings, &file).await,
        Command::Backtest(args) => match server::backtest::cli::run(&settings, *args).await {
            Ok(()) => Ok(()),
            Err(server::backtest::cli::CliError::Argument(e)) => {
                eprintln!("error: {e}");
                std::process::exit(2);
            }
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        },
        Command::History { action: HistoryAction::Import { files } } => {
            use secrecy::ExposeSecret;
            let db = server::db::connect(settings.database.url.expose_secret()).await.context("database")?;
            match server::backtest::import::import(&db, &files).await {
                Ok(done) => {
                    for (file, d) in files.iter().zip(done) {
                        println!(
                            "{}: {} {} settlements of {} symbols, {} new",
                            file.display(),
                            d.rows,
                            d.venue,
                            d.symbols,
                            d.added
                        );
                    }
                    Ok(())
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    std::process::exit(1);
                }
            }
        }
    }
}

async fn run(settings: Settings) -> anyhow::Result<()> {
    let bind = format!("{}:{}", settings.server.host, settings.server.port);
    let listener = tokio::net::TcpListener::bind(&bind).await.with_context(|| format!("binding {bind}"))?;
    let running = server::startup::start(settings, listener).await.context("starting")?;
    println!("Funding-rate arbitrage platform running at http://{}/", running.addr);
    let shutdown = running.shutdown.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
        shutdown.cancel();
    });
    running.join().await;
    Ok(())
}

async fn user(settings: Settings, action: UserAction) -> anyhow::Result<()> {
    use secrecy::ExposeSecret;
    let db = server::db::connect(settings.database.url.expose_secret()).await.context("database")?;
    match action {
        UserAction::Add { username, role, password_stdin } => {
            server::auth::cli::add(&db, &username, role, password_stdin).await
        }
        UserAction::ResetPassword { username, password_stdin } => {
            server::auth::cli::reset_password(&db, &username, password_stdin).await
        }
        UserAction::List => server::auth::cli::list(&db).await,
    }
}

//! The `server` binary: runs the platform (default) with layered settings.

use anyhow::Context;
use clap::{Parser, Subcommand};
use server::settings::Settings;
use std::path::PathBuf;
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(version, about = "Self-hosted funding-rate arbitrage platform")]
struct Cli {
    /// Optional TOML settings file; environment variables `ARB__SECTION__KEY` override it.
    #[arg(long, short, env = "ARB_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the platform (the default).
    Run,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn")),
        )
        .init();
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref()).context("loading settings")?;
    match cli.command.unwrap_or(Command::Run) {
        Command::Run => run(settings).await,
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

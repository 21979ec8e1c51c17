//! The `fakes` binary: serves a local fake of a venue's wire protocol (REST + WebSocket) until
//! Ctrl-C and prints the settings that point the platform at it, for trying the real-venue
//! connectors by hand (`cargo run -p fakes -- binance --addr 127.0.0.1:18801`).

use std::net::SocketAddr;

use anyhow::Context;
use clap::{Parser, ValueEnum};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(version, about = "Serve a local fake of a venue's wire protocol (REST + WebSocket) until Ctrl-C")]
struct Cli {
    #[arg(value_enum)]
    venue: FakeVenue,
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
}

#[derive(Clone, Copy, ValueEnum)]
enum FakeVenue {
    Binance,
    Lighter,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    let cli = Cli::parse();
    let serve = async {
        match cli.venue {
            FakeVenue::Binance => fakes::binance::serve(cli.addr).await,
            FakeVenue::Lighter => fakes::lighter::serve(cli.addr).await,
        }
    };
    tokio::select! {
        r = serve => r.context("fake venue"),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

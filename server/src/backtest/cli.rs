//! `server backtest`: flags into a request, the run (or a sweep on every core) with a progress
//! bar on stderr, a summary table on stdout, and the run's files in `--out`. A bad argument is
//! reported by its flag and the command exits with status 2.

use super::driver::Progress;
use super::spec::{self, Context, Invalid, Plan};
use super::{Outcome, data, export, sweep};
use crate::settings::Settings;
use app::Symbol;
use app::backtest::{BacktestRequest, Metric, Report, Resolution};
use app::params::StrategyParams;
use secrecy::ExposeSecret;
use serde_json::Value;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct BacktestArgs {
    /// First day (YYYY-MM-DD, from 00:00 UTC).
    #[arg(long)]
    pub from: String,
    /// End day (YYYY-MM-DD, exclusive: the run stops at 00:00 UTC of it).
    #[arg(long)]
    pub to: String,
    /// Comma-separated symbols (default: all with history on both venues).
    #[arg(long, value_delimiter = ',')]
    pub symbols: Vec<String>,
    /// A TOML file of strategy parameters over the ones in effect (any subset of the fields).
    #[arg(long)]
    pub params: Option<PathBuf>,
    /// One parameter, `key=value`; repeatable, applied after --params.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// A grid, `key=a,b,c`; repeatable: every combination runs, on every core.
    #[arg(long, value_name = "KEY=A,B,C")]
    pub sweep: Vec<String>,
    /// How often the venues publish while no order is worked: 1m or 1h.
    #[arg(long, default_value = "1m")]
    pub resolution: String,
    /// The strategy sees only settled rates (no predicted rate).
    #[arg(long)]
    pub strict: bool,
    /// What a sweep is ranked by: net, apr_budget, apr_occupied, sharpe, sortino, calmar,
    /// max_drawdown_pct.
    #[arg(long, default_value = "net")]
    pub rank_by: String,
    /// The simulators' seed (default: `sim.seed` of the settings).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Threads for a sweep (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Where report.json, fills.csv, funding.csv and equity.csv go.
    #[arg(long)]
    pub out: PathBuf,
}

/// A refusal worded by the flag it concerns.
#[derive(Debug, thiserror::Error)]
#[error("{flag}: {message}")]
pub struct BadArgument {
    pub flag: String,
    pub message: String,
}

fn flag_of(e: Invalid) -> BadArgument {
    let flag = match e.field.as_str() {
        f @ ("from" | "to" | "symbols" | "set" | "sweep" | "params" | "resolution" | "strict") => format!("--{f}"),
        param => format!("--set {param}"),
    };
    BadArgument { flag, message: e.message }
}

fn bad(flag: &str, message: impl Into<String>) -> BadArgument {
    BadArgument { flag: flag.to_owned(), message: message.into() }
}

/// The request the flags describe, over the parameters in effect (`current`).
pub fn request(args: &BacktestArgs, current: &StrategyParams) -> Result<BacktestRequest, BadArgument> {
    let symbols = args
        .symbols
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| Symbol::new(s.trim()).map_err(|_| bad("--symbols", format!("`{s}` is not a symbol (BTC, ETH, …)"))))
        .collect::<Result<Vec<_>, _>>()?;
    let params = match &args.params {
        Some(path) => Some(params_file(path, current)?),
        None => None,
    };
    let mut set = std::collections::BTreeMap::new();
    for text in &args.set {
        let (k, v) = spec::parse_assignment("set", text).map_err(flag_of)?;
        set.insert(k, Value::String(v));
    }
    let mut grid = std::collections::BTreeMap::new();
    for text in &args.sweep {
        let (k, v) = spec::parse_assignment("sweep", text).map_err(flag_of)?;
        let values: Vec<Value> = v.split(',').map(|x| Value::String(x.trim().to_owned())).collect();
        grid.insert(k, values);
    }
    Ok(BacktestRequest {
        from: args.from.clone(),
        to: args.to.clone(),
        symbols,
        params,
        set,
        sweep: grid,
        resolution: args.resolution.parse::<Resolution>().map_err(|m| bad("--resolution", m))?,
        strict: args.strict,
        rank_by: args.rank_by.parse::<Metric>().map_err(|m| bad("--rank-by", m))?,
    })
}

/// A TOML file of parameters over `current`: only the fields it names change.
fn params_file(path: &Path, current: &StrategyParams) -> Result<StrategyParams, BadArgument> {
    let text = std::fs::read_to_string(path).map_err(|e| bad("--params", format!("{}: {e}", path.display())))?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| bad("--params", format!("{}: {e}", path.display())))?;
    let mut params = current.clone();
    for (key, value) in table {
        let value = serde_json::to_value(value).map_err(|e| bad("--params", e.to_string()))?;
        params = spec::set(&params, &key, &value)
            .map_err(|e| bad("--params", format!("{}: {}: {}", path.display(), e.field, e.message)))?;
    }
    Ok(params)
}

/// What `main` calls. `Err` carries the message for stderr; the exit status is the caller's.
pub async fn run(settings: &Settings, args: BacktestArgs) -> Result<(), CliError> {
    let (current, history) = match crate::db::connect(settings.database.url.expose_secret()).await {
        Ok(db) => {
            let params = crate::db::trading::latest_params(&db).await.ok().flatten().map(|(_, p)| p);
            let history = data::load(&db).await.map_err(|e| CliError::Failed(e.to_string()))?;
            (params.unwrap_or_default(), history)
        }
        Err(e) => {
            eprintln!("warning: database unavailable ({e}); using the default parameters and the embedded history");
            (StrategyParams::default(), data::embedded().map_err(|e| CliError::Failed(e.to_string()))?)
        }
    };
    let req = request(&args, &current)?;
    let ctx = Context {
        history: &history,
        current: &current,
        seed: args.seed.unwrap_or(settings.sim.seed),
        starting_balance: settings.sim.starting_balance,
    };
    let plan = spec::plan(&req, &ctx).map_err(flag_of)?;
    let threads = args.threads.unwrap_or_else(sweep::cores);
    // The work is CPU-bound and synchronous: off the runtime's threads.
    let out = args.out.clone();
    tokio::task::spawn_blocking(move || execute(&plan, history, threads, &out))
        .await
        .map_err(|e| CliError::Failed(e.to_string()))?
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Argument(#[from] BadArgument),
    #[error("{0}")]
    Failed(String),
}

fn execute(
    plan: &Plan,
    history: Arc<crate::venue::sim::history::History>,
    threads: usize,
    out: &Path,
) -> Result<(), CliError> {
    let never = AtomicBool::new(false);
    let bar = Bar::new();
    let write = |dir: &Path, o: &Outcome| {
        export::write(dir, o).map_err(|e| CliError::Failed(format!("{}: {e}", dir.display())))
    };
    if !plan.is_sweep() {
        let (_, spec) = &plan.points[0];
        let outcome = super::run(spec, history, &mut |p: Progress| bar.show(p.done, Some(p.events)), &never)
            .map_err(|e| CliError::Failed(e.to_string()))?;
        bar.done();
        write(out, &outcome)?;
        print!("{}", summary(&outcome.report));
        println!("written to {}", out.display());
        return Ok(());
    }
    let started = Instant::now();
    let done = sweep::run_all(plan, history, threads, &|p| bar.show(p, None), &never)
        .map_err(|e| CliError::Failed(e.to_string()))?;
    bar.done();
    let ranked = sweep::rank(&done, plan.rank_by);
    let mut csv =
        String::from("rank,point,net,apr_budget,apr_occupied,sharpe,sortino,calmar,max_drawdown_pct,positions\r\n");
    println!(
        "{} points on {threads} threads in {:.1} s, ranked by {}:",
        done.len(),
        started.elapsed().as_secs_f64(),
        plan.rank_by.name()
    );
    println!(
        "{:>4}  {:<40} {:>12} {:>10} {:>8} {:>8} {:>9}",
        "rank", "point", "net USD", "APR", "Sharpe", "Calmar", "max DD %"
    );
    for (i, p) in &ranked {
        let point = spec::describe(&p.set);
        println!(
            "{:>4}  {:<40} {:>12} {:>9}% {:>8} {:>8} {:>9}",
            p.rank,
            point,
            p.net.0.round_dp(2),
            (p.apr_budget * rust_decimal::Decimal::ONE_HUNDRED).round_dp(2),
            p.sharpe.round_dp(2),
            p.calmar.round_dp(2),
            p.max_drawdown_pct.round_dp(2)
        );
        csv.push_str(&format!(
            "{},\"{}\",{},{},{},{},{},{},{},{}\r\n",
            p.rank,
            point,
            p.net,
            p.apr_budget,
            p.apr_occupied,
            p.sharpe,
            p.sortino,
            p.calmar,
            p.max_drawdown_pct,
            p.positions
        ));
        write(&out.join(format!("point-{:02}", p.rank)), &done[*i].outcome)?;
    }
    if let Some((best, _)) = ranked.first() {
        write(out, &done[*best].outcome)?;
    }
    std::fs::write(out.join("sweep.csv"), csv).map_err(|e| CliError::Failed(e.to_string()))?;
    println!("best point's report in {}, every point in {}/point-NN", out.display(), out.display());
    Ok(())
}

/// The summary table printed at the end of a run.
pub fn summary(r: &Report) -> String {
    let pct = |d: rust_decimal::Decimal| format!("{}%", (d * rust_decimal::Decimal::ONE_HUNDRED).round_dp(2));
    let usd = |u: app::Usd| format!("{} USD", u.0.round_dp(2));
    let mut lines = vec![
        format!(
            "backtest {} → {}  ({} symbols, {}{}, seed {})",
            r.from,
            r.to,
            r.symbols.len(),
            r.resolution.as_str(),
            if r.strict { ", strict" } else { "" },
            r.seed
        ),
        format!("{:<26}{}", "net", usd(r.net)),
        format!("{:<26}{}", "  price P&L", usd(r.price_pnl)),
        format!(
            "{:<26}{} (Binance {}, Lighter {})",
            "  funding",
            usd(r.funding),
            usd(r.funding_by_venue.binance),
            usd(r.funding_by_venue.lighter)
        ),
        format!("{:<26}{}", "  fees", usd(r.fees)),
        format!("{:<26}{} on a budget of {}", "APR on budget", pct(r.apr_budget), usd(r.budget)),
        format!("{:<26}{}", "APR on capital occupied", pct(r.apr_occupied)),
        format!(
            "{:<26}{} / {} / {}",
            "Sharpe / Sortino / Calmar",
            r.sharpe.round_dp(2),
            r.sortino.round_dp(2),
            r.calmar.round_dp(2)
        ),
        format!(
            "{:<26}{} ({}%), {} → {}",
            "max drawdown",
            usd(r.max_drawdown_usd),
            r.max_drawdown_pct.round_dp(2),
            r.drawdown_start.as_deref().unwrap_or("-"),
            r.drawdown_end.as_deref().unwrap_or("-")
        ),
        format!("{:<26}{} (failed opens {})", "positions", r.positions, r.failed_opens),
        format!(
            "{:<26}avg {} h, longest {} h",
            "holding",
            r.avg_holding_hours.round_dp(1),
            r.longest_holding_hours.round_dp(1)
        ),
        format!(
            "{:<26}{}",
            "exits",
            r.exits_by_reason.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ")
        ),
        format!(
            "{:<26}{} ({}× budget), time in market {}",
            "turnover",
            usd(r.turnover),
            r.turnover_ratio.round_dp(2),
            pct(r.time_in_market)
        ),
        format!("{:<26}{}", "liquidation-buffer exits", r.liquidation_buffer_actions),
        format!("{:<26}{} events in {} ms", "engine", r.events, r.elapsed_ms),
        String::new(),
        format!("{:<8} {:>6} {:>10} {:>12} {:>10} {:>12}", "symbol", "opens", "hours", "funding", "fees", "net"),
    ];
    for s in &r.per_symbol {
        lines.push(format!(
            "{:<8} {:>6} {:>10} {:>12} {:>10} {:>12}",
            s.symbol.as_str(),
            s.opens,
            s.hours_held.round_dp(1),
            s.funding.0.round_dp(2),
            s.fees.0.round_dp(2),
            s.net.0.round_dp(2)
        ));
    }
    lines.join("\n") + "\n"
}

/// A progress bar on stderr: redrawn in place on a terminal, a line per tenth otherwise.
struct Bar {
    started: Instant,
    tty: bool,
    last: std::sync::Mutex<i64>,
}

impl Bar {
    fn new() -> Self {
        Self { started: Instant::now(), tty: std::io::stderr().is_terminal(), last: std::sync::Mutex::new(-1) }
    }

    fn show(&self, done: f64, events: Option<u64>) {
        let percent = (done * 100.0).floor() as i64;
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let step = if self.tty { 1 } else { 10 };
        if percent / step == *last / step && *last >= 0 {
            return;
        }
        *last = percent;
        let filled = (percent / 4).clamp(0, 25) as usize;
        let events = events.map(|e| format!(", {:.1} M events", e as f64 / 1e6)).unwrap_or_default();
        let line = format!(
            "[{}{}] {percent:>3}% {:.1} s{events}",
            "#".repeat(filled),
            ".".repeat(25 - filled),
            self.started.elapsed().as_secs_f64()
        );
        let mut err = std::io::stderr();
        if self.tty {
            let _ = write!(err, "\r{line}");
        } else {
            let _ = writeln!(err, "{line}");
        }
        let _ = err.flush();
    }

    fn done(&self) {
        if self.tty {
            eprintln!();
        }
    }
}

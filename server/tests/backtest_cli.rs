//! `server backtest` as a user runs it: the built binary, a fresh SQLite database. A run
//! prints a progress bar on stderr and a summary table on stdout and writes `report.json`
//! (every field the issue names, money as decimal strings), `fills.csv` and `funding.csv`
//! (History's columns) and `equity.csv`; a sweep prints its points ranked by the chosen
//! metric; a bad argument exits 2 with a message naming it.

use app::history::{Csv, FillRecord, FundingRecord};
use rust_decimal::Decimal;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn backtest(db_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("backtest")
        .args(args)
        .env("ARB__DATABASE__URL", format!("sqlite://{}/arb.db?mode=rwc", db_dir.display()))
        .env("RUST_LOG", "warn")
        .output()
        .expect("run the server binary")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn header(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap().lines().next().unwrap_or_default().to_owned()
}

#[test]
fn a_run_shows_progress_prints_a_summary_and_writes_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let o = backtest(
        dir.path(),
        &[
            "--from",
            "2025-10-01",
            "--to",
            "2025-10-15",
            "--symbols",
            "BTC,ETH,TIA",
            "--resolution",
            "1m",
            "--set",
            "entry_min_apr=0.05",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let (stdout, stderr) = (text(&o.stdout), text(&o.stderr));
    assert!(o.status.success(), "{stderr}");
    // Not a terminal: one progress line per tenth, the last at 100 %.
    let bars: Vec<&str> = stderr.lines().filter(|l| l.starts_with('[')).collect();
    assert!(bars.len() >= 3, "{stderr}");
    assert!(bars.last().unwrap().contains("100%") && bars.last().unwrap().contains("[#########"), "{stderr}");
    for line in ["backtest 2025-10-01 → 2025-10-15", "net", "APR on budget", "max drawdown", "exits", "symbol"] {
        assert!(stdout.contains(line), "summary lacks {line:?}:\n{stdout}");
    }
    let report: Value = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let symbols_in_table = ["BTC", "ETH", "TIA"].iter().filter(|s| stdout.lines().any(|l| l.starts_with(*s))).count();
    assert_eq!(symbols_in_table, 3, "{stdout}");
    let net: Decimal = report["net"].as_str().unwrap().parse().unwrap();
    assert!(stdout.contains(&format!("{} USD", net.round_dp(2))), "the summary's net is the report's:\n{stdout}");

    for money in ["net", "price_pnl", "funding", "fees", "max_drawdown_usd"] {
        assert!(report[money].is_string(), "{money}: {}", report[money]);
    }
    for venue in ["binance", "lighter"] {
        assert!(report["funding_by_venue"][venue].is_string());
    }
    for field in ["apr_budget", "apr_occupied", "sharpe", "sortino", "calmar", "max_drawdown_pct"] {
        assert!(report[field].is_string() || report[field].is_number(), "{field}: {}", report[field]);
    }
    assert!(report["positions"].is_u64() && report["exits_by_reason"].is_object());
    assert!(report["params"].is_object() && report["events"].as_u64() > Some(0) && report["elapsed_ms"].is_u64());
    assert_eq!((report["from"].as_str(), report["to"].as_str()), (Some("2025-10-01"), Some("2025-10-15")));
    assert_eq!(report["params"]["entry_min_apr"], "0.05", "--set applied");
    let rows = report["per_symbol"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for key in ["symbol", "opens", "hours_held", "funding", "fees", "net"] {
        assert!(rows.iter().all(|r| !r[key].is_null()), "per_symbol.{key}");
    }
    assert_eq!(header(&out.join("fills.csv")), FillRecord::HEADER.join(","));
    assert_eq!(header(&out.join("funding.csv")), FundingRecord::HEADER.join(","));
    assert_eq!(header(&out.join("equity.csv")), "day,equity,drawdown");
}

#[test]
fn a_sweep_prints_its_points_ranked_by_the_chosen_metric() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let o = backtest(
        dir.path(),
        &[
            "--from",
            "2025-10-01",
            "--to",
            "2025-10-15",
            "--symbols",
            "BTC,ETH,SOL,TIA",
            "--resolution",
            "1h",
            "--sweep",
            "entry_min_apr=0.05,0.1,0.3",
            "--sweep",
            "max_holding_hours=24,72",
            "--rank-by",
            "sharpe",
            "--threads",
            "2",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let (stdout, stderr) = (text(&o.stdout), text(&o.stderr));
    assert!(o.status.success(), "{stderr}");
    assert!(stdout.contains("6 points on 2 threads"), "{stdout}");
    assert!(stdout.contains("ranked by sharpe"), "{stdout}");
    // The ranked lines: rank 1 to 6 in order, Sharpe (the sixth column) never rising.
    let ranked: Vec<(u32, Decimal)> = stdout
        .lines()
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            let rank = cols.first()?.parse().ok()?;
            Some((rank, cols.get(cols.len() - 3)?.parse().ok()?))
        })
        .collect();
    assert_eq!(ranked.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5, 6], "{stdout}");
    assert!(ranked.windows(2).all(|w| w[0].1 >= w[1].1), "best first by Sharpe: {ranked:?}");
    // Each point's files, the ranking as CSV, and the best point's report at the top.
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 7);
    for rank in 1..=6 {
        assert!(out.join(format!("point-{rank:02}/report.json")).exists());
    }
    let best: Value = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let first: Value = serde_json::from_slice(&std::fs::read(out.join("point-01/report.json")).unwrap()).unwrap();
    assert_eq!(best, first);
}

#[test]
fn a_bad_argument_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    let out = out.to_str().unwrap();
    let nine = "1,2,3,4,5,6,7,8,9";
    let cases: [(&[&str], &str); 7] = [
        (&["--from", "2025-13-01", "--to", "2025-10-08"], "--from"),
        (&["--from", "2020-01-01", "--to", "2020-02-01"], "--from"),
        (&["--from", "2025-10-01", "--to", "2025-10-08", "--symbols", "BTC,NOPE"], "--symbols"),
        (&["--from", "2025-10-01", "--to", "2025-10-08", "--set", "leverage_binance=0"], "--set leverage_binance"),
        (&["--from", "2025-10-01", "--to", "2025-10-08", "--resolution", "5m"], "--resolution"),
        (&["--from", "2025-10-01", "--to", "2025-10-08", "--rank-by", "luck"], "--rank-by"),
        (
            &[
                "--from",
                "2025-10-01",
                "--to",
                "2025-10-08",
                "--sweep",
                &format!("slices={nine}"),
                "--sweep",
                &format!("entry_confirmations={nine}"),
            ],
            "--sweep",
        ),
    ];
    for (args, names) in cases {
        let mut all = args.to_vec();
        all.extend(["--out", out]);
        let o = backtest(dir.path(), &all);
        let stderr = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(&format!("error: {names}")), "{args:?} should name {names}: {stderr}");
    }
    assert!(!Path::new(out).exists(), "nothing written");
}

#[test]
fn parameters_come_from_a_toml_file_then_each_set() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.toml");
    std::fs::write(&file, "entry_min_apr = \"0.2\"\nslices = 3\nmax_holding_hours = 48\n").unwrap();
    let out = dir.path().join("run");
    let args = ["--from", "2025-10-01", "--to", "2025-10-04", "--symbols", "BTC", "--resolution", "1h"];
    let mut all = args.to_vec();
    all.extend(["--params", file.to_str().unwrap(), "--set", "slices=5", "--out", out.to_str().unwrap()]);
    let o = backtest(dir.path(), &all);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let report: Value = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let p = &report["params"];
    assert_eq!(
        (p["entry_min_apr"].as_str(), p["slices"].as_u64(), p["max_holding_hours"].as_u64()),
        (Some("0.2"), Some(5), Some(48))
    );

    std::fs::write(&file, "no_such_knob = 1\n").unwrap();
    let mut all = args.to_vec();
    all.extend(["--params", file.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let o = backtest(dir.path(), &all);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("error: --params") && text(&o.stderr).contains("no_such_knob"),
        "{}",
        text(&o.stderr)
    );
}

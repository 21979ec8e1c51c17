//! Whole runs: the same inputs give the same result bit for bit; over the whole year every
//! figure of the report is recomputed from the exported CSVs; a position held for the year
//! collects exactly the funding computed by hand from the recorded history.

mod equivalence;

use super::driver::Driver;
use super::spec::Spec;
use super::{Outcome, data, export};
use crate::engine::Command;
use crate::venue::sim::history::History;
use app::backtest::{Resolution, parse_day};
use app::params::StrategyParams;
use app::trading::OpenPositionRequest;
use app::{Fraction, SpreadDirection, Symbol, Usd};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

fn spec(from: &str, to: &str, symbols: &[&str], resolution: Resolution, params: StrategyParams) -> Spec {
    Spec {
        from_ms: parse_day(from).unwrap(),
        to_ms: parse_day(to).unwrap(),
        symbols: symbols.iter().map(|s| Symbol::new(s).unwrap()).collect(),
        params: StrategyParams { auto_open: true, ..params },
        resolution,
        strict: false,
        seed: 42,
        starting_balance: Decimal::from(100_000),
    }
}

/// Parameters that trade often: a low bar to enter, short holds.
pub fn busy() -> StrategyParams {
    StrategyParams {
        auto_open: true,
        entry_min_apr: Decimal::new(5, 2),
        entry_confirmations: 2,
        max_holding_hours: 24,
        slice_pause_ms: 0,
        ..StrategyParams::default()
    }
}

fn run(spec: &Spec, history: Arc<History>) -> Outcome {
    super::run(spec, history, &mut |_| {}, &AtomicBool::new(false)).unwrap()
}

/// A CSV written by `export`, as maps from column to text.
fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(str::to_owned).collect();
    lines.map(|l| header.iter().cloned().zip(l.split(',').map(str::to_owned)).collect()).collect()
}

fn dec(row: &BTreeMap<String, String>, col: &str) -> Decimal {
    Decimal::from_str(&row[col]).unwrap_or_else(|e| panic!("{col} = {:?}: {e}", row.get(col)))
}

#[test]
fn the_same_inputs_give_the_same_result_bit_for_bit() {
    let history = data::embedded().unwrap();
    let s = spec("2025-10-01", "2025-10-04", &["BTC", "ETH", "SOL", "TIA"], Resolution::Minute, busy());
    let (a, b) = (run(&s, history.clone()), run(&s, history));
    assert!(a.report.positions > 0, "the run should trade: {:?}", a.report.exits_by_reason);
    let strip = |o: &Outcome| {
        let mut r = o.report.clone();
        r.elapsed_ms = 0;
        serde_json::to_string(&(r, &o.fills, &o.payments)).unwrap()
    };
    assert_eq!(strip(&a), strip(&b));
}

#[test]
fn over_the_whole_year_every_figure_is_recomputed_from_the_exports() {
    let history = data::embedded().unwrap();
    let s = spec("2025-08-22", "2026-08-20", &["BTC", "ETH", "SOL", "DOGE", "TIA", "SUI"], Resolution::Hour, busy());
    let outcome = run(&s, history.clone());
    let r = &outcome.report;
    assert!(r.positions >= 10 && r.payments >= 10, "{} positions, {} payments", r.positions, r.payments);
    let dir = tempfile::tempdir().unwrap();
    export::write(dir.path(), &outcome).unwrap();

    let funding = read_csv(&dir.path().join("funding.csv"));
    assert_eq!(funding.len(), r.payments as usize);
    let mut by_venue: BTreeMap<String, Decimal> = BTreeMap::new();
    for p in &funding {
        let (qty, mark, rate, amount) =
            (dec(p, "position_qty"), dec(p, "mark_price"), dec(p, "rate"), dec(p, "amount"));
        assert_eq!(amount, -(qty * mark * rate), "payment {}", p["id"]);
        // The rate is the recorded one for that venue, symbol and settlement.
        let symbol = Symbol::new(&p["symbol"]).unwrap();
        let series = if p["venue"] == "binance" { &history.binance[&symbol] } else { &history.lighter[&symbol] };
        let t: i64 = p["time_ms"].parse().unwrap();
        let recorded = series.0.iter().find(|s| s.time_ms == t).expect("a recorded settlement");
        assert_eq!(rate, recorded.rate.normalize());
        assert_eq!(p["interval_hours"], recorded.interval.hours().to_string());
        *by_venue.entry(p["venue"].clone()).or_default() += amount;
    }
    let sum: Decimal = by_venue.values().sum();
    assert_eq!(sum, r.funding.0);
    assert_eq!(by_venue.get("binance").copied().unwrap_or_default(), r.funding_by_venue.binance.0);
    assert_eq!(by_venue.get("lighter").copied().unwrap_or_default(), r.funding_by_venue.lighter.0);

    let fills = read_csv(&dir.path().join("fills.csv"));
    assert_eq!(fills.len(), r.fills as usize);
    let mut proceeds = Decimal::ZERO;
    let mut fees = Decimal::ZERO;
    let mut held: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    for f in &fills {
        let sign = if f["side"] == "buy" { Decimal::ONE } else { Decimal::NEGATIVE_ONE };
        proceeds -= sign * dec(f, "qty") * dec(f, "price");
        fees += dec(f, "fee");
        *held.entry((f["venue"].clone(), f["symbol"].clone())).or_default() += sign * dec(f, "qty");
    }
    assert!(held.values().all(Decimal::is_zero), "every leg is closed at the end: {held:?}");
    assert_eq!(proceeds, r.price_pnl.0, "price P&L is the fills' proceeds");
    assert_eq!(fees, r.fees.0, "fees are the fills' fees");
    assert_eq!(r.net, r.price_pnl + r.funding - r.fees);

    // The per-symbol lines add up to the totals.
    let per: (Usd, Usd, Usd) = r
        .per_symbol
        .iter()
        .fold((Usd::ZERO, Usd::ZERO, Usd::ZERO), |(n, f, e), s| (n + s.net, f + s.funding, e + s.fees));
    assert_eq!(per, (r.net, r.funding, r.fees));
    // The equity curve ends at the budget plus the net.
    let equity = read_csv(&dir.path().join("equity.csv"));
    assert_eq!(equity.last().map(|e| dec(e, "equity")), Some(r.budget.0 + r.net.0));
    let days = ((s.to_ms - s.from_ms) / app::equity::MS_PER_DAY) as usize;
    assert_eq!(equity.len(), days + 1, "one line per day boundary, the first and the last included");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    for field in ["net", "price_pnl", "funding", "fees", "max_drawdown_usd"] {
        assert!(json[field].is_string(), "{field} is a decimal string: {}", json[field]);
    }
    assert!(json["funding_by_venue"]["binance"].is_string());
}

/// Parameters that hold one position, opened by hand, to the end of the window.
fn hold() -> StrategyParams {
    StrategyParams {
        auto_open: false,
        entry_confirmations: 100,
        exit_below_apr: -Decimal::ONE,
        take_profit: Fraction::from_percent(1000),
        stop_loss: Fraction::ONE,
        max_holding_hours: 24 * 365,
        leverage_binance: 1,
        leverage_lighter: 1,
        liquidation_buffer: Fraction::from_percent(1),
        ..StrategyParams::default()
    }
}

#[test]
fn one_position_held_for_the_year_collects_the_funding_computed_by_hand() {
    let history = data::embedded().unwrap();
    let mut s = spec("2025-08-22", "2026-08-20", &["BTC"], Resolution::Hour, hold());
    s.params.auto_open = false;
    let mut driver = Driver::new(&s, history.clone());
    driver.start();
    let open = OpenPositionRequest {
        symbol: Symbol::new("BTC").unwrap(),
        direction: SpreadDirection::LongLighterShortBinance,
        notional: Usd(Decimal::from(5_000)),
        leverage_binance: None,
        leverage_lighter: None,
        slices: Some(1),
        slippage_cap_bps: None,
        exit_on_reversal: false,
        close_after_hours: None,
    };
    driver.command(Command::Open(open));
    let ledger = driver.run_started(&mut |_| {}, &AtomicBool::new(false)).unwrap();
    let report = super::report::build(&s, &ledger, 0);
    assert_eq!(report.positions, 1);
    assert_eq!(report.exits_by_reason, BTreeMap::from([("end_of_window".to_owned(), 1)]), "held to the end");
    let outcome = Outcome { report, fills: ledger.fills, payments: ledger.payments };
    let dir = tempfile::tempdir().unwrap();
    export::write(dir.path(), &outcome).unwrap();

    // The legs' quantities, from the opening fills.
    let fills = read_csv(&dir.path().join("fills.csv"));
    let qty = |venue: &str| -> Decimal {
        fills
            .iter()
            .filter(|f| f["venue"] == venue && f["purpose"] == "open")
            .map(|f| if f["side"] == "buy" { dec(f, "qty") } else { -dec(f, "qty") })
            .sum()
    };
    let (long_lighter, short_binance) = (qty("lighter"), qty("binance"));
    assert!(long_lighter > Decimal::ZERO && short_binance == -long_lighter);
    let opened: i64 = fills[0]["time_ms"].parse().unwrap();
    let closed: i64 = fills.last().unwrap()["time_ms"].parse().unwrap();

    // By hand from the recorded history: every settlement while the position was held, each
    // paying -(qty × mark × rate). Binance's mark at a settlement is the recorded mark on its
    // tick; Lighter (Hyperliquid's recording has no mark) settles at its simulated mark, as
    // exported.
    let btc = Symbol::new("BTC").unwrap();
    let payments = read_csv(&dir.path().join("funding.csv"));
    let paid = |venue: &str| payments.iter().filter(|p| p["venue"] == venue).collect::<Vec<_>>();
    let binance_tick = Decimal::ONE;
    let mut binance = Decimal::ZERO;
    let settled: Vec<_> =
        history.binance[&btc].0.iter().filter(|s| s.time_ms > opened && s.time_ms <= closed).collect();
    assert!(settled.len() > 1000, "a year of 8-hourly settlements: {}", settled.len());
    assert_eq!(paid("binance").len(), settled.len());
    for (s, p) in settled.iter().zip(paid("binance")) {
        let mark = app::market::round_down_to(s.mark.unwrap(), binance_tick);
        assert_eq!(p["time_ms"], s.time_ms.to_string());
        assert_eq!(dec(p, "mark_price"), mark);
        binance += -(short_binance * mark * s.rate);
    }
    let mut lighter = Decimal::ZERO;
    let settled: Vec<_> =
        history.lighter[&btc].0.iter().filter(|s| s.time_ms > opened && s.time_ms <= closed).collect();
    assert!(settled.len() > 8000, "a year of hourly settlements: {}", settled.len());
    assert_eq!(paid("lighter").len(), settled.len());
    for (s, p) in settled.iter().zip(paid("lighter")) {
        assert_eq!(p["time_ms"], s.time_ms.to_string());
        lighter += -(long_lighter * dec(p, "mark_price") * s.rate);
    }
    let r = &outcome.report;
    assert_eq!(r.funding_by_venue.binance.0, binance);
    assert_eq!(r.funding_by_venue.lighter.0, lighter);
    assert_eq!(r.funding.0, binance + lighter);
}

/// Every funding publication a run's venues make over a week, by the minute.
fn published_funding(strict: bool) -> Vec<app::market::FundingSnapshot> {
    use crate::venue::VenueEvent;
    use crate::venue::sim::machine::{Phase, SimCore};
    use crate::venue::sim::market::SimMarket;
    let history = data::embedded().unwrap();
    let s = spec("2025-10-01", "2025-10-08", &["BTC", "ETH", "TIA"], Resolution::Minute, busy());
    let mut seen = Vec::new();
    for venue in app::Venue::ALL {
        let market = SimMarket::new(venue, history.clone(), s.seed).settled_only(strict);
        let mut core = SimCore::with_market(market, s.starting_balance, s.from_ms);
        core.restrict(&s.symbols);
        let mut t = s.from_ms;
        while t < s.to_ms {
            let mut out = Vec::new();
            for phase in Phase::ALL {
                core.publish(phase, t, &mut out);
            }
            seen.extend(out.into_iter().filter_map(|e| match e {
                VenueEvent::Funding(f) => Some(f),
                _ => None,
            }));
            t += 60_000;
        }
    }
    seen
}

#[test]
fn in_strict_mode_the_strategy_sees_only_settled_rates() {
    let strict = published_funding(true);
    assert!(strict.len() > 1000, "{} publications", strict.len());
    for f in &strict {
        let settled = f.last_settled.expect("a settled rate");
        assert_eq!((f.predicted.rate, f.predicted.interval), (settled.rate, settled.interval), "{f:?}");
    }
    // Without strict mode the prediction moves between settlements (the look-ahead the docs
    // describe): some publications differ from the last settlement.
    let open = published_funding(false);
    assert!(open.iter().any(|f| f.last_settled.is_some_and(|s| s.rate != f.predicted.rate)));

    // A strict run is its own, reproducible result, and says it was strict.
    let history = data::embedded().unwrap();
    let mut s = spec("2025-10-01", "2025-10-08", &["BTC", "ETH", "SOL", "TIA"], Resolution::Hour, busy());
    let normal = run(&s, history.clone()).report;
    s.strict = true;
    let (a, b) = (run(&s, history.clone()).report, run(&s, history).report);
    assert!(a.strict && !normal.strict);
    assert_eq!((a.net, a.positions, &a.exits_by_reason), (b.net, b.positions, &b.exits_by_reason));
    assert_ne!((a.net, a.fills), (normal.net, normal.fills), "the prediction changes what the strategy does");
}

/// Settlements the collector stores (as its backfill does: no mark) and the predicted rates it
/// prunes: the settled ones stay, and extend the window a backtest may cover past the embedded
/// year; a run over the extension collects funding at the stored rates.
#[tokio::test]
async fn settled_funding_the_collector_records_is_kept_and_replayed() {
    use crate::db::funding::{FundingRecord, insert, prune};
    use app::api::FundingKind;
    use app::{FundingInterval, FundingRate, MS_PER_HOUR, Venue};
    let db = crate::db::connect("sqlite::memory:").await.unwrap();
    let embedded = data::embedded().unwrap();
    let btc = Symbol::new("BTC").unwrap();
    let (_, end) = embedded.coverage(std::slice::from_ref(&btc)).unwrap();
    let rate = |venue: Venue| if venue == Venue::Binance { Decimal::new(3, 4) } else { Decimal::new(4, 5) };
    let mut records = Vec::new();
    for venue in Venue::ALL {
        let hours = if venue == Venue::Binance { 8 } else { 1 };
        let interval = FundingInterval::from_hours(hours).unwrap();
        for i in 1..=(24 * 6 / hours as i64) {
            let time_ms = end + i * hours as i64 * MS_PER_HOUR;
            for kind in [FundingKind::Settled, FundingKind::Predicted] {
                let rate = FundingRate::new(rate(venue), interval);
                records.push(FundingRecord { venue, symbol: btc.clone(), kind, time_ms, rate });
            }
        }
    }
    insert(&db, &records).await.unwrap();
    assert!(prune(&db, i64::MAX).await.unwrap() > 0, "the predicted rates go");
    let history = data::load(&db).await.unwrap();
    let (_, extended) = history.coverage(std::slice::from_ref(&btc)).unwrap();
    assert!(extended >= end + 5 * app::equity::MS_PER_DAY, "the settled ones stay and extend the data");

    let from = app::equity::date(end - 2 * app::equity::MS_PER_DAY);
    let to = app::equity::date(end + 5 * app::equity::MS_PER_DAY);
    let mut s = spec(&from, &to, &["BTC"], Resolution::Hour, hold());
    s.params.auto_open = false;
    let refused = super::spec::plan(
        &app::backtest::BacktestRequest { from: from.clone(), to: to.clone(), ..Default::default() },
        &super::spec::Context {
            history: &embedded,
            current: &StrategyParams::default(),
            seed: 42,
            starting_balance: Decimal::from(100_000),
        },
    );
    assert_eq!(refused.unwrap_err().field, "to", "the embedded year alone ends earlier");
    let mut driver = Driver::new(&s, history.clone());
    driver.start();
    driver.command(Command::Open(OpenPositionRequest {
        symbol: btc.clone(),
        direction: SpreadDirection::LongLighterShortBinance,
        notional: Usd(Decimal::from(5_000)),
        leverage_binance: None,
        leverage_lighter: None,
        slices: Some(1),
        slippage_cap_bps: None,
        exit_on_reversal: false,
        close_after_hours: None,
    }));
    let ledger = driver.run_started(&mut |_| {}, &AtomicBool::new(false)).unwrap();
    let past_end: Vec<_> = ledger.payments.iter().filter(|p| p.time_ms > end).collect();
    assert!(past_end.iter().filter(|p| p.venue == Venue::Binance).count() >= 12, "{} payments", past_end.len());
    assert!(past_end.iter().filter(|p| p.venue == Venue::Lighter).count() >= 100);
    // Past each venue's own recordings, the stored rates are paid.
    let own_end = |v: Venue| {
        let series = if v == Venue::Binance { &embedded.binance[&btc] } else { &embedded.lighter[&btc] };
        series.0.last().unwrap().time_ms
    };
    for p in past_end.into_iter().filter(|p| p.time_ms > own_end(p.venue)) {
        assert_eq!(p.rate.rate, rate(p.venue), "{p:?}");
    }
}

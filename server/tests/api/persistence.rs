//! The persistence suite, on a real SQLite file and — when `ARB_TEST_POSTGRES_URL` is set (CI
//! sets it) — on PostgreSQL: decimals round-trip exactly, duplicates are ignored, pruning works.

use app::api::FundingKind;
use app::market::MarkPrice;
use app::{FundingInterval, FundingRate, Price, Symbol, Venue};
use rust_decimal_macros::dec;
use server::db;
use server::db::funding::{FundingRecord, HistoryFilter};

async fn round_trip(url: &str) {
    let conn = db::connect(url).await.unwrap_or_else(|e| panic!("connect {url}: {e}"));
    let sym = Symbol::new(&format!("T{}", std::process::id() % 100_000)).unwrap();
    let rates = [dec!(0.000012345678901234567), dec!(-7.45e-06), dec!(0.0001), dec!(-0.00375)];
    let records: Vec<FundingRecord> = rates
        .iter()
        .enumerate()
        .map(|(i, r)| FundingRecord {
            venue: if i % 2 == 0 { Venue::Binance } else { Venue::Lighter },
            symbol: sym.clone(),
            kind: FundingKind::Settled,
            time_ms: 1_000 + i as i64,
            rate: FundingRate::new(*r, if i % 2 == 0 { FundingInterval::EIGHT_HOURS } else { FundingInterval::HOURLY }),
        })
        .collect();
    db::funding::insert(&conn, &records).await.unwrap();
    // Inserting again is a no-op, not an error: backfills are repeatable.
    db::funding::insert(&conn, &records).await.unwrap();
    let filter =
        HistoryFilter { symbol: sym.clone(), venue: None, kind: FundingKind::Settled, from_ms: 0, to_ms: 10_000 };
    let back = db::funding::history(&conn, &filter).await.unwrap();
    assert_eq!(back.len(), records.len());
    for (p, r) in back.iter().zip(&records) {
        assert_eq!(p.rate, r.rate, "exact decimal round trip on {url}");
        assert_eq!(p.venue, r.venue);
    }
    let mark = MarkPrice {
        venue: Venue::Lighter,
        symbol: sym.clone(),
        mark: Price(dec!(113836.123456789)),
        index: Price(dec!(0.00000001)),
        time_ms: 1_001,
    };
    db::prices::insert(&conn, &[mark]).await.unwrap();
    assert!(db::prices::count(&conn).await.unwrap() >= 1);
    // Predicted snapshots are pruned; settled rates are kept (the backtester replays them).
    let predicted: Vec<FundingRecord> =
        records.iter().map(|r| FundingRecord { kind: FundingKind::Predicted, ..r.clone() }).collect();
    db::funding::insert(&conn, &predicted).await.unwrap();
    assert_eq!(db::funding::prune(&conn, 1_002).await.unwrap(), 2);
    assert_eq!(db::funding::history(&conn, &filter).await.unwrap().len(), 4);
    let filter = HistoryFilter { kind: FundingKind::Predicted, ..filter };
    assert_eq!(db::funding::history(&conn, &filter).await.unwrap().len(), 2);
    db::funding::prune(&conn, i64::MAX).await.unwrap();
    db::prices::prune(&conn, i64::MAX).await.unwrap();
    rules_and_equity(&conn, url).await;
    fills_and_payments(&conn, url).await;
    signals(&conn, url).await;
    outbox(&conn, url).await;
    settled_for_the_backtester(&conn, url).await;
    backtests_stored(&conn, url).await;
}

/// Signals: one row per source and signal id however often it arrives, the engine's updates
/// over it, the filters, what a restart resumes; sources, rejections kept to their bound, and
/// strategy caps. Names carry the process id (reused database).
async fn signals(conn: &sea_orm::DatabaseConnection, url: &str) {
    use app::signal::{SignalQuery, SignalRejection, SignalRequest, SignalStatus, SourceRequest};
    use server::db::signals::Intake;
    let source = format!("src{}", std::process::id());
    let req: SignalRequest = serde_json::from_value(serde_json::json!({"signal_id": "s-1", "strategy": "carry-1",
        "action": "open", "symbol": "ETH", "direction": "long_lighter_short_binance", "notional": "1000.50"}))
    .unwrap();
    let state = |r: &app::signal::SignalRecord| serde_json::json!({"record": r, "limits": {}});
    let Intake::New(first) =
        db::signals::insert_received(conn, &source, &req, Some(9_000), 1_000, state).await.unwrap()
    else {
        panic!("{url}: the first arrival is new")
    };
    let Intake::Seen(again) =
        db::signals::insert_received(conn, &source, &req, Some(9_000), 1_001, state).await.unwrap()
    else {
        panic!("{url}: the same signal id again is the same signal")
    };
    assert_eq!(again, first, "{url}");
    assert_eq!(first.notional, Some(app::Usd(dec!(1000.50))), "{url}: exact");
    let mut done = first.clone();
    done.status = SignalStatus::Done;
    done.positions = vec![7.into()];
    db::signals::upsert(conn, &done, &serde_json::json!({"record": done})).await.unwrap();
    assert_eq!(db::signals::get(conn, first.id).await.unwrap(), Some(done.clone()), "{url}");
    let q = SignalQuery { source: Some(source.clone()), status: Some(SignalStatus::Done), ..Default::default() };
    assert_eq!(db::signals::list(conn, &q, 10).await.unwrap(), [done.clone()], "{url}");
    let pending = db::signals::unfinished(conn).await.unwrap();
    assert!(pending.iter().all(|s| s["record"]["id"] != first.id), "{url}: a done signal is not resumed");
    assert_eq!(db::signals::counts_since(conn, &source, 0).await.unwrap(), [(SignalStatus::Done, 1)], "{url}");

    let settings: SourceRequest = serde_json::from_value(serde_json::json!({"name": source, "strategies": ["carry-1"],
        "symbols": ["*"], "max_notional": "5000", "actions": ["open"]}))
    .unwrap();
    assert!(db::sources::insert(conn, &settings, "sig_x", 1).await.unwrap(), "{url}");
    assert!(!db::sources::insert(conn, &settings, "sig_y", 2).await.unwrap(), "{url}: a name once");
    assert_eq!(db::sources::get(conn, &source).await.unwrap().map(|s| s.secret), Some("sig_x".into()));
    for n in 0..db::sources::KEEP_REJECTIONS + 5 {
        let r = SignalRejection {
            time_ms: n as i64,
            source: source.clone(),
            signal_id: None,
            status: 401,
            field: None,
            reason: format!("r{n}"),
        };
        db::sources::reject(conn, &r).await.unwrap();
    }
    let kept = db::sources::rejections(conn, &source, 1_000).await.unwrap();
    assert_eq!(kept.len() as u64, db::sources::KEEP_REJECTIONS, "{url}");
    assert_eq!(kept[0].reason, format!("r{}", db::sources::KEEP_REJECTIONS + 4), "{url}: newest first");
    assert!(db::sources::delete(conn, &source).await.unwrap());

    let strategy = app::StrategyId::new(&source).unwrap();
    db::strategies::set_cap(conn, &strategy, Some(app::Usd(dec!(2500.25))), "test", 1).await.unwrap();
    db::strategies::set_cap(conn, &strategy, Some(app::Usd(dec!(3000))), "test", 2).await.unwrap();
    assert_eq!(db::strategies::caps(conn).await.unwrap().get(&strategy), Some(&app::Usd(dec!(3000))), "{url}");
    db::strategies::set_cap(conn, &strategy, None, "test", 3).await.unwrap();
    assert_eq!(db::strategies::caps(conn).await.unwrap().get(&strategy), None, "{url}");
}

/// The notification outbox: a summary takes repeats only until its worker claims it; parts
/// and outcomes are recorded; a sent row is never claimed again; rules are replaced, not
/// duplicated. Channel names carry the process id (reused database).
async fn outbox(conn: &sea_orm::DatabaseConnection, url: &str) {
    use app::notification::{Kind, Level, Notification};
    use app::outbox::{ChannelRules, DeliveryQuery, DeliveryStatus};
    use server::db::deliveries::{self as d, NewDelivery};
    let n = Notification::new(Level::Warning, Kind::VenueStale, 1, "Stale", "m").about("lighter");
    let nid = db::trading::insert_notification(conn, &n).await.unwrap();
    let channel = format!("p{}", std::process::id());
    let row = |status, next, folded, window| NewDelivery {
        notification_id: nid,
        channel: channel.clone(),
        target: "42".into(),
        status,
        next_attempt_ms: next,
        folded,
        folded_into: None,
        window_end_ms: window,
        silent: false,
        dedup_key: n.dedup_key.clone(),
    };
    let lead = d::insert(conn, row(DeliveryStatus::Pending, 10, 0, Some(100)), 5).await.unwrap();
    let summary = d::insert(conn, row(DeliveryStatus::Pending, 100, 1, Some(100)), 6).await.unwrap();
    assert!(d::fold_into(conn, summary, 7).await.unwrap(), "{url}");
    assert_eq!(d::due(conn, &channel, 50, 10).await.unwrap().iter().map(|r| r.id).collect::<Vec<_>>(), [lead], "{url}");
    assert_eq!(d::next_due(conn, &channel, 50).await.unwrap(), Some(100), "{url}");
    assert_eq!(d::claim(conn, lead, 51).await.unwrap().map(|r| r.attempts), Some(1), "{url}");
    d::part_sent(conn, lead, 1, false, "200 ok", 52).await.unwrap();
    d::part_sent(conn, lead, 2, true, "200 ok", 53).await.unwrap();
    assert!(d::claim(conn, lead, 54).await.unwrap().is_none(), "{url}: a sent row is never claimed again");
    let claimed = d::claim(conn, summary, 101).await.unwrap().unwrap();
    assert_eq!(claimed.folded, 2, "{url}");
    assert!(!d::fold_into(conn, summary, 102).await.unwrap(), "{url}: claimed, it takes no more repeats");
    d::retry(conn, summary, 500, "429 retry after 1", 103).await.unwrap();
    assert_eq!(d::next_due(conn, &channel, 103).await.unwrap(), Some(500), "{url}");
    d::fail(conn, summary, "400 chat not found", 501).await.unwrap();
    let q = DeliveryQuery { channel: Some(channel.clone()), ..Default::default() };
    let rows = d::recent(conn, &q, 10).await.unwrap();
    assert_eq!(
        rows.iter().map(|r| (r.id, r.status)).collect::<Vec<_>>(),
        [(summary, DeliveryStatus::Failed), (lead, DeliveryStatus::Sent)],
        "{url}"
    );
    assert_eq!(rows[1].headline, "WARNING Stale");
    assert_eq!(rows[0].last_answer.as_deref(), Some("400 chat not found"));
    assert_eq!(d::windows_since(conn, 99).await.unwrap().iter().filter(|r| r.channel == channel).count(), 2, "{url}");
    let mut rules = ChannelRules::default();
    d::save_rules(conn, &channel, &rules, "admin", 1).await.unwrap();
    rules.min_level = Level::Critical;
    d::save_rules(conn, &channel, &rules, "admin", 2).await.unwrap();
    assert_eq!(d::saved_rules(conn).await.unwrap().get(&channel), Some(&rules), "{url}: replaced");
}

/// A backtest's row through its life: queued, running, done with its report (read back
/// exactly), and one left unfinished by a stopped server marked failed.
async fn backtests_stored(conn: &sea_orm::DatabaseConnection, url: &str) {
    use app::backtest::{BacktestRequest, Resolution, RunStatus};
    use server::backtest::{data, spec};
    use server::db::backtests;
    let history = data::embedded().unwrap();
    let req = BacktestRequest {
        from: "2025-10-01".into(),
        to: "2025-10-04".into(),
        symbols: vec![Symbol::new("BTC").unwrap(), Symbol::new("ETH").unwrap()],
        resolution: Resolution::Hour,
        ..Default::default()
    };
    let current = app::params::StrategyParams { entry_min_apr: dec!(0.05), ..Default::default() };
    let ctx = spec::Context { history: &history, current: &current, seed: 42, starting_balance: dec!(100000) };
    let plan = spec::plan(&req, &ctx).unwrap();
    let never = std::sync::atomic::AtomicBool::new(false);
    let outcome = server::backtest::run(&plan.points[0].1, history.clone(), &mut |_| {}, &never).unwrap();
    let done = backtests::insert(conn, "tests", &req, 1_000).await.unwrap();
    let left = backtests::insert(conn, "tests", &req, 1_001).await.unwrap();
    backtests::set_status(conn, done, RunStatus::Running).await.unwrap();
    backtests::finish(conn, done, &outcome.report, &[], 2_000).await.unwrap();
    assert!(backtests::fail_unfinished(conn, 3_000).await.unwrap() >= 1, "on {url}");
    let run = backtests::get(conn, done).await.unwrap().unwrap();
    assert_eq!((run.status, run.finished_ms, &run.request), (RunStatus::Done, Some(2_000), &req), "on {url}");
    assert_eq!(run.report.as_ref(), Some(&outcome.report), "the report round-trips exactly on {url}");
    assert_eq!(run.net, Some(outcome.report.net));
    let failed = backtests::get(conn, left).await.unwrap().unwrap();
    assert_eq!(failed.status, RunStatus::Failed, "on {url}");
    let listed = backtests::list(conn, 500).await.unwrap();
    let ids: Vec<i64> = listed.iter().map(|r| r.id).collect();
    assert!(ids.contains(&done) && ids.contains(&left) && listed.iter().all(|r| r.report.is_none()), "on {url}");
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first on {url}");
}

/// Imported settlements with their marks: stored once however often imported, read back
/// exactly, kept by the prune.
async fn settled_for_the_backtester(conn: &sea_orm::DatabaseConnection, url: &str) {
    use server::db::funding::{SettledRow, insert_settled, settled};
    let sym = Symbol::new(&format!("S{}", std::process::id() % 100_000)).unwrap();
    let rows: Vec<SettledRow> = [(Venue::Binance, 8, Some(dec!(113836.1))), (Venue::Lighter, 1, None)]
        .into_iter()
        .enumerate()
        .map(|(i, (venue, hours, mark))| SettledRow {
            venue,
            symbol: sym.clone(),
            time_ms: 5_000 + i as i64,
            rate: dec!(-0.000012345678901234567),
            interval: FundingInterval::from_hours(hours).unwrap(),
            mark,
        })
        .collect();
    assert_eq!(insert_settled(conn, &rows).await.unwrap(), 2, "on {url}");
    assert_eq!(insert_settled(conn, &rows).await.unwrap(), 0, "a second import adds nothing on {url}");
    db::funding::prune(conn, i64::MAX).await.unwrap();
    let back: Vec<SettledRow> = settled(conn).await.unwrap().into_iter().filter(|r| r.symbol == sym).collect();
    assert_eq!(back, rows, "exact round trip on {url}");
}

/// History's rows: exact decimals, one row per key however often it is written, keyset pages
/// that neither skip nor repeat among equal times. Keys carry the process id (reused database).
async fn fills_and_payments(conn: &sea_orm::DatabaseConnection, url: &str) {
    use app::history::{FillRecord, FundingRecord};
    use server::db::fills::Fills;
    use server::db::page::{self, Cursor, Filter};
    use server::db::payments::Payments;
    let pid = std::process::id();
    let sym = Symbol::new(&format!("H{}", pid % 100_000)).unwrap();
    let fill = |n: u32| FillRecord {
        client_order_id: app::ClientOrderId::new(&format!("p{pid}-{n}")).unwrap(),
        filled_qty: app::Qty(dec!(0.50)),
        position_id: i64::from(pid).into(),
        strategy: app::StrategyId::new("carry-1").unwrap(),
        venue: Venue::Lighter,
        symbol: sym.clone(),
        side: app::order::Side::Sell,
        purpose: app::trading::OrderPurpose::Close,
        qty: app::Qty(dec!(0.5)),
        price: Price(dec!(113836.123456789)),
        fee: app::Usd(dec!(0.000012345678901234567)),
        realized_pnl: app::Usd(dec!(-7.45e-06)),
        time_ms: 5_000 + i64::from(n / 2),
    };
    let fills: Vec<FillRecord> = (0..5).map(fill).collect();
    for f in &fills {
        db::fills::insert(conn, f).await.unwrap();
        let mut same_key = f.clone();
        same_key.filled_qty = app::Qty(dec!(0.5));
        db::fills::insert(conn, &same_key).await.unwrap();
    }
    let mut filter = Filter::<i64> { symbol: Some(sym.clone()), limit: 2, ..Default::default() };
    let mut back = Vec::new();
    loop {
        let page = page::list::<Fills>(conn, &filter).await.unwrap();
        assert_eq!(page.total, 5, "{url}: stored once per key");
        back.extend(page.rows);
        match page.next {
            Some(c) => filter.cursor = Some(c.parse::<Cursor<i64>>().unwrap()),
            None => break,
        }
    }
    let mut want = fills.clone();
    want.reverse();
    assert_eq!(back, want, "{url}: exact, newest first, every row once");

    let payment = FundingRecord {
        venue: Venue::Binance,
        payment_id: format!("tran-{pid}"),
        position_id: i64::from(pid).into(),
        strategy: app::StrategyId::new("carry-1").unwrap(),
        symbol: sym.clone(),
        rate: FundingRate::new(dec!(-0.00375), FundingInterval::EIGHT_HOURS),
        position_qty: app::Qty(dec!(-0.5)),
        mark_price: Price(dec!(0.00000001)),
        amount: app::Usd(dec!(0.000012345678901234567)),
        time_ms: 5_000,
    };
    db::payments::insert(conn, &payment).await.unwrap();
    db::payments::insert(conn, &payment).await.unwrap();
    let stored = page::between::<Payments>(conn, Some(&sym), 0, 10_000).await.unwrap();
    assert_eq!(stored, [payment], "{url}");
    let first =
        (page::first_time::<Fills>(conn, Some(&sym)).await, page::first_time::<Payments>(conn, Some(&sym)).await);
    assert_eq!((first.0.unwrap(), first.1.unwrap()), (Some(5_000), Some(5_000)), "{url}");
}

/// Symbol rules: newest version wins, a version is stored once. Equity: one row per venue and
/// day, a repeat replaces it. Keys derive from what is there already and the process id, so a
/// reused database does not collide.
async fn rules_and_equity(conn: &sea_orm::DatabaseConnection, url: &str) {
    use app::equity::{MS_PER_DAY, VenueEquity};
    use app::symbols::SymbolRulesRequest;
    let base = db::symbols::latest(conn).await.unwrap().map_or(0, |(v, _)| v);
    let rules = SymbolRulesRequest { include: None, ignore: Some(vec!["*DOWN*".into()]) }.replacement().unwrap();
    db::symbols::insert(conn, base + 1, &Default::default(), "test", 1).await.unwrap();
    db::symbols::insert(conn, base + 2, &rules, "test", 2).await.unwrap();
    assert_eq!(db::symbols::latest(conn).await.unwrap(), Some((base + 2, rules.clone())), "{url}");
    let again = db::symbols::insert(conn, base + 2, &rules, "test", 3).await.unwrap_err();
    assert!(matches!(again.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))), "{url}: {again}");

    let day = i64::from(std::process::id()) * MS_PER_DAY;
    let snap = |equity| VenueEquity {
        venue: Venue::Lighter,
        equity: app::Usd(equity),
        wallet: app::Usd(dec!(1000)),
        unrealised: app::Usd(equity - dec!(1000)),
        taken_ms: day + 1,
    };
    db::equity::upsert(conn, day, &snap(dec!(1000.123456789))).await.unwrap();
    db::equity::upsert(conn, day, &snap(dec!(999.5))).await.unwrap();
    let days = db::equity::days(conn, day, day).await.unwrap();
    assert_eq!(days.len(), 1, "{url}");
    assert_eq!(days[0].venues, [snap(dec!(999.5))], "{url}: replaced, not duplicated");
    assert_eq!(db::equity::last_day(conn, Venue::Lighter).await.unwrap().map(|d| d >= day), Some(true));
}

#[tokio::test]
async fn sqlite_file_round_trips_exactly() {
    let dir = tempfile::tempdir().unwrap();
    round_trip(&format!("sqlite://{}/nested/arb.db?mode=rwc", dir.path().display())).await;
}

#[tokio::test]
async fn postgres_round_trips_exactly() {
    if let Some(url) = postgres_url() {
        round_trip(&url).await
    }
}

/// The test PostgreSQL (`cargo xtask test` starts one); CI must have it, elsewhere the
/// PostgreSQL legs are skipped.
pub fn postgres_url() -> Option<String> {
    match std::env::var("ARB_TEST_POSTGRES_URL") {
        Ok(url) => Some(url),
        Err(_) if std::env::var_os("CI").is_some() => panic!("CI must provide ARB_TEST_POSTGRES_URL"),
        Err(_) => {
            eprintln!("ARB_TEST_POSTGRES_URL not set: PostgreSQL leg skipped (cargo xtask test sets it)");
            None
        }
    }
}

/// Positions stored before strategies existed all read `"funding-spread"`: the migration names
/// those a person opened `manual` (from the audit log's successful opens), the rest `auto`, in
/// the column and the stored JSON, and gives orders, fills and payments their position's.
#[tokio::test]
async fn migrating_old_positions_names_their_strategy() {
    use migrations::{Migrator, MigratorTrait};
    use sea_orm::{ConnectionTrait, Statement};
    let conn = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    let before = Migrator::migrations().len() - 2;
    Migrator::up(&conn, Some(before as u32)).await.unwrap();
    let view = |id: i64| format!(r#"{{"id":{id},"strategy":"funding-spread","symbol":"ETH"}}"#);
    let state = |id: i64| format!(r#"{{"position":{{"id":{id},"strategy":"funding-spread"}}}}"#);
    for id in [1_i64, 2, 3] {
        conn.execute_unprepared(&format!(
            "INSERT INTO positions (id, symbol, status, opened_ms, closed_ms, state, view, updated_ms) \
             VALUES ({id}, 'ETH', 'closed', 1, 2, '{}', '{}', 2)",
            state(id),
            view(id)
        ))
        .await
        .unwrap();
        conn.execute_unprepared(&format!(
            "INSERT INTO orders (client_order_id, position_id, venue, symbol, status, created_ms, updated_ms, view) \
             VALUES ('arb{id}-1-1b', {id}, 'binance', 'ETH', 'filled', 1, 1, '{{}}')"
        ))
        .await
        .unwrap();
    }
    for (action, outcome, after) in
        [("order.open", "ok", "[2]"), ("order.open", "refused", "[3]"), ("engine.pause", "ok", "[1]")]
    {
        conn.execute_unprepared(&format!(
            "INSERT INTO audit_log (time_ms, actor, action, target, before, after, outcome, detail, ip) \
             VALUES (1, 'alice', '{action}', NULL, NULL, '{after}', '{outcome}', NULL, NULL)"
        ))
        .await
        .unwrap();
    }
    Migrator::up(&conn, None).await.unwrap();
    let rows = conn
        .query_all(Statement::from_string(
            conn.get_database_backend(),
            "SELECT id, strategy, view, state FROM positions ORDER BY id",
        ))
        .await
        .unwrap();
    let got: Vec<(i64, String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r.try_get("", "id").unwrap(),
                r.try_get("", "strategy").unwrap(),
                r.try_get("", "view").unwrap(),
                r.try_get("", "state").unwrap(),
            )
        })
        .collect();
    let names: Vec<(i64, &str)> = got.iter().map(|(id, s, _, _)| (*id, s.as_str())).collect();
    assert_eq!(names, [(1, "auto"), (2, "manual"), (3, "auto")], "only the successful open is a person's");
    for (_, strategy, view, state) in &got {
        assert!(view.contains(&format!(r#""strategy":"{strategy}""#)), "{view}");
        assert!(state.contains(&format!(r#""strategy":"{strategy}""#)), "{state}");
    }
    let orders = conn
        .query_all(Statement::from_string(
            conn.get_database_backend(),
            "SELECT strategy FROM orders ORDER BY position_id",
        ))
        .await
        .unwrap();
    let orders: Vec<String> = orders.iter().map(|r| r.try_get("", "strategy").unwrap()).collect();
    assert_eq!(orders, ["auto", "manual", "auto"]);
}

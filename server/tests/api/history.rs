//! History over the real server on the simulated venues (a compressed clock, so funding
//! settles every few seconds): closed positions, orders, fills and funding payments with
//! their filters and cursors, CSV exports equal to the JSON rows, the P&L series, and 400s
//! that name the parameter.

use crate::helpers::{call, router_with, spawn_app, users};
use app::auth::Role;
use app::history::{ClosedPosition, Csv, FillRecord, FundingRecord, Page, PnlSeries};
use app::trading::{CommandAck, OrderStatus, OrderView, PositionId, PositionStatus, PositionView};
use app::{ClientOrderId, Price, Qty, Symbol, Usd, Venue};
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde_json::json;
use server::api::app;
use std::collections::HashSet;
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// One sim hour every three seconds; marks every minute of sim time; the venues' books
/// reconcile ours every five seconds (a loaded machine can make the engine drop events).
const FAST: [(&str, &str); 3] =
    [("ARB__SIM__SPEED", "1200"), ("ARB__SIM__TICK_MS", "50"), ("ARB__JOBS__RECONCILE__CRON", "*/5 * * * * *")];

async fn raw(r: &axum::Router, uri: &str) -> (StatusCode, HeaderMap, String) {
    let res = r.clone().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8(bytes.to_vec()).unwrap())
}

async fn get<T: DeserializeOwned>(r: &axum::Router, uri: &str) -> T {
    let (s, v) = call(r, "GET", uri, None).await;
    assert_eq!(s, StatusCode::OK, "{uri}: {v}");
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{uri}: {e}: {v}"))
}

async fn wait_until<T: DeserializeOwned>(r: &axum::Router, uri: &str, what: &str, done: impl Fn(&T) -> bool) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let v: T = get(r, uri).await;
        if done(&v) {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Hold whatever the market does: only our commands close positions here.
async fn hold_positions(r: &axum::Router) {
    let (_, cfg) = call(r, "GET", "/api/v1/config", None).await;
    let mut p = cfg["params"].clone();
    p["exit_below_apr"] = json!("-1");
    p["stop_loss"] = json!("1");
    p["take_profit"] = json!("10");
    p["slice_pause_ms"] = json!(0);
    // A loaded machine lags the compressed clock: IOC legs get room to fill.
    p["slippage_cap_bps"] = json!(200);
    let (s, v) = call(r, "PUT", "/api/v1/config", Some(p)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

async fn open(r: &axum::Router, symbol: &str) -> PositionId {
    let body = json!({"symbol": symbol, "direction": "long_lighter_short_binance", "notional": "3000", "slices": 2});
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (s, v) = call(r, "POST", "/api/v1/orders/open", Some(body.clone())).await;
        if s == StatusCode::OK {
            let ack: CommandAck = serde_json::from_value(v).unwrap();
            let id = ack.positions[0];
            wait_until::<PositionView>(r, &format!("/api/v1/positions/{id}"), "the open", |p| {
                p.status == PositionStatus::Open
            })
            .await;
            return id;
        }
        // Right after start the engine may still wait for fresh data.
        assert!(Instant::now() < deadline, "open {symbol} refused: {s} {v}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every row of a list by following its cursors `limit` at a time.
async fn all_pages<T: DeserializeOwned>(r: &axum::Router, path: &str, limit: u32) -> (Vec<T>, usize) {
    let sep = if path.contains('?') { '&' } else { '?' };
    let (mut rows, mut pages, mut cursor) = (Vec::new(), 0, None::<String>);
    loop {
        let uri = match &cursor {
            Some(c) => format!("{path}{sep}limit={limit}&cursor={}", c.replace(':', "%3A")),
            None => format!("{path}{sep}limit={limit}"),
        };
        let page: Page<T> = get(r, &uri).await;
        assert!(page.rows.len() <= limit as usize);
        pages += 1;
        rows.extend(page.rows);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return (rows, pages),
        }
    }
}

/// The CSV export of `path` (same query plus `format=csv`) as its header and records.
async fn export(r: &axum::Router, path: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let sep = if path.contains('?') { '&' } else { '?' };
    let (s, headers, body) = raw(r, &format!("{path}{sep}format=csv")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert!(headers["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"history-"));
    let mut lines = parse_csv(&body).into_iter();
    (lines.next().expect("a header"), lines.collect())
}

/// A page and the export of the same query, read while the list did not change (a payment
/// settled before a close may still be reported after it).
async fn page_and_export<T: DeserializeOwned + PartialEq>(
    r: &axum::Router,
    path: &str,
) -> (Page<T>, Vec<String>, Vec<Vec<String>>) {
    for _ in 0..50 {
        let before: Page<T> = get(r, path).await;
        let (header, lines) = export(r, path).await;
        let after: Page<T> = get(r, path).await;
        if before == after {
            return (after, header, lines);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{path} kept changing");
}

/// A closed position once late reports have stopped changing it.
async fn settled(r: &axum::Router, id: PositionId) -> PositionView {
    let mut last: PositionView = get(r, &format!("/api/v1/positions/{id}")).await;
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let now: PositionView = get(r, &format!("/api/v1/positions/{id}")).await;
        if now.pnl == last.pnl {
            return now;
        }
        last = now;
    }
    panic!("position {id} kept changing: {last:?}");
}

/// RFC 4180: quoted fields may hold commas, quotes (doubled) and line breaks.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut lines, mut line, mut field, mut quoted) = (Vec::new(), Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => line.push(std::mem::take(&mut field)),
            ('\r', false) => {}
            ('\n', false) => {
                line.push(std::mem::take(&mut field));
                lines.push(std::mem::take(&mut line));
            }
            (c, _) => field.push(c),
        }
    }
    lines
}

fn records<T: Csv>(rows: &[T]) -> Vec<Vec<String>> {
    rows.iter().map(Csv::record).collect()
}

#[tokio::test]
async fn lists_filters_cursors_exports_and_the_pnl_series() {
    let t = spawn_app(&FAST).await;
    let users = users(&t.running.state).await;
    let admin = router_with(&t.running.state, users.token(Role::Admin));
    // History is read with the least role.
    let r = router_with(&t.running.state, users.token(Role::Viewer));
    hold_positions(&admin).await;
    let eth = open(&admin, "ETH").await;
    let btc = open(&admin, "BTC").await;
    // Lighter settles hourly: a few sim hours give each leg there payments.
    wait_until::<Page<FundingRecord>>(&r, "/api/v1/history/funding?venue=lighter", "payments", |p| p.total >= 4).await;
    let close = json!({"position_id": eth, "percent": "100"});
    let (s, v) = call(&admin, "POST", "/api/v1/orders/close", Some(close)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    wait_until::<PositionView>(&r, &format!("/api/v1/positions/{eth}"), "the close", |p| {
        p.status == PositionStatus::Closed
    })
    .await;
    // A payment settled before the legs closed may be reported just after: let it land.
    let closed = settled(&r, eth).await;
    let held: PositionView = get(&r, &format!("/api/v1/positions/{btc}")).await;

    // Closed positions: ETH only; its figures are the engine's.
    let page: Page<ClosedPosition> = get(&r, "/api/v1/history/positions").await;
    assert_eq!((page.total, page.rows.len(), page.next_cursor.as_deref()), (1, 1, None));
    let row = &page.rows[0];
    assert_eq!((row.id, row.status, row.closed_ms), (eth, PositionStatus::Closed, closed.closed_ms));
    assert_eq!(row.net, closed.pnl.net);
    assert_eq!(row.net, row.price_pnl + row.funding - row.fees);
    assert!(row.peak_qty.is_some_and(|q| q.0 > Decimal::ZERO), "{row:?}");
    assert_eq!(held.status, PositionStatus::Open);

    // Fills: both positions, both venues; one position's fills hold its fees and realised P&L.
    let (all, pages) = all_pages::<FillRecord>(&r, "/api/v1/history/fills", 3).await;
    let full: Page<FillRecord> = get(&r, "/api/v1/history/fills?limit=500").await;
    assert_eq!(all, full.rows, "cursor pages are the full list, in order");
    assert_eq!(pages, full.rows.len().div_ceil(3));
    assert_eq!(full.total as usize, full.rows.len());
    assert!(full.rows.windows(2).all(|w| w[0].time_ms >= w[1].time_ms), "newest first");
    assert_eq!(full.rows.iter().map(FillRecord::row_id).collect::<HashSet<_>>().len(), full.rows.len());
    let eth_fills: Page<FillRecord> = get(&r, &format!("/api/v1/history/fills?position_id={eth}&limit=500")).await;
    assert!(eth_fills.rows.len() >= 8, "two slices, two legs, open and close");
    assert_eq!(eth_fills.rows.iter().map(|f| f.fee).sum::<Usd>(), closed.pnl.fees);
    assert_eq!(eth_fills.rows.iter().map(|f| f.realized_pnl).sum::<Usd>(), closed.pnl.price_realized);
    let lighter: Page<FillRecord> = get(&r, "/api/v1/history/fills?venue=lighter&symbol=BTC&limit=500").await;
    assert!(!lighter.rows.is_empty() && lighter.rows.iter().all(|f| f.venue == Venue::Lighter && f.position_id == btc));

    // A time window: the fills of the close only (fill times are the venues' report times).
    let closing = || eth_fills.rows.iter().filter(|f| f.purpose == app::trading::OrderPurpose::Close);
    let (start, end) = (closing().map(|f| f.time_ms).min().unwrap(), closing().map(|f| f.time_ms).max().unwrap());
    let window = format!("/api/v1/history/fills?symbol=ETH&from={start}&to={end}");
    // CSV of the same query: exactly the JSON rows, exact decimals.
    let (late, header, lines) = page_and_export::<FillRecord>(&r, &window).await;
    let within: Vec<FillRecord> =
        eth_fills.rows.iter().filter(|f| (start..=end).contains(&f.time_ms)).cloned().collect();
    assert_eq!(late.rows, within);
    assert!(closing().all(|f| late.rows.contains(f)) && late.rows.len() < eth_fills.rows.len());
    assert_eq!(header, FillRecord::HEADER);
    assert_eq!(lines, records(&late.rows));
    let (first3, _, paged) = page_and_export::<FillRecord>(&r, "/api/v1/history/fills?limit=3").await;
    assert_eq!((paged, first3.rows.len()), (records(&first3.rows), 3), "an export honours limit too");
    let (positions, _, lines) = page_and_export::<ClosedPosition>(&r, "/api/v1/history/positions").await;
    assert_eq!((lines, positions.rows), (records(&page.rows), page.rows.clone()));

    // Orders: filters by symbol and status.
    let path = "/api/v1/history/orders?symbol=ETH&status=filled&limit=500";
    let (filled, _, lines) = page_and_export::<OrderView>(&r, path).await;
    assert!(filled.rows.len() >= 8);
    assert!(filled.rows.iter().all(|o| o.symbol.as_str() == "ETH" && o.status == OrderStatus::Filled));
    assert_eq!(lines, records(&filled.rows));

    // Funding payments: booked to the positions, as the ledgers hold them.
    let path = format!("/api/v1/history/funding?position_id={eth}&limit=500");
    let (pay, _, lines) = page_and_export::<FundingRecord>(&r, &path).await;
    assert_eq!(pay.rows.iter().map(|p| p.amount).sum::<Usd>(), closed.pnl.funding_settled);
    assert_eq!(lines, records(&pay.rows));

    // The series of ETH (closed: nothing more can happen to it) is exactly its records.
    let eth_series: PnlSeries = get(&r, "/api/v1/history/pnl?symbol=ETH").await;
    assert_eq!(eth_series.total.fees.0, eth_fills.rows.iter().map(|f| f.fee.0).sum::<Decimal>());
    assert_eq!(eth_series.total.price.0, eth_fills.rows.iter().map(|f| f.realized_pnl.0).sum::<Decimal>());
    assert_eq!(eth_series.total.funding.0, pay.rows.iter().map(|p| p.amount.0).sum::<Decimal>());
    assert_eq!(eth_series.total.net, closed.pnl.net, "a closed position's net is all realised");
    assert_eq!(eth_series.open.positions, 0);
    // Everything: bars per day add up to the total, the last point is the total, BTC apart.
    let series: PnlSeries = get(&r, "/api/v1/history/pnl").await;
    assert_eq!(series.days.iter().map(|d| d.pnl.net.0).sum::<Decimal>(), series.total.net.0);
    assert_eq!(series.points.last().map(|p| p.total), Some(series.total));
    assert!(series.total.fees > eth_series.total.fees, "BTC's opening fees are realised too");
    assert_eq!(series.open.positions, 1);

    // The script endpoints answer from the same queries: `/history` is the closed ETH position
    // as stored, `/pnl` groups it (from the database) with the open BTC one (from the engine).
    let legacy: Vec<PositionView> = get(&r, "/api/v1/history").await;
    assert_eq!(legacy.iter().map(|p| (p.id, p.pnl.net)).collect::<Vec<_>>(), [(eth, closed.pnl.net)]);
    let grouped: Vec<serde_json::Value> = get(&r, "/api/v1/pnl?group=position").await;
    let keys: Vec<&str> = grouped.iter().filter_map(|g| g["key"].as_str()).collect();
    let mut want = [eth.to_string(), btc.to_string()];
    want.sort();
    assert_eq!(keys, want.iter().map(String::as_str).collect::<Vec<_>>());
    let eth_row = grouped.iter().find(|g| g["key"] == eth.to_string().as_str()).unwrap();
    assert_eq!(eth_row["pnl"]["net"], serde_json::to_value(closed.pnl.net).unwrap());
    let opened_after_eth: Vec<serde_json::Value> =
        get(&r, &format!("/api/v1/pnl?group=position&from={}", closed.opened_ms + 1)).await;
    assert!(opened_after_eth.iter().all(|g| g["key"] != eth.to_string().as_str()), "{opened_after_eth:?}");
    t.running.stop().await;
}

#[tokio::test]
async fn cursors_break_ties_and_bad_parameters_are_named() {
    let t = spawn_app(&[]).await;
    let r = router_with(&t.running.state, users(&t.running.state).await.token(Role::Viewer));
    for list in ["positions", "orders", "fills", "funding", "pnl"] {
        let anonymous = app(t.running.state.clone(), None);
        let (s, _) = call(&anonymous, "GET", &format!("/api/v1/history/{list}"), None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{list}");
    }
    // Seven fills at one millisecond, three at another: paging must not lose or repeat any.
    let fill = |n: u32, time_ms: i64| FillRecord {
        client_order_id: ClientOrderId::new(&format!("seed-{n}")).unwrap(),
        filled_qty: Qty(Decimal::ONE),
        position_id: PositionId::new(99),
        strategy: app::StrategyId::manual(),
        venue: if n.is_multiple_of(2) { Venue::Binance } else { Venue::Lighter },
        symbol: Symbol::new("SOL").unwrap(),
        side: app::order::Side::Buy,
        purpose: app::trading::OrderPurpose::Open,
        qty: Qty(Decimal::ONE),
        price: Price(Decimal::new(1_234_567_891, 7)),
        fee: Usd(Decimal::new(-5, 9)),
        realized_pnl: Usd::ZERO,
        time_ms,
    };
    let seeded: Vec<FillRecord> = (0..10).map(|n| fill(n, if n < 7 { 1_000 } else { 2_000 })).collect();
    for f in &seeded {
        server::db::fills::insert(&t.running.state.db, f).await.unwrap();
        // Stored once: a second insert of the same key is ignored.
        server::db::fills::insert(&t.running.state.db, f).await.unwrap();
    }
    let (rows, pages) = all_pages::<FillRecord>(&r, "/api/v1/history/fills?symbol=SOL", 3).await;
    assert_eq!(pages, 4);
    let mut want = seeded.clone();
    want.reverse();
    assert_eq!(rows, want, "newest first, later-stored first among equal times");
    assert_eq!(rows[0].price, Price(Decimal::new(1_234_567_891, 7)), "exact");
    let (_, lines) = export(&r, "/api/v1/history/fills?symbol=SOL&venue=binance").await;
    assert_eq!(lines, records(&want.iter().filter(|f| f.venue == Venue::Binance).cloned().collect::<Vec<_>>()));
    let (_, lines) = export(&r, "/api/v1/history/fills?symbol=SOL&from=2000&to=2000").await;
    assert_eq!(lines.len(), 3);

    let cases = [
        ("/api/v1/history/positions?venue=binance", "venue"),
        ("/api/v1/history/positions?status=open", "status"),
        ("/api/v1/history/orders?status=done", "status"),
        ("/api/v1/history/fills?status=filled", "status"),
        ("/api/v1/history/fills?limit=0", "limit"),
        ("/api/v1/history/fills?limit=501", "limit"),
        ("/api/v1/history/fills?format=csv&limit=10001", "limit"),
        ("/api/v1/history/fills?limit=ten", "limit"),
        ("/api/v1/history/fills?cursor=abc", "cursor"),
        ("/api/v1/history/fills?cursor=5%3Aarb1", "cursor"),
        ("/api/v1/history/funding?from=10&to=5", "from"),
        ("/api/v1/history/funding?from=-1", "from"),
        ("/api/v1/history/funding?to=later", "to"),
        ("/api/v1/history/orders?symbol=eth", "symbol"),
        ("/api/v1/history/orders?venue=bybit", "venue"),
        ("/api/v1/history/orders?format=xml", "format"),
        ("/api/v1/history/orders?symbl=ETH", "symbl"),
        ("/api/v1/history/pnl?from=10&to=5", "from"),
        ("/api/v1/history/pnl?status=filled", "status"),
    ];
    for (uri, field) in cases {
        let (s, e) = call(&r, "GET", uri, None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{uri}: {e}");
        assert_eq!(e["error"]["field"].as_str(), Some(field), "{uri}: {e}");
    }
    // An empty history is an empty page and a CSV with only its header.
    let page: Page<ClosedPosition> = get(&r, "/api/v1/history/positions").await;
    assert_eq!((page.total, page.rows.len(), page.next_cursor), (0, 0, None));
    let (header, lines) = export(&r, "/api/v1/history/positions").await;
    assert_eq!((header.len(), lines.len()), (ClosedPosition::HEADER.len(), 0));
    t.running.stop().await;
}

//! The History page: positions opened and closed through the API on the simulated venues (a
//! compressed clock, so funding settles every six seconds), then a viewer filters the fills and
//! the page's CSV export holds exactly the rows the table shows; bad input is refused beside
//! its field; the P&L charts draw; the page fits a phone.
//!
//! `HISTORY_E2E_LOG=<file>` writes the server's log there (for a failure on a loaded machine).

use crate::harness::*;
use app::auth::Role;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The rows of the table: `[row id, symbol, venue]` each.
const TABLE: &str = r#"
    const t = document.querySelector('table#history-table');
    if (!t) return {missing: document.querySelector('.history-page')?.innerText.slice(-400) ?? location.href};
    return {list: t.dataset.list, rows: Array.from(t.querySelectorAll('tr[data-row-id]')).map(r => [
        r.dataset.rowId,
        r.querySelector('[data-col=symbol]')?.textContent ?? '',
        r.querySelector('[data-col=venue]')?.textContent.toLowerCase() ?? '',
    ])};
"#;

/// Fetch the page's own export link as the browser would download it (its session cookie),
/// and split it into records (the fields hold no commas or quotes here).
const EXPORT: &str = r#"
    const done = arguments[0];
    const a = document.querySelector('#history-export');
    fetch(a.href).then(async r => done({
        status: r.status,
        type: r.headers.get('content-type'),
        disposition: r.headers.get('content-disposition'),
        lines: (await r.text()).split('\r\n').filter(l => l.length).map(l => l.split(',')),
    }), e => done(String(e)));
"#;

/// Every amount classed negative shows its '-', and every '-' amount is classed negative.
const SIGNS: &str = r#"
    const cells = Array.from(document.querySelectorAll('.history-page .money'));
    if (!cells.length) return 'no amounts on the page';
    return cells.filter(c => c.classList.contains('neg') !== c.textContent.trim().startsWith('-'))
        .map(c => c.outerHTML);
"#;

async fn open_tab(c: &fantoccini::Client, list: &str) {
    let tab = c.find(fantoccini::Locator::Css(&format!("[data-tab={list}]"))).await.unwrap();
    tab.click().await.unwrap();
}

/// The page's own export, `[id, symbol, venue]` per record as `TABLE` reads the rows.
async fn exported_rows(c: &fantoccini::Client) -> Vec<Vec<String>> {
    let csv = c.execute_async(EXPORT, vec![]).await.unwrap();
    assert_eq!((csv["status"].as_u64(), csv["type"].as_str()), (Some(200), Some("text/csv; charset=utf-8")), "{csv}");
    assert!(csv["disposition"].as_str().is_some_and(|d| d.starts_with("attachment")), "{csv}");
    let lines: Vec<Vec<String>> = serde_json::from_value(csv["lines"].clone()).unwrap();
    let header = &lines[0];
    let col = |name: &str| header.iter().position(|h| h == name);
    let (symbol, venue) = (col("symbol").expect("a symbol column"), col("venue"));
    lines[1..]
        .iter()
        .map(|l| vec![l[0].clone(), l[symbol].clone(), venue.map(|v| l[v].clone()).unwrap_or_default()])
        .collect()
}

struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    async fn new(running: &server::startup::Running) -> Api {
        let now = running.state.clock.wall_ms();
        let (token, _) = server::auth::issue_token(&running.state.db, "e2e", Role::Admin, "admin", now, None)
            .await
            .expect("admin token");
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {token}").parse().unwrap());
        let http = reqwest::Client::builder().default_headers(headers).build().unwrap();
        Api { http, base: format!("http://{}/api/v1", running.addr) }
    }

    async fn get(&self, path: &str) -> Value {
        self.http.get(format!("{}{path}", self.base)).send().await.unwrap().json().await.unwrap()
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
        let r = self.http.request(method, format!("{}{path}", self.base)).json(&body).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    async fn until(&self, path: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let v = self.get(path).await;
            if done(&v) {
                return v;
            }
            if Instant::now() >= deadline {
                // What the engine did instead, for the failure message.
                let orders = self.get("/orders").await;
                let checks = self.get("/reconciliation?limit=3").await;
                panic!("timed out waiting for {what}: {v}\norders: {orders}\nreconciliations: {checks}");
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    async fn open(&self, symbol: &str) -> i64 {
        let body =
            json!({"symbol": symbol, "direction": "long_binance_short_lighter", "notional": "2500", "slices": 2});
        let deadline = Instant::now() + Duration::from_secs(30);
        let id = loop {
            let (s, v) = self.send(reqwest::Method::POST, "/orders/open", body.clone()).await;
            if s == 200 {
                break v["positions"][0].as_i64().unwrap();
            }
            assert!(Instant::now() < deadline, "open {symbol}: {s} {v}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        self.until(&format!("/positions/{id}"), "the open", |p| p["status"] == "open").await;
        id
    }
}

/// Keep positions until we close them, whatever the compressed market does.
async fn hold(api: &Api) {
    let mut p = api.get("/config").await["params"].clone();
    p["exit_below_apr"] = json!("-1");
    p["stop_loss"] = json!("1");
    p["take_profit"] = json!("10");
    p["slice_pause_ms"] = json!(0);
    // A loaded machine lags the compressed clock: IOC legs get room to fill.
    p["slippage_cap_bps"] = json!(200);
    let (s, v) = api.send(reqwest::Method::PUT, "/config", p).await;
    assert_eq!(s, 200, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_filters_pages_and_exports_what_it_shows() {
    if !enabled() {
        return;
    }
    if let Ok(path) = std::env::var("HISTORY_E2E_LOG") {
        let file = std::fs::File::create(path).expect("log file");
        let _ = tracing_subscriber::fmt()
            .with_env_filter("server=info")
            .with_writer(std::sync::Mutex::new(file))
            .with_ansi(false)
            .try_init();
    }
    let fast =
        [("ARB__SIM__SPEED", "600"), ("ARB__SIM__TICK_MS", "100"), ("ARB__JOBS__RECONCILE__CRON", "*/5 * * * * *")];
    // A machine loaded enough to make the engine drop venue events is caught up by the venues'
    // own books within seconds, instead of the default minute.
    session(&fast, async |s| steps(&s.client, &s.url(), s.running()).await).await;
}

async fn steps(c: &fantoccini::Client, url: &str, running: &server::startup::Running) {
    let started = Instant::now();
    let long = Duration::from_secs(30);
    // Trading through the API: ETH is opened, paid funding, and closed; SOL stays open.
    let api = Api::new(running).await;
    hold(&api).await;
    let eth = api.open("ETH").await;
    api.open("SOL").await;
    api.until("/history/funding?symbol=ETH", "ETH funding", |p| p["total"].as_u64().unwrap_or(0) >= 2).await;
    let (s, v) = api.send(reqwest::Method::POST, "/orders/close", json!({"position_id": eth, "percent": "100"})).await;
    assert_eq!(s, 200, "{v}");
    api.until(&format!("/positions/{eth}"), "the close", |p| p["status"] == "closed").await;
    // A payment settled before the close may be reported after it: wait until ETH is still.
    let mut last = Value::Null;
    for _ in 0..60 {
        let pnl = api.get(&format!("/positions/{eth}")).await["pnl"].clone();
        if pnl == last {
            break;
        }
        last = pnl;
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }
    eprintln!("history e2e: trading done in {:.1} s", started.elapsed().as_secs_f64());

    // A viewer opens History: the closed position is listed, the P&L drawn.
    login(c, &format!("{url}history"), VIEWER).await;
    let table = wait_for(c, "the closed position", TABLE, long, |v| {
        v["list"] == "positions" && v["rows"].as_array().is_some_and(|r| !r.is_empty())
    })
    .await;
    assert_eq!(table["rows"], json!([[eth.to_string(), "ETH", ""]]));
    wait_for(
        c,
        "the P&L chart",
        "return document.querySelectorAll('svg#pnl-chart polyline.series-net').length;",
        long,
        |v| v == 1,
    )
    .await;
    wait_for(c, "daily bars", "return document.querySelectorAll('svg#pnl-bars rect.bar').length;", long, |v| {
        v.as_u64().unwrap_or(0) >= 1
    })
    .await;
    c.execute("window.scrollTo(0, 0);", vec![]).await.unwrap();
    screenshot(c, "history-desktop").await;

    // Fills, filtered to ETH on Lighter.
    c.find(fantoccini::Locator::Css("[data-tab=fills]")).await.unwrap().click().await.unwrap();
    wait_for(c, "the fills", TABLE, long, |v| v["list"] == "fills").await;
    c.find(fantoccini::Locator::Css("#history-symbol")).await.unwrap().send_keys("eth").await.unwrap();
    c.execute("const s = document.querySelector('#history-venue'); s.value = 'lighter'; s.dispatchEvent(new Event('change'));", vec![]).await.unwrap();
    c.find(fantoccini::Locator::Css("#history-apply")).await.unwrap().click().await.unwrap();
    let only_eth = |v: &Value| {
        v["list"] == "fills"
            && v["rows"]
                .as_array()
                .is_some_and(|r| !r.is_empty() && r.iter().all(|r| r[1] == "ETH" && r[2] == "lighter"))
    };
    let shown = wait_for(c, "ETH fills on Lighter only", TABLE, long, only_eth).await;
    let shown: Vec<Vec<String>> = serde_json::from_value(shown["rows"].clone()).unwrap();
    c.execute("document.querySelector('.tabs').scrollIntoView();", vec![]).await.unwrap();
    screenshot(c, "history-desktop-fills").await;
    assert!(shown.len() >= 4, "two slices to open, two to close: {shown:?}");

    // The export of what is shown: exactly those rows, in that order.
    assert_eq!(exported_rows(c).await, shown, "the CSV holds exactly the rows shown");
    // The other lists under the same filter (a position has no venue: ETH only).
    for list in ["orders", "funding", "positions"] {
        open_tab(c, list).await;
        let rows = wait_for(c, list, TABLE, long, |v| {
            v["list"] == list
                && v["rows"].as_array().is_some_and(|r| {
                    !r.is_empty() && r.iter().all(|r| r[1] == "ETH" && (list == "positions" || r[2] == "lighter"))
                })
        })
        .await;
        let rows: Vec<Vec<String>> = serde_json::from_value(rows["rows"].clone()).unwrap();
        assert_eq!(exported_rows(c).await, rows, "{list}: the CSV holds exactly the rows shown");
    }
    // A position's id narrows the lists to it, starting with its fills.
    let id = format!("button[data-position='{eth}']");
    c.find(fantoccini::Locator::Css(&id)).await.unwrap().click().await.unwrap();
    wait_for(c, "the position's fills", TABLE, long, only_eth).await;
    let positions = "return Array.from(document.querySelectorAll('#history-table td[data-col=position_id]')).map(td => td.textContent);";
    let ids = c.execute(positions, vec![]).await.unwrap();
    assert!(ids.as_array().is_some_and(|a| !a.is_empty() && a.iter().all(|v| *v == json!(eth.to_string()))), "{ids}");
    assert_eq!(exported_rows(c).await.len(), ids.as_array().map_or(0, Vec::len));

    // Every sign is shown and classed alike.
    let bad = c.execute(SIGNS, vec![]).await.unwrap();
    assert_eq!(bad, json!([]), "amounts whose sign and class disagree");

    // Bad input: the message beside the field, nothing sent, the table as it was.
    let symbol = c.find(fantoccini::Locator::Css("#history-symbol")).await.unwrap();
    symbol.clear().await.unwrap();
    symbol.send_keys("ETH-USD").await.unwrap();
    c.find(fantoccini::Locator::Css("#history-apply")).await.unwrap().click().await.unwrap();
    let message = "return document.querySelector('#history-symbol-error')?.textContent ?? '';";
    wait_for(c, "the symbol's message", message, long, |v| v.as_str().is_some_and(|s| !s.is_empty())).await;
    let still = c.execute(TABLE, vec![]).await.unwrap();
    assert!(only_eth(&still), "the bad filter was not applied: {still}");

    // Paging: every order, ten at a time; each page's export holds that page.
    c.find(fantoccini::Locator::Css("#history-reset")).await.unwrap().click().await.unwrap();
    open_tab(c, "orders").await;
    let all: Vec<String> = api.get("/history/orders?limit=500").await["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["client_order_id"].as_str().unwrap().to_owned())
        .collect();
    assert!(all.len() > 10 && all.len() <= 20, "two pages of ten: {all:?}");
    c.execute(
        "const s = document.querySelector('#history-limit'); s.value = '10'; s.dispatchEvent(new Event('change'));",
        vec![],
    )
    .await
    .unwrap();
    let info = "return document.querySelector('#history-page-info')?.textContent ?? '';";
    let first = format!("Page 1 of 2 · {} rows", all.len());
    wait_for(c, "page 1 of 2", info, long, |v| v.as_str() == Some(first.as_str())).await;
    let page1 = wait_for(c, "ten orders", TABLE, long, |v| v["rows"].as_array().is_some_and(|r| r.len() == 10)).await;
    let page1: Vec<Vec<String>> = serde_json::from_value(page1["rows"].clone()).unwrap();
    assert_eq!(exported_rows(c).await, page1);
    c.find(fantoccini::Locator::Css("#history-older")).await.unwrap().click().await.unwrap();
    let second = format!("Page 2 of 2 · {} rows", all.len());
    wait_for(c, "page 2 of 2", info, long, |v| v.as_str() == Some(second.as_str())).await;
    let page2 = wait_for(c, "the older orders", TABLE, long, |v| {
        v["rows"].as_array().is_some_and(|r| r.len() == all.len() - 10)
    })
    .await;
    let page2: Vec<Vec<String>> = serde_json::from_value(page2["rows"].clone()).unwrap();
    assert_eq!(exported_rows(c).await, page2);
    let paged: Vec<String> = page1.iter().chain(&page2).map(|r| r[0].clone()).collect();
    assert_eq!(paged, all, "two pages: every order once, newest first");
    let disabled = "return document.querySelector('#history-older').disabled;";
    assert_eq!(c.execute(disabled, vec![]).await.unwrap(), json!(true));

    // A phone: nothing wider than the screen but the table's own scroller.
    c.set_window_size(390, 844).await.unwrap();
    open_tab(c, "positions").await;
    wait_for(c, "positions again", TABLE, long, |v| v["list"] == "positions").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let overflow = "return document.documentElement.scrollWidth - window.innerWidth;";
    let extra = c.execute(overflow, vec![]).await.unwrap();
    assert!(extra.as_i64().is_some_and(|px| px <= 0), "the page is {extra} px wider than a phone");
    c.execute("window.scrollTo(0, 0);", vec![]).await.unwrap();
    screenshot(c, "history-phone").await;
    c.execute("document.querySelector('.tabs').scrollIntoView();", vec![]).await.unwrap();
    screenshot(c, "history-phone-table").await;
    eprintln!("history e2e: done in {:.1} s", started.elapsed().as_secs_f64());
}

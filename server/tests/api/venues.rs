//! The real connectors in the server, pointed at the local fakes by configuration alone, and
//! `server doctor` telling what is right and wrong with a venue's setup.

use crate::helpers::{settings, spawn_app};
use app::api::FundingBoard;
use app::{Symbol, Venue};
use fakes::binance::{FakeConfig as BinanceFakeConfig, FakeHandle, spawn as spawn_binance};
use fakes::lighter::{DEMO_ACCOUNT, DEMO_API_KEY_INDEX, DEMO_PRIVATE_KEY, FakeConfig, FakeLighter};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use server::doctor::{self, Verdict};
use std::time::{Duration, Instant};

pub struct Fakes {
    pub binance: FakeHandle,
    pub lighter: FakeLighter,
}

impl Fakes {
    pub async fn start() -> Fakes {
        let (binance, _) = spawn_binance(BinanceFakeConfig::default()).expect("fake Binance binds");
        let (lighter, _) = FakeLighter::start(FakeConfig::default().with_demo_account()).await.expect("fake Lighter");
        Fakes { binance, lighter }
    }

    /// The configuration that swaps both simulators for the connectors on the fakes.
    pub fn vars(&self, keys: bool) -> Vec<(String, String)> {
        let mut v = vec![
            ("ARB__VENUES__BINANCE__MODE", "testnet".to_string()),
            ("ARB__VENUES__BINANCE__REST_URL", self.binance.rest_url()),
            ("ARB__VENUES__BINANCE__WS_URL", self.binance.ws_url()),
            ("ARB__VENUES__LIGHTER__MODE", "testnet".to_string()),
            ("ARB__VENUES__LIGHTER__REST_URL", self.lighter.rest_url()),
            ("ARB__VENUES__LIGHTER__WS_URL", self.lighter.ws_url()),
        ];
        if keys {
            v.extend([
                ("ARB__VENUES__BINANCE__API_KEY", self.binance.api_key().to_string()),
                ("ARB__VENUES__BINANCE__API_SECRET", self.binance.api_secret().to_string()),
                ("ARB__VENUES__LIGHTER__ACCOUNT_INDEX", DEMO_ACCOUNT.to_string()),
                ("ARB__VENUES__LIGHTER__API_KEY_INDEXES", DEMO_API_KEY_INDEX.to_string()),
                ("ARB__VENUES__LIGHTER__API_SECRET", DEMO_PRIVATE_KEY.to_string()),
            ]);
        }
        v.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }
}

fn refs(vars: &[(String, String)]) -> Vec<(&str, &str)> {
    vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

async fn board(http: &reqwest::Client, base: &str) -> FundingBoard {
    http.get(format!("{base}/api/v1/funding-rates")).send().await.unwrap().json().await.unwrap()
}

/// Poll the board until `ok` holds (the feeds push within a second or two).
async fn wait_board(
    http: &reqwest::Client,
    base: &str,
    what: &str,
    ok: impl Fn(&FundingBoard) -> bool,
) -> FundingBoard {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let b = board(http, base).await;
        if ok(&b) {
            return b;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}: {b:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn rate(b: &FundingBoard, symbol: &str, venue: Venue) -> Option<(Decimal, u32)> {
    let row = b.rows.iter().find(|r| r.symbol.as_str() == symbol)?;
    row.venue(venue).map(|f| (f.rate.rate, f.rate.interval.hours()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_shows_the_fakes_data_with_a_configuration_change_only() {
    let fakes = Fakes::start().await;
    assert!(fakes.binance.set_funding_rate("BTCUSDT", dec!(0.00037)));
    fakes.lighter.set_funding(1, "0.0042", "0.0030");
    let vars = fakes.vars(false);
    let app = spawn_app(&refs(&vars)).await;
    let base = format!("http://{}", app.running.addr);
    let http = crate::helpers::admin_client(&app.running.state).await;

    let status: serde_json::Value =
        http.get(format!("{base}/api/v1/status")).send().await.unwrap().json().await.unwrap();
    assert!(status.to_string().contains("testnet"), "status names the mode: {status}");

    // Binance quotes 8-hourly rates as sent; Lighter's percent per hour becomes a fraction per hour.
    let b = wait_board(&http, &base, "both fakes on the board", |b| {
        ["BTC", "ETH", "SOL"]
            .iter()
            .all(|s| rate(b, s, Venue::Binance).is_some() && rate(b, s, Venue::Lighter).is_some())
    })
    .await;
    assert_eq!(rate(&b, "BTC", Venue::Binance), Some((dec!(0.00037), 8)));
    assert_eq!(rate(&b, "BTC", Venue::Lighter), Some((dec!(0.000042), 1)));
    let btc = b.rows.iter().find(|r| r.symbol == Symbol::new("BTC").unwrap()).unwrap();
    assert!(btc.spread.is_some(), "a spread between the two fakes' rates");

    // Live: a change at the venue reaches the board without a restart.
    assert!(fakes.binance.set_funding_rate("ETHUSDT", dec!(-0.00021)));
    fakes.binance.push_market();
    wait_board(&http, &base, "the new ETH rate", |b| rate(b, "ETH", Venue::Binance) == Some((dec!(-0.00021), 8))).await;
    fakes.lighter.set_funding(0, "-0.0015", "0.0010");
    wait_board(&http, &base, "the new Lighter ETH rate", |b| {
        rate(b, "ETH", Venue::Lighter) == Some((dec!(-0.000015), 1))
    })
    .await;

    // No keys: read-only, and a trading request says so instead of half-sending a slice.
    let resp = http
        .post(format!("{base}/api/v1/orders/open"))
        .json(&serde_json::json!({"symbol": "BTC", "direction": "long_lighter_short_binance", "notional": "1000"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
    let body = resp.text().await.unwrap();
    assert!(body.contains("read-only"), "{body}");
    app.running.stop().await;
}

fn report_settings(vars: &[(String, String)]) -> (server::settings::Settings, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (settings(&refs(vars), &dir), dir)
}

fn with(mut vars: Vec<(String, String)>, key: &str, value: &str) -> Vec<(String, String)> {
    vars.retain(|(k, _)| k != key);
    vars.push((key.to_string(), value.to_string()));
    vars
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_passes_a_good_setup_and_names_each_problem() {
    let fakes = Fakes::start().await;
    let (good, _d) = report_settings(&fakes.vars(true));
    let report = doctor::diagnose(&good).await;
    assert!(report.passed(), "{report}");
    for check in ["reachability", "clock", "api key", "position mode", "balance"] {
        for venue in Venue::ALL {
            let f = report.get(venue, check).unwrap_or_else(|| panic!("{venue} {check} missing:\n{report}"));
            assert_eq!(f.verdict, Verdict::Ok, "{report}");
        }
    }
    assert!(report.get(Venue::Binance, "balance").unwrap().detail.contains("100000"), "{report}");

    // No keys: runs, read-only, warned.
    let (read_only, _d) = report_settings(&fakes.vars(false));
    let report = doctor::diagnose(&read_only).await;
    assert!(report.passed(), "{report}");
    assert_eq!(report.get(Venue::Binance, "api key").unwrap().verdict, Verdict::Warn);
    assert!(report.get(Venue::Lighter, "api key").unwrap().detail.contains("read-only"), "{report}");

    // A wrong Binance secret, a wrong Lighter slot: each named, with what to do.
    let vars = with(fakes.vars(true), "ARB__VENUES__BINANCE__API_SECRET", "not-the-secret");
    let vars = with(vars, "ARB__VENUES__LIGHTER__API_KEY_INDEXES", "5");
    let (bad, _d) = report_settings(&vars);
    let report = doctor::diagnose(&bad).await;
    assert!(!report.passed());
    let b = report.get(Venue::Binance, "api key").unwrap();
    assert_eq!(b.verdict, Verdict::Fail);
    assert!(b.detail.contains("api_secret does not belong to api_key"), "{report}");
    let l = report.get(Venue::Lighter, "api key").unwrap();
    assert!(l.detail.contains("slot 5 is not registered on account 100042"), "{report}");
    let text = report.to_string();
    assert!(!text.contains("not-the-secret") && !text.contains(DEMO_PRIVATE_KEY), "no secret printed: {text}");

    // A key in the right slot that is not the registered one.
    let other_key = format!("03{}", &DEMO_PRIVATE_KEY[2..]);
    let (wrong, _d) = report_settings(&with(fakes.vars(true), "ARB__VENUES__LIGHTER__API_SECRET", &other_key));
    let l = doctor::diagnose(&wrong).await;
    assert!(l.get(Venue::Lighter, "api key").unwrap().detail.contains("wrong key or wrong slot"), "{l}");

    // Hedge mode on Binance is refused with the fix.
    let config = server::venue::build::binance_config(&good.venues.binance);
    let client = server::venue::binance::BinanceVenue::new(config).unwrap();
    client.rest().set_dual_side(true).await.expect("switch the fake to hedge mode");
    let report = doctor::diagnose(&good).await;
    let p = report.get(Venue::Binance, "position mode").unwrap();
    assert_eq!(p.verdict, Verdict::Fail);
    assert!(p.detail.contains("One-way"), "{report}");

    // Nothing listening: unreachable, said plainly.
    let dead = format!("http://127.0.0.1:{}", closed_port());
    let vars = with(fakes.vars(false), "ARB__VENUES__BINANCE__REST_URL", &dead);
    let vars = with(vars, "ARB__VENUES__LIGHTER__REST_URL", &dead);
    let (down, _d) = report_settings(&vars);
    let report = doctor::diagnose(&down).await;
    for venue in Venue::ALL {
        let f = report.get(venue, "reachability").unwrap();
        assert_eq!(f.verdict, Verdict::Fail, "{report}");
        assert!(f.detail.contains("cannot reach"), "{report}");
    }
}

fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_venue_down_at_start_up_joins_the_board_when_it_comes_up() {
    let (lighter, _) = FakeLighter::start(FakeConfig::default()).await.expect("fake Lighter");
    let port = closed_port();
    let addr: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
    let vars: Vec<(String, String)> = [
        ("ARB__VENUES__BINANCE__MODE", "testnet".to_string()),
        ("ARB__VENUES__BINANCE__REST_URL", format!("http://{addr}")),
        ("ARB__VENUES__BINANCE__WS_URL", format!("ws://{addr}")),
        ("ARB__VENUES__LIGHTER__MODE", "testnet".to_string()),
        ("ARB__VENUES__LIGHTER__REST_URL", lighter.rest_url()),
        ("ARB__VENUES__LIGHTER__WS_URL", lighter.ws_url()),
        ("ARB__COLLECTOR__REDISCOVER_SECS", "1".to_string()),
    ]
    .map(|(k, v)| (k.to_string(), v))
    .to_vec();
    let app = spawn_app(&refs(&vars)).await;
    let base = format!("http://{}", app.running.addr);
    let http = crate::helpers::admin_client(&app.running.state).await;
    wait_board(&http, &base, "Lighter alone", |b| rate(b, "BTC", Venue::Lighter).is_some()).await;
    assert!(rate(&board(&http, &base).await, "BTC", Venue::Binance).is_none(), "Binance is down");

    let (_binance, _) = fakes::binance::FakeBinance::start_at(BinanceFakeConfig::default(), addr).unwrap();
    wait_board(&http, &base, "Binance after it comes up", |b| rate(b, "BTC", Venue::Binance).is_some()).await;
    app.running.stop().await;
}

//! The board on the real connectors: the server is pointed at the local fakes of Binance and
//! Lighter by configuration alone, and the SPA shows their rates and follows their changes.

use crate::harness::*;
use fakes::binance::{FakeConfig as BinanceFakeConfig, spawn as spawn_binance};
use fakes::lighter::{FakeConfig, FakeLighter};
use rust_decimal_macros::dec;
use std::time::Duration;

const ROWS: &str = "return Array.from(document.querySelectorAll('table#funding-board tr[data-symbol]')).map(r => r.dataset.symbol).sort().join(',');";

fn cell(symbol: &str, col: &str) -> String {
    format!(
        "return document.querySelector('table#funding-board tr[data-symbol=\"{symbol}\"] td[data-col=\"{col}\"]')?.textContent ?? null;"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn board_shows_the_fakes_when_configured_to_use_them() {
    if !enabled() {
        return;
    }
    let (binance, _) = spawn_binance(BinanceFakeConfig::default()).expect("fake Binance");
    let (lighter, _) = FakeLighter::start(FakeConfig::default()).await.expect("fake Lighter");
    // 0.037 % per 8 h = 40.52 % APR; Lighter 0.0042 % per hour = 36.79 % APR.
    assert!(binance.set_funding_rate("BTCUSDT", dec!(0.00037)));
    lighter.set_funding(1, "0.0042", "0.0030");
    let urls = [binance.rest_url(), binance.ws_url(), lighter.rest_url(), lighter.ws_url()];
    let config = [
        ("ARB__VENUES__BINANCE__MODE", "testnet"),
        ("ARB__VENUES__BINANCE__REST_URL", urls[0].as_str()),
        ("ARB__VENUES__BINANCE__WS_URL", urls[1].as_str()),
        ("ARB__VENUES__LIGHTER__MODE", "testnet"),
        ("ARB__VENUES__LIGHTER__REST_URL", urls[2].as_str()),
        ("ARB__VENUES__LIGHTER__WS_URL", urls[3].as_str()),
    ];
    session(&config, async |s| {
        let (c, url) = (&s.client, s.url());
        let long = Duration::from_secs(30);
        login(c, &url, VIEWER).await;
        wait_for(c, "a live connection", "return document.querySelector('#conn-status')?.dataset.state;", long, |v| {
            v == "live"
        })
        .await;
        wait_for(c, "the fakes' three symbols", ROWS, long, |v| v == "BTC,ETH,SOL").await;
        let apr = |v: &serde_json::Value, want: &str| v.as_str().is_some_and(|s| s.contains(want));
        wait_for(c, "Binance BTC APR", &cell("BTC", "binance-apr"), long, |v| apr(v, "40.5")).await;
        wait_for(c, "Lighter BTC APR", &cell("BTC", "lighter-apr"), long, |v| apr(v, "36.7")).await;
        wait_for(c, "Binance interval", &cell("BTC", "binance-interval"), long, |v| apr(v, "8")).await;
        wait_for(c, "Lighter interval", &cell("BTC", "lighter-interval"), long, |v| apr(v, "1")).await;
        screenshot(c, "board-on-fakes-desktop").await;
        // A change at the fake reaches the page without a reload.
        assert!(binance.set_funding_rate("BTCUSDT", dec!(-0.0001)));
        binance.push_market();
        wait_for(c, "the new Binance BTC APR", &cell("BTC", "binance-apr"), long, |v| apr(v, "10.9")).await;
    })
    .await;
}

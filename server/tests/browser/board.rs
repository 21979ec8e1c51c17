//! The funding board: live rates without a reload, a connection indicator that recovers after
//! the server drops the socket, and the 7-day history chart.

use crate::harness::*;
use std::time::Duration;

const STATE: &str = "return document.querySelector('#conn-status')?.dataset.state ?? null;";
const RATES: &str = "return Array.from(document.querySelectorAll('table#funding-board td[data-col$=\"-per-hour\"]')).map(td => td.textContent).join('|');";
const ROWS: &str = "return document.querySelectorAll('table#funding-board tr[data-symbol]').length;";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn board_is_live_recovers_and_charts_history() {
    if !enabled() {
        return;
    }
    session(&[], async |s| steps(s).await).await;
}

async fn steps(s: &mut Session) {
    // The client outlives the server's restarts.
    let (client, url) = (s.client.clone(), s.url());
    let (c, url) = (&client, url.as_str());
    let long = Duration::from_secs(30);
    login(c, url, VIEWER).await;
    wait_for(c, "a live connection", STATE, long, |v| v == "live").await;
    wait_for(c, "18 board rows", ROWS, long, |v| v.as_u64() == Some(18)).await;

    // Rates change without a reload.
    let first = wait_for(c, "rates", RATES, long, |v| v.as_str().is_some_and(|s| !s.is_empty())).await;
    wait_for(c, "rates to change", RATES, long, |v| v != &first).await;
    screenshot(c, "board-desktop").await;

    // The history chart renders both venues for the selected symbol.
    c.find(fantoccini::Locator::Css("tr[data-symbol='BTC']")).await.unwrap().click().await.unwrap();
    let points = |venue: &str| {
        format!(
            "return document.querySelector('svg#history-chart[data-symbol=\"BTC\"] polyline.series-{venue}')?.getAttribute('points')?.trim().split(/\\s+/).length ?? 0;"
        )
    };
    wait_for(c, "binance history", &points("binance"), long, |v| v.as_u64().unwrap_or(0) >= 10).await;
    wait_for(c, "lighter history", &points("lighter"), long, |v| v.as_u64().unwrap_or(0) >= 100).await;
    screenshot(c, "board-chart-desktop").await;

    // The server goes away: the indicator shows it; the server returns: it recovers by itself.
    s.stop_server().await;
    wait_for(c, "the indicator to show the drop", STATE, long, |v| v != "live").await;
    s.start_server().await;
    wait_for(c, "reconnection", STATE, long, |v| v == "live").await;
    let after = wait_for(c, "rates after reconnect", RATES, long, |v| v.as_str().is_some_and(|s| !s.is_empty())).await;
    wait_for(c, "rates to change after reconnect", RATES, long, |v| v != &after).await;

    c.set_window_size(390, 844).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    screenshot(c, "board-phone").await;
}

//! The app under its security headers: the page is served with the Content-Security-Policy,
//! a person logs in through the form, the dashboard fills with live rates over the WebSocket,
//! and Chromium reports no violation of the policy. An inline script added at the end must be
//! refused and reported, which shows both that the policy is in force and that the console
//! is really being read.

use crate::harness::*;
use crate::session::{LONG, sign_in_with_form};
use fantoccini::Client;

const STATE: &str = "return document.querySelector('#conn-status')?.dataset.state ?? null;";
const RATES: &str = "return Array.from(document.querySelectorAll('table#funding-board td[data-col$=\"-per-hour\"]')).map(td => td.textContent).join('|');";

fn violations(log: &[(String, String)]) -> Vec<&String> {
    log.iter().map(|(_, m)| m).filter(|m| m.contains("Content Security Policy")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_runs_under_its_content_security_policy() {
    if !enabled() {
        return;
    }
    session(&[], async |s| steps(&s.client, &s.url()).await).await;
}

async fn steps(c: &Client, url: &str) {
    let page = reqwest::get(url).await.expect("the page");
    let csp = page.headers()["content-security-policy"].to_str().unwrap_or_default().to_owned();
    assert!(csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"), "{csp}");

    c.goto(url).await.expect("open the app");
    sign_in_with_form(c, VIEWER.0, VIEWER.1).await;
    wait_for(c, "a live connection", STATE, LONG, |v| v == "live").await;
    let first = wait_for(c, "rates", RATES, LONG, |v| v.as_str().is_some_and(|s| !s.is_empty())).await;
    wait_for(c, "rates to change", RATES, LONG, |v| v != &first).await;
    let log = console(c).await;
    assert!(violations(&log).is_empty(), "CSP violations: {log:?}");

    // An inline script (what an injection would add) does not run, and the refusal reaches
    // the console we read. (WebDriver's own scripts are exempt from the policy.)
    let inject = "const s = document.createElement('script'); s.textContent = 'window.injected = true;'; \
        document.head.append(s); return window.injected === true;";
    assert_eq!(c.execute(inject, vec![]).await.expect("the inline-script probe"), false);
    let log = console(c).await;
    assert!(!violations(&log).is_empty(), "the refused inline script is reported: {log:?}");
}

//! The Config page: bad input in the parameter form is shown beside its field and nothing is
//! sent; a good change through the form becomes the next version, appears in the history with
//! its diff, is what `GET /config` answers and what the engine runs on.

use crate::harness::*;
use fantoccini::{Client, Locator};
use serde_json::Value;
use std::time::Duration;

/// Counts every request the page sends other than GET, whatever sends it.
pub const COUNT_WRITES: &str = r#"
    if (!window.__writes) {
        window.__writes = [];
        const original = window.fetch;
        window.fetch = function (input, init) {
            const method = (init && init.method) || (input && input.method) || 'GET';
            if (method.toUpperCase() !== 'GET') window.__writes.push(method + ' ' + (input.url || input));
            return original.apply(this, arguments);
        };
    }
    return true;
"#;
pub const WRITES: &str = "return window.__writes.length;";

/// Type `value` into the input of parameter `field` as a user would (an `input` event).
pub async fn set_param(c: &Client, field: &str, value: &str) {
    let script = format!(
        "const el = document.querySelector('form#params-form [data-field={field}] input');
         el.value = {value:?}; el.dispatchEvent(new Event('input', {{bubbles: true}})); return true;"
    );
    c.execute(&script, vec![]).await.expect("set a parameter");
}

pub fn error_beside(field: &str) -> String {
    format!(
        "return document.querySelector('form#params-form [data-field={field}] [data-error-for={field}]')?.textContent ?? null;"
    )
}

/// `GET path` from the page (with its session), as JSON.
pub async fn fetch_json(c: &Client, path: &str) -> Value {
    let script = format!(
        "const done = arguments[arguments.length - 1];
         fetch({path:?}).then(r => r.json()).then(done, e => done(String(e)));"
    );
    c.execute_async(&script, vec![]).await.expect("fetch from the page")
}

pub async fn open_config(c: &Client, base: &str) {
    c.goto(&format!("{base}config")).await.unwrap();
    let loaded = "return document.querySelector('form#params-form [data-field=entry_min_apr] input')?.value ?? '';";
    wait_for(c, "the parameters to load", loaded, Duration::from_secs(30), |v| v == "0.15").await;
    wait_for(
        c,
        "the history",
        "return document.querySelectorAll('table#params-history tr[data-version]').length;",
        Duration::from_secs(30),
        |v| v.as_u64() >= Some(1),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_beside_the_field_and_a_good_change_becomes_a_version() {
    if !enabled() {
        return;
    }
    let driver = start_driver().await;
    let profile = tempfile::tempdir().unwrap();
    let server = TestServer::new();
    let running = server.start().await;
    let client = browser(&driver, &profile).await;
    let outcome = tokio::spawn({
        let c = client.clone();
        let url = server.url();
        async move { steps(&c, &url).await }
    })
    .await;
    let _ = client.close().await;
    running.stop().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

async fn steps(c: &Client, url: &str) {
    let long = Duration::from_secs(30);
    open_config(c, url).await;
    c.execute(COUNT_WRITES, vec![]).await.unwrap();

    // Bad input: the message appears beside the field at once, and a save sends nothing.
    set_param(c, "entry_min_apr", "abc").await;
    wait_for(c, "the message beside the field", &error_beside("entry_min_apr"), long, |v| {
        v == "must be a number, e.g. 0.15"
    })
    .await;
    set_param(c, "entry_min_apr", "-1").await;
    set_param(c, "slices", "0").await;
    wait_for(c, "the range message", &error_beside("entry_min_apr"), long, |v| {
        v == "must be between 0 and 10 (1000 % APR)"
    })
    .await;
    wait_for(c, "the slices message", &error_beside("slices"), long, |v| v == "must be 1 to 100").await;
    // Other fields stay unmarked.
    let quiet = c.execute(&error_beside("horizon_hours"), vec![]).await.unwrap();
    assert_eq!(quiet, "");
    screenshot(c, "config-invalid-desktop").await;
    c.find(Locator::Css("#params-save")).await.unwrap().click().await.unwrap();
    let said = "return document.querySelector('#params-outcome')?.textContent ?? '';";
    wait_for(c, "the refusal note", said, long, |v| v.as_str().is_some_and(|s| s.starts_with("Nothing sent"))).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(c.execute(WRITES, vec![]).await.unwrap(), 0, "nothing may be sent while a field is bad");
    assert_eq!(fetch_json(c, "/api/v1/config").await["version"], 1);

    // A good change: the next version, with its diff in the history.
    set_param(c, "entry_min_apr", "0.2").await;
    set_param(c, "slices", "7").await;
    let pending = "return document.querySelectorAll('#params-pending li[data-field]').length;";
    wait_for(c, "two pending changes", pending, long, |v| v == 2).await;
    c.find(Locator::Css("#params-save")).await.unwrap().click().await.unwrap();
    let row = "table#params-history tr[data-version='2']";
    let diff = format!(
        "const li = document.querySelector(\"{row} li[data-field=entry_min_apr]\");
         return li ? li.querySelector('del').textContent + '>' + li.querySelector('ins').textContent : null;"
    );
    wait_for(c, "version 2 in the history", &diff, long, |v| v == "0.15>0.2").await;
    let slices = format!("return document.querySelector(\"{row} li[data-field=slices]\")?.textContent ?? null;");
    let text = wait_for(c, "the slices change", &slices, long, |v| v.is_string()).await;
    assert!(text.as_str().is_some_and(|t| t.contains('4') && t.contains('7')), "{text}");
    assert_eq!(c.execute(WRITES, vec![]).await.unwrap(), 1, "one PUT");
    wait_for(c, "the saved note", said, long, |v| v.as_str().is_some_and(|s| s.contains("version 2"))).await;

    // It is what the server answers and what the engine runs on.
    let config = fetch_json(c, "/api/v1/config").await;
    assert_eq!((config["version"].as_i64(), config["params"]["entry_min_apr"].as_str()), (Some(2), Some("0.2")));
    assert_eq!(config["params"]["slices"], 7);
    assert_eq!(fetch_json(c, "/api/v1/engine/status").await["params_version"], 2);
    c.execute("window.scrollTo(0, 0); return true;", vec![]).await.unwrap();
    screenshot(c, "config-desktop").await;

    // The System page shows the version in effect.
    c.goto(&format!("{url}system")).await.unwrap();
    let version = "return document.querySelector('#engine-status [data-field=params_version]')?.textContent ?? null;";
    wait_for(c, "the engine's parameter version", version, long, |v| v == "version 2").await;

    c.set_window_size(390, 844).await.unwrap();
    c.goto(&format!("{url}config")).await.unwrap();
    let loaded = "return document.querySelector('form#params-form [data-field=entry_min_apr] input')?.value ?? '';";
    wait_for(c, "the parameters on a phone", loaded, long, |v| v == "0.2").await;
    let fits = "return document.documentElement.scrollWidth <= window.innerWidth + 1;";
    assert_eq!(c.execute(fits, vec![]).await.unwrap(), true, "the config page must not scroll sideways on a phone");
    screenshot(c, "config-phone").await;
}

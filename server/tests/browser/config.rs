//! The Config page: bad input in the parameter form is shown beside its field and nothing is
//! sent; an admin's change through the form becomes the next version, appears in the history
//! with its diff and in the audit log, is what `GET /config` answers and what the engine runs
//! on; a trader's change is refused by the server; admins manage users.

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

/// `PUT path` with `body` from the page, with the session's CSRF token; the status and body.
pub async fn put_json(c: &Client, path: &str, body: &Value) -> (u64, Value) {
    let script = r#"
        const [path, body, done] = arguments;
        fetch('/api/v1/auth/me').then(r => r.json()).then(me =>
            fetch(path, {method: 'PUT', body: JSON.stringify(body),
                headers: {'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token}}))
            .then(r => r.json().then(b => done([r.status, b])), e => done([0, String(e)]));
    "#;
    let v = c.execute_async(script, vec![path.into(), body.clone()]).await.expect("PUT from the page");
    (v[0].as_u64().unwrap_or(0), v[1].clone())
}

/// Open the Config page and wait for the parameters (`entry_min_apr` = `apr`) and history.
pub async fn open_config(c: &Client, base: &str, apr: &str) {
    let long = Duration::from_secs(30);
    c.goto(&format!("{base}config")).await.unwrap();
    let loaded = "return document.querySelector('form#params-form [data-field=entry_min_apr] input')?.value ?? '';";
    wait_for(c, "the parameters to load", loaded, long, |v| v == apr).await;
    let rows = "return document.querySelectorAll('table#params-history tr[data-version]').length;";
    wait_for(c, "the history", rows, long, |v| v.as_u64() >= Some(1)).await;
}

const EDITABLE: &str =
    "return document.querySelector('form#params-form [data-field=entry_min_apr] input')?.disabled === false;";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_beside_the_field_and_an_admins_change_takes_effect() {
    if !enabled() {
        return;
    }
    session(&[], async |s| admin_steps(&s.client, &s.url()).await).await;
}

async fn admin_steps(c: &Client, url: &str) {
    let long = Duration::from_secs(30);
    login(c, url, ADMIN).await;
    open_config(c, url, "0.15").await;
    wait_for(c, "the form to be editable for an admin", EDITABLE, long, |v| v == true).await;
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
    click(c, "#params-save").await;
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
    click(c, "#params-save").await;
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

    // The System page shows the version in effect, and the change in the audit log: who, and
    // each parameter before and after.
    c.goto(&format!("{url}system")).await.unwrap();
    let version = "return document.querySelector('#engine-status [data-field=params_version]')?.textContent ?? null;";
    wait_for(c, "the engine's parameter version", version, long, |v| v == "version 2").await;
    let audit = r#"
        const row = document.querySelector('table#audit-log tr[data-action="config.update"]');
        if (!row) return null;
        const col = c => row.querySelector(`td[data-col=${c}]`).textContent;
        const change = f => { const li = row.querySelector(`td[data-col=changes] li[data-field="${f}"]`);
            return li ? li.querySelector('del').textContent + '>' + li.querySelector('ins').textContent : null; };
        return [col('actor'), col('action'), col('target'), row.dataset.outcome, Number(row.dataset.auditId) > 0,
                change('params.entry_min_apr'), change('params.slices'), change('version')];
    "#;
    let entry = wait_for(c, "the change in the audit log", audit, long, |v| v.is_array()).await;
    let want = serde_json::json!(["admin", "config.update", "version 2", "ok", true, "0.15>0.2", "4>7", "1>2"]);
    assert_eq!(entry, want, "the audit row names the admin and each change");

    c.set_window_size(390, 844).await.unwrap();
    open_config(c, url, "0.2").await;
    let fits = "return document.documentElement.scrollWidth <= window.innerWidth + 1;";
    assert_eq!(c.execute(fits, vec![]).await.unwrap(), true, "the config page must not scroll sideways on a phone");
    screenshot(c, "config-phone").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_traders_change_is_refused_by_the_server() {
    if !enabled() {
        return;
    }
    session(&[], async |s| {
        let (c, url) = (s.client.clone(), s.url());
        let long = Duration::from_secs(30);
        login(&c, &url, TRADER).await;
        open_config(&c, &url, "0.15").await;
        // The page shows the parameters read-only, without a save button or the users.
        let badge = "return document.querySelector('#config-read-only') !== null;";
        wait_for(&c, "the read-only note", badge, long, |v| v == true).await;
        assert_eq!(c.execute(EDITABLE, vec![]).await.unwrap(), false);
        let controls = "return [!!document.querySelector('#params-save'), !!document.querySelector('#users-table')];";
        assert_eq!(c.execute(controls, vec![]).await.unwrap(), serde_json::json!([false, false]));

        // Hiding the button is not the protection: the server refuses the trader's PUT, sent
        // with the session's own CSRF token.
        let mut params = fetch_json(&c, "/api/v1/config").await["params"].clone();
        params["slices"] = 9.into();
        let (status, body) = put_json(&c, "/api/v1/config", &params).await;
        assert_eq!((status, body["error"]["code"].as_str()), (403, Some("forbidden")), "{body}");
        let config = fetch_json(&c, "/api/v1/config").await;
        assert_eq!((config["version"].as_i64(), config["params"]["slices"].as_i64()), (Some(1), Some(4)));
        c.execute("window.scrollTo(0, 0); return true;", vec![]).await.unwrap();
        screenshot(&c, "config-trader-desktop").await;
    })
    .await;
}

fn user_cell(name: &str, col: &str) -> String {
    format!(
        "return document.querySelector('#users-table tr[data-username=\"{name}\"] [data-col={col}]')?.textContent ?? null;"
    )
}

/// Find `css` and act on it; found again if the page re-rendered it meanwhile (a live list
/// replaces its rows when it reloads).
async fn on_element<F, Fut>(c: &Client, css: &str, act: F)
where
    F: Fn(fantoccini::elements::Element) -> Fut,
    Fut: std::future::Future<Output = Result<(), fantoccini::error::CmdError>>,
{
    let mut last = String::new();
    for _ in 0..20 {
        match c.find(Locator::Css(css)).await {
            Ok(el) => match act(el).await {
                Ok(()) => return,
                Err(e) => last = e.to_string(),
            },
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    panic!("{css}: {last}");
}

/// Click `css` in the middle of the window, where the sticky top bar cannot cover it.
pub async fn click(c: &Client, css: &str) {
    on_element(c, css, |el| async move {
        let center = "arguments[0].scrollIntoView({block: 'center'}); return true;";
        let arg = serde_json::to_value(&el).map_err(|e| fantoccini::error::CmdError::NotJson(e.to_string()))?;
        c.execute(center, vec![arg]).await?;
        el.click().await
    })
    .await;
}

async fn type_into(c: &Client, css: &str, text: &str) {
    on_element(c, css, |el| async move {
        el.clear().await?;
        el.send_keys(text).await
    })
    .await;
}

/// Pick `value` in the `<select>` at `css` (a `change` event, as a user's pick).
async fn pick(c: &Client, css: &str, value: &str) {
    let script = format!(
        "const s = document.querySelector({css:?}); s.value = {value:?};
         s.dispatchEvent(new Event('change', {{bubbles: true}})); return true;"
    );
    c.execute(&script, vec![]).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_edits_symbol_rules_and_manages_users() {
    if !enabled() {
        return;
    }
    session(&[], async |s| {
        symbol_steps(&s.client, &s.url()).await;
        user_steps(&s.client, &s.url()).await;
    })
    .await;
}

async fn symbol_steps(c: &Client, url: &str) {
    let long = Duration::from_secs(30);
    login(c, url, ADMIN).await;
    c.goto(&format!("{url}config")).await.unwrap();
    let include = "return document.querySelector('form#symbols-form [data-field=include] textarea')?.value ?? null;";
    wait_for(c, "the rules", include, long, |v| v == "*").await;
    c.execute(COUNT_WRITES, vec![]).await.unwrap();

    // A bad pattern is named beside the ignore list; nothing is sent.
    type_into(c, "form#symbols-form [data-field=ignore] textarea", "eth\nLUNA-USD").await;
    let beside = "return document.querySelector('form#symbols-form [data-field=ignore] [data-error-for=ignore]')?.textContent ?? '';";
    wait_for(c, "the pattern message", beside, long, |v| v.as_str().is_some_and(|s| s.contains("LUNA-USD"))).await;
    click(c, "#symbols-save").await;
    let said = "return document.querySelector('#symbols-outcome')?.textContent ?? '';";
    wait_for(c, "the refusal", said, long, |v| v.as_str().is_some_and(|s| s.starts_with("Nothing sent"))).await;
    assert_eq!(c.execute(WRITES, vec![]).await.unwrap(), 0);

    // A good rule: previewed, then saved as version 1; ETH no longer trades.
    type_into(c, "form#symbols-form [data-field=ignore] textarea", "eth").await;
    let eth = "const r = document.querySelector('table#symbols-table tr[data-symbol=ETH]');
        return r ? [r.classList.contains('will-change'), r.querySelector('td[data-col=after]').textContent] : null;";
    wait_for(c, "the preview", eth, long, |v| v == &serde_json::json!([true, "excluded ignore ETH"])).await;
    click(c, "#symbols-save").await;
    wait_for(c, "the saved rules", said, long, |v| v == "Saved as version 1.").await;
    let now = "return document.querySelector('table#symbols-table tr[data-symbol=ETH] td[data-col=now]')?.textContent;";
    wait_for(c, "ETH excluded", now, long, |v| v == "excluded ignore ETH").await;
    assert_eq!(c.execute(WRITES, vec![]).await.unwrap(), 1);
    let rules = fetch_json(c, "/api/v1/symbols/rules").await;
    assert_eq!(rules["rules"]["ignore"], serde_json::json!(["ETH"]));
}

async fn user_steps(c: &Client, url: &str) {
    let long = Duration::from_secs(30);
    c.goto(&format!("{url}config")).await.unwrap();
    wait_for(c, "the users", &user_cell("trader", "status"), long, |v| v == "active").await;
    c.execute(COUNT_WRITES, vec![]).await.unwrap();

    // Bad name and password: messages beside the fields, nothing sent.
    type_into(c, "#user-add-username", "Carol Smith").await;
    type_into(c, "#user-add-password", "short").await;
    click(c, "#user-add-submit").await;
    let beside = |f: &str| {
        format!(
            "return document.querySelector('form#user-add [data-field={f}] [data-error-for={f}]')?.textContent ?? '';"
        )
    };
    wait_for(c, "the username message", &beside("username"), long, |v| {
        v.as_str().is_some_and(|s| s.starts_with("3 to 32"))
    })
    .await;
    wait_for(c, "the password message", &beside("password"), long, |v| v == "at least 12 characters").await;
    assert_eq!(c.execute(WRITES, vec![]).await.unwrap(), 0);

    // A good one: added as a trader.
    type_into(c, "#user-add-username", "carol").await;
    type_into(c, "#user-add-password", "carols-long-password").await;
    pick(c, "#user-add-role", "trader").await;
    click(c, "#user-add-submit").await;
    wait_for(c, "carol in the list", &user_cell("carol", "status"), long, |v| v == "active").await;
    let role = "return document.querySelector('#users-table tr[data-username=carol] [data-col=role] select').value;";
    assert_eq!(c.execute(role, vec![]).await.unwrap(), "trader");

    // Change the role: the server has it.
    pick(c, "#users-table tr[data-username=carol] [data-col=role] select", "viewer").await;
    let carol = "const done = arguments[0];
        fetch('/api/v1/users').then(r => r.json()).then(l => done(l.find(u => u.username === 'carol').role));";
    let mut role = Value::Null;
    for _ in 0..50 {
        role = c.execute_async(carol, vec![]).await.unwrap();
        if role == "viewer" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(role, "viewer");

    // Reset the password: a short one is refused beside its input, a good one is set.
    let row = "#users-table tr[data-username=carol]";
    click(c, &format!("{row} [data-action=reset-password]")).await;
    type_into(c, &format!("{row} form.reset-password input"), "too-short").await;
    click(c, &format!("{row} [data-action=save-password]")).await;
    let reset_error =
        format!("return document.querySelector('{row} [data-error-for=new-password]')?.textContent ?? '';");
    wait_for(c, "the reset message", &reset_error, long, |v| v == "at least 12 characters").await;
    type_into(c, &format!("{row} form.reset-password input"), "a-new-long-password").await;
    click(c, &format!("{row} [data-action=save-password]")).await;
    let said = format!("return document.querySelector('{row} [data-col=actions] .form-outcome')?.textContent ?? '';");
    wait_for(c, "the reset outcome", &said, long, |v| v.as_str().is_some_and(|s| s.starts_with("Password reset")))
        .await;

    // Disable, after a confirmation.
    click(c, &format!("{row} [data-action=disable]")).await;
    click(c, &format!("{row} [data-action=confirm-disable]")).await;
    wait_for(c, "carol disabled", &user_cell("carol", "status"), long, |v| v == "disabled").await;
    // Add, role, password, disable: four writes; none for the refused inputs.
    assert_eq!(c.execute(WRITES, vec![]).await.unwrap(), 4);
    // An admin cannot disable themself from here.
    let own = "return document.querySelector('#users-table tr[data-username=admin] [data-action=disable]')?.disabled;";
    assert_eq!(c.execute(own, vec![]).await.unwrap(), true);
    c.execute("document.querySelector('#users-table').scrollIntoView(); return true;", vec![]).await.unwrap();
    screenshot(c, "config-users-desktop").await;
}

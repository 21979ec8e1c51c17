//! Signing in and out, and the small page helpers the issue-5 tests share. Tests sign in
//! through [`sign_in`] (the harness' login) unless the login form is what they test.

use crate::harness::{login, wait_for};
use fantoccini::{Client, Locator};
use serde_json::Value;
use std::time::Duration;

pub const LONG: Duration = Duration::from_secs(30);

/// A test user as the harness defines them: (username, password, role).
pub type User = (&'static str, &'static str, app::auth::Role);

const SHOWN: &str = "return document.querySelector('#login-form') ? 'login' \
    : (document.querySelector('#user') ? 'app' : null);";

/// Open `url` signed in as `user` (through the harness' login) and wait for the app.
pub async fn sign_in(c: &Client, url: &str, user: User) {
    login(c, url, user).await;
    wait_for(c, "the app, signed in", SHOWN, LONG, |v| v == "app").await;
    let name = c.execute(&text_of("#user .user-name"), vec![]).await.expect("the user's name");
    assert_eq!(name, user.0, "signed in as");
}

/// Sign in through the login form, as a person does; the login page must be showing.
pub async fn sign_in_with_form(c: &Client, username: &str, password: &str) {
    wait_for(c, "the login page", SHOWN, LONG, |v| v == "login").await;
    fill(c, "#login-form input[name=username]", username).await;
    fill(c, "#login-form input[name=password]", password).await;
    click(c, "#login-submit").await;
}

pub async fn sign_out(c: &Client) {
    click(c, "#logout").await;
    wait_for(c, "the login page", SHOWN, LONG, |v| v == "login").await;
}

/// Replace an input's text as a user would (clear, then type: the page hears `input`).
pub async fn fill(c: &Client, css: &str, text: &str) {
    let el = c.wait().at_most(LONG).for_element(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    el.clear().await.unwrap_or_else(|e| panic!("clear {css}: {e}"));
    el.send_keys(text).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

pub async fn select(c: &Client, css: &str, value: &str) {
    let el = c.wait().at_most(LONG).for_element(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    el.select_by_value(value).await.unwrap_or_else(|e| panic!("select {value} in {css}: {e}"));
}

pub async fn click(c: &Client, css: &str) {
    let el = c.wait().at_most(LONG).for_element(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    el.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// Follow an in-app link (client-side routing, so the streams stay connected).
pub async fn go(c: &Client, path: &str) {
    click(c, &format!("nav a[href='{path}']")).await;
    let script = "return location.pathname;";
    wait_for(c, &format!("the page {path}"), script, LONG, |v| v == path).await;
}

/// The text of the first element matching `css`, `null` when there is none.
pub fn text_of(css: &str) -> String {
    format!("return document.querySelector({css:?})?.textContent?.trim() ?? null;")
}

/// Whether an element matching `css` exists.
pub fn exists(css: &str) -> String {
    format!("return document.querySelector({css:?}) !== null;")
}

/// Record every request the page makes from now on other than a GET (`window.__sent`); called
/// again, start the record over.
pub async fn count_requests(c: &Client) {
    let script = r#"
        window.__sent = [];
        if (window.__counting) return true;
        window.__counting = true;
        const orig = window.fetch;
        window.fetch = function (input, init) {
            const method = (input instanceof Request ? input.method : (init && init.method)) || 'GET';
            const url = input instanceof Request ? input.url : String(input);
            if (method !== 'GET') window.__sent.push(method + ' ' + new URL(url, location.href).pathname);
            return orig.apply(this, arguments);
        };
        return true;"#;
    c.execute(script, vec![]).await.expect("install the request counter");
}

pub async fn sent(c: &Client) -> Vec<String> {
    let v = c.execute("return window.__sent ?? null;", vec![]).await.expect("read the request counter");
    match v {
        Value::Array(a) => a.into_iter().filter_map(|x| x.as_str().map(str::to_owned)).collect(),
        other => panic!("the request counter is gone (page reloaded?): {other}"),
    }
}

/// `GET` an API path from the page (with its session) and return the JSON.
pub async fn api_get(c: &Client, path: &str) -> Value {
    let script = format!("return fetch({path:?}).then(r => r.json());");
    c.execute(&script, vec![]).await.unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

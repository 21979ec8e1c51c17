//! Signing in and out through the login page: the URL asked for is kept, wrong credentials
//! and throttling are worded for a person, the streams run only while signed in, a session
//! ended elsewhere sends the page back to the login, and logout ends the session.

use crate::harness::*;
use crate::session::*;
use fantoccini::Client;
use server::state::AppState;
use std::time::Duration;

/// Stream sessions the server holds (each subscribes to the engine's or the notifier's broadcast).
fn streams(state: &AppState) -> usize {
    let e = &state.engine;
    e.positions.receiver_count() + e.orders.receiver_count() + state.notifier.readers()
}

async fn streams_become(state: &AppState, want: usize, what: &str) {
    let deadline = std::time::Instant::now() + LONG;
    while streams(state) != want {
        assert!(std::time::Instant::now() < deadline, "{what}: {} trading streams open, want {want}", streams(state));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_logout_expiry_and_throttling() {
    if !enabled() {
        return;
    }
    session(&[("ARB__AUTH__MAX_FAILURES", "3")], async |s| steps(&s.client, &s.url(), &s.running().state).await).await;
}

async fn steps(c: &Client, url: &str, state: &AppState) {
    let error = text_of("#login-error");
    let path = "return location.pathname;";
    // Asked for the Trading page: the login page comes up instead, and nothing streams.
    c.goto(&format!("{url}trading")).await.unwrap();
    sign_in_with_form(c, TRADER.0, "not the password").await;
    wait_for(c, "the wrong-credentials message", &error, LONG, |v| v == "Wrong username or password").await;
    assert_eq!(streams(state), 0, "no stream before signing in");
    assert_eq!(c.execute(&exists("#conn-status"), vec![]).await.unwrap(), false);
    screenshot(c, "login-desktop").await;

    // Signed in: the page asked for, the user and role in the header, the streams live.
    fill(c, "#login-form input[name=password]", TRADER.1).await;
    click(c, "#login-submit").await;
    wait_for(c, "the trading page", &exists("#engine-state"), LONG, |v| v == true).await;
    assert_eq!(c.execute(path, vec![]).await.unwrap(), "/trading", "the URL asked for is kept");
    let role = "return document.querySelector('#user')?.dataset.role ?? null;";
    assert_eq!(c.execute(role, vec![]).await.unwrap(), "trader");
    wait_for(c, "live streams", &text_of("#conn-status .conn-label"), LONG, |v| v == "Live").await;
    streams_become(state, 3, "signed in").await;

    // Logout: back to the login page; the streams stop and the session is gone.
    sign_out(c).await;
    streams_become(state, 0, "after logout").await;
    let me = "return fetch('/api/v1/auth/me').then(r => r.status);";
    assert_eq!(c.execute(me, vec![]).await.unwrap(), 401);

    // A session ended elsewhere: the next request answered 401 brings the login page back.
    sign_in(c, &format!("{url}trading"), VIEWER).await;
    streams_become(state, 3, "signed in again").await;
    let end_elsewhere = r#"
        const done = arguments[0];
        fetch('/api/v1/auth/me').then(r => r.json()).then(me => fetch('/api/v1/auth/logout', {
            method: 'POST', headers: {'X-CSRF-Token': me.csrf_token}})).then(r => done(r.status), e => done(String(e)));"#;
    assert_eq!(c.execute_async(end_elsewhere, vec![]).await.unwrap(), 200);
    wait_for(c, "the login page after the session ended", &exists("#login-form"), LONG, |v| v == true).await;
    let notice = c.execute(&text_of("#login-notice"), vec![]).await.unwrap();
    assert!(notice.as_str().is_some_and(|n| n.contains("session has ended")), "{notice}");
    streams_become(state, 0, "after the session ended").await;

    // Throttled: three failures for a user, then the fourth is refused with the wait.
    // The page empties the password field when the answer arrives.
    let answered = "return document.querySelector('#login-form input[name=password]').value === '';";
    for _ in 0..3 {
        sign_in_with_form(c, VIEWER.0, "wrong wrong wrong").await;
        wait_for(c, "a refusal", answered, LONG, |v| v == true).await;
        wait_for(c, "its message", &error, LONG, |v| v == "Wrong username or password").await;
    }
    sign_in_with_form(c, VIEWER.0, VIEWER.1).await;
    let throttled = wait_for(c, "the throttling message", &error, LONG, |v| {
        v.as_str().is_some_and(|s| s.starts_with("Too many attempts, try again in "))
    })
    .await;
    let secs: u64 = throttled
        .as_str()
        .unwrap()
        .trim_start_matches("Too many attempts, try again in ")
        .trim_end_matches(" s")
        .parse()
        .unwrap();
    assert!((1..=900).contains(&secs), "{throttled}");
    assert_eq!(streams(state), 0);

    c.set_window_size(390, 844).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    screenshot(c, "login-phone").await;
}

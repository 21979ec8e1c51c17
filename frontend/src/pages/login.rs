//! The login page (`#login-form`), shown in place of any page while nobody is signed in; the
//! URL stays as asked, so that page comes up once signed in.

use crate::auth::{Session, login_error_text};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn LoginPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (user, pass) = (username.get_untracked().trim().to_owned(), password.get_untracked());
        if user.is_empty() || pass.is_empty() {
            error.set(Some("Enter your username and password".into()));
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = session.login(&user, &pass).await;
            // On success this page is gone (and its signals with it).
            if let Err(e) = result {
                error.try_set(Some(login_error_text(&e)));
                password.try_set(String::new());
                busy.try_set(false);
            }
        });
    };

    view! {
        <section class="login">
            <form id="login-form" class="login-card" on:submit=submit novalidate>
                <div class="brand login-brand">
                    <span class="brand-mark" aria-hidden="true">"ƒ"</span>
                    <span class="brand-name">"Funding Arb"</span>
                </div>
                <h1>"Sign in"</h1>
                {move || session.notice().map(|n| view! { <p id="login-notice" class="muted">{n}</p> })}
                <label class="field">
                    <span>"Username"</span>
                    <input
                        name="username"
                        type="text"
                        autocomplete="username"
                        autocapitalize="none"
                        spellcheck="false"
                        required
                        prop:value=move || username.get()
                        on:input=move |ev| username.set(event_target_value(&ev))
                    />
                </label>
                <label class="field">
                    <span>"Password"</span>
                    <input
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                        prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev))
                    />
                </label>
                <p id="login-error" class="form-error" role="alert" hidden=move || error.with(Option::is_none)>
                    {move || error.get().unwrap_or_default()}
                </p>
                <button id="login-submit" type="submit" class="btn btn-primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </section>
    }
}

//! The page for any URL no route matches, including pages that are not built yet.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

#[component]
pub fn NotFound() -> impl IntoView {
    let path = use_location().pathname;
    view! {
        <section class="not-found">
            <h1>"Page not found"</h1>
            <p>"Nothing lives at " <code>{move || path.get()}</code> "."</p>
            <p><A href="/">"Back to the dashboard"</A></p>
        </section>
    }
}

//! The single-page app: mounts the root component, provides the app-wide services (server
//! clock, status poll, funding stream) through context, and routes to one page per URL.
//!
//! Pages not built yet are listed in the nav as unavailable rather than routed to
//! placeholders: an unknown URL shows the NotFound page.

mod api;
mod auth;
mod clock;
mod components;
mod format;
mod pages;
mod status;
mod ws;

use clock::ServerClock;
use components::header::Header;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use status::ServerStatus;
use ws::FundingFeed;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    let clock = ServerClock::start();
    provide_context(clock);
    provide_context(auth::Session::start());
    provide_context(ServerStatus::start(clock));
    let feed = FundingFeed::connect(clock);
    provide_context(feed);
    // The stream's snapshot normally arrives first; the REST board only fills the page when
    // the socket cannot connect at all (a proxy that refuses WebSockets, say).
    spawn_local(async move {
        if let Ok(board) = api::funding_board().await {
            feed.seed(board, clock);
        }
    });

    view! {
        <Router>
            <Header/>
            <main class="page">
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/") view=pages::board::BoardPage/>
                    <Route path=path!("/history") view=pages::history::HistoryPage/>
                    <Route path=path!("/config") view=pages::config::ConfigPage/>
                    <Route path=path!("/system") view=pages::system::SystemPage/>
                </Routes>
            </main>
        </Router>
    }
}

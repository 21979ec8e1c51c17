//! The single-page app: mounts the root component, asks the server who is signed in, and
//! shows the login page or the signed-in shell. The shell provides the live services (status
//! poll, funding board and trading streams) through context and routes to one page per URL;
//! it exists only while signed in, so logging out stops every stream and poll. An unknown URL
//! shows the NotFound page.

mod api;
mod auth;
mod clock;
mod components;
mod format;
mod pages;
mod poll;
mod status;
mod streams;
mod ws;

use auth::{Phase, Session};
use clock::ServerClock;
use components::header::Header;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use status::ServerStatus;
use streams::Streams;
use ws::FundingFeed;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    provide_context(ServerClock::start());
    let session = Session::new();
    provide_context(session);
    session.start();
    let phase = Memo::new(move |_| session.phase());

    move || match phase.get() {
        Phase::Checking => view! { <p class="splash muted" id="splash">"Connecting…"</p> }.into_any(),
        Phase::SignedOut => view! { <pages::login::LoginPage/> }.into_any(),
        Phase::SignedIn => view! { <Shell/> }.into_any(),
    }
}

/// Everything behind the login: created on sign-in, disposed on sign-out.
#[component]
fn Shell() -> impl IntoView {
    let clock = expect_context::<ServerClock>();
    provide_context(ServerStatus::start(clock));
    let feed = FundingFeed::connect(clock);
    provide_context(feed);
    provide_context(Streams::connect());
    provide_context(pages::config::ParamsDraft::new());
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
                    <Route path=path!("/") view=pages::dashboard::Dashboard/>
                    <Route path=path!("/trading") view=pages::trading::TradingPage/>
                    <Route path=path!("/history") view=pages::history::HistoryPage/>
                    <Route path=path!("/strategies") view=pages::strategies::StrategiesPage/>
                    <Route path=path!("/signals") view=pages::signals::SignalsPage/>
                    <Route path=path!("/backtest") view=pages::backtest::BacktestPage/>
                    <Route path=path!("/config") view=pages::config::ConfigPage/>
                    <Route path=path!("/system") view=pages::system::SystemPage/>
                </Routes>
            </main>
        </Router>
    }
}

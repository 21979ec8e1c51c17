//! The top bar: brand, page navigation, each venue's mode, the stream indicator, and the
//! signed-in user with their role and the logout button.

use crate::auth::Session;
use crate::components::conn_status::ConnStatus;
use crate::status::ServerStatus;
use app::VenueMode;
use app::auth::Role;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

/// One navigation entry.
struct NavItem {
    path: &'static str,
    label: &'static str,
    /// The role a user needs to see the entry at all.
    role: Role,
}

const NAV: [NavItem; 8] = [
    NavItem { path: "/", label: "Dashboard", role: Role::Viewer },
    NavItem { path: "/trading", label: "Trading", role: Role::Viewer },
    NavItem { path: "/history", label: "History", role: Role::Viewer },
    NavItem { path: "/strategies", label: "Strategies", role: Role::Viewer },
    NavItem { path: "/signals", label: "Signals", role: Role::Viewer },
    NavItem { path: "/backtest", label: "Backtest", role: Role::Trader },
    NavItem { path: "/config", label: "Config", role: Role::Admin },
    NavItem { path: "/system", label: "System", role: Role::Viewer },
];

#[component]
pub fn Header() -> impl IntoView {
    let session = expect_context::<Session>();
    let nav = move || {
        NAV.iter()
            .filter(|item| session.can(item.role))
            .map(|item| view! { <A href=item.path exact=true>{item.label}</A> })
            .collect_view()
    };

    view! {
        <header class="topbar">
            <div class="brand">
                <span class="brand-mark" aria-hidden="true">"ƒ"</span>
                <span class="brand-name">"Funding Arb"</span>
            </div>
            <nav class="nav" aria-label="Pages">{nav}</nav>
            <div class="topbar-right">
                <VenueModes/>
                <ConnStatus/>
                <UserMenu/>
            </div>
        </header>
    }
}

/// "alice TRADER [Sign out]".
#[component]
fn UserMenu() -> impl IntoView {
    let session = expect_context::<Session>();
    let busy = RwSignal::new(false);
    let logout = move |_| {
        busy.set(true);
        spawn_local(async move { session.logout().await });
    };
    move || {
        session.me().map(|me| {
            let role = me.role.as_str();
            view! {
                <div id="user" class="user" data-username=me.username.clone() data-role=role>
                    <span class="user-name">{me.username.clone()}</span>
                    <span class=format!("role-badge role-{role}")>{role}</span>
                    <button id="logout" type="button" class="btn btn-small" on:click=logout disabled=move || busy.get()>
                        "Sign out"
                    </button>
                </div>
            }
        })
    }
}

/// "BINANCE · SIM" badges: real money must never be mistaken for the simulator.
#[component]
fn VenueModes() -> impl IntoView {
    let status = expect_context::<ServerStatus>();
    move || {
        status.latest().map(|s| {
            s.venues
                .into_iter()
                .map(|v| {
                    let class = match v.mode {
                        VenueMode::Sim => "mode mode-sim",
                        VenueMode::Testnet => "mode mode-testnet",
                        VenueMode::Mainnet => "mode mode-mainnet",
                    };
                    let title = if v.connected { "connected" } else { "venue disconnected" };
                    view! {
                        <span class=class class:venue-down=!v.connected title=title>
                            {v.venue.label()}
                            <b>{v.mode.as_str().to_uppercase()}</b>
                        </span>
                    }
                })
                .collect_view()
        })
    }
}

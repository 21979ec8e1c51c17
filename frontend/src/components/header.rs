//! The top bar: brand, page navigation, each venue's mode, and the stream indicator.

use crate::components::conn_status::ConnStatus;
use crate::status::ServerStatus;
use app::VenueMode;
use leptos::prelude::*;
use leptos_router::components::A;

/// One navigation entry. `routed` is false for pages not built yet: they are listed so the
/// layout is final, but not linked, since there is nothing real to show there.
struct NavItem {
    path: &'static str,
    label: &'static str,
    routed: bool,
}

const NAV: [NavItem; 6] = [
    NavItem { path: "/", label: "Funding", routed: true },
    NavItem { path: "/positions", label: "Positions", routed: false },
    NavItem { path: "/trading", label: "Trading", routed: false },
    NavItem { path: "/history", label: "History", routed: true },
    NavItem { path: "/config", label: "Config", routed: true },
    NavItem { path: "/system", label: "System", routed: true },
];

#[component]
pub fn Header() -> impl IntoView {
    let nav = NAV
        .iter()
        .map(|item| {
            if item.routed {
                view! { <A href=item.path exact=true>{item.label}</A> }.into_any()
            } else {
                view! {
                    <span class="nav-soon" aria-disabled="true" title="Not available yet">
                        {item.label}
                    </span>
                }
                .into_any()
            }
        })
        .collect_view();

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
            </div>
        </header>
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

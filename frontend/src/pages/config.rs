//! Configuration (`/config`): the strategy parameters with their version history, the symbol
//! rules, and (admins) the users and the alert channels. Everyone may read; only admins see
//! working controls — the server refuses anyone else's change whatever the page shows.

mod channels;
pub(crate) mod fields;
mod history;
mod params;
mod symbols;
mod users;

use crate::auth::Session;
use app::auth::Role;
use app::params::StrategyParams;
use channels::ChannelsPanel;
use history::ParamsHistory;
use leptos::prelude::*;
use params::ParamsForm;
use symbols::SymbolsEditor;
use users::UsersPanel;

/// Parameters handed to the Config form from elsewhere (the Backtest page's "use these
/// parameters"): the form shows them as unsaved changes over the version in effect, for an
/// admin to review and save. Provided by the shell; taken once.
#[derive(Clone, Copy)]
pub struct ParamsDraft(pub RwSignal<Option<(String, StrategyParams)>>);

impl ParamsDraft {
    pub fn new() -> Self {
        Self(RwSignal::new(None))
    }
}

#[component]
pub fn ConfigPage() -> impl IntoView {
    let session = use_context::<Session>();
    // Without a session context the build has no login at all and the API is open.
    let admin = Signal::derive(move || session.is_none_or(|s| s.can(Role::Admin)));
    let history_reload = RwSignal::new(0_u32);
    view! {
        <section class="config-page">
            <div class="toolbar">
                <h1>"Configuration"</h1>
                <Show when=move || !admin.get()>
                    <span id="config-read-only" class="badge">"Read only: admins change these settings"</span>
                </Show>
            </div>
            <div class="config-columns">
                <section class="panel" aria-labelledby="params-title">
                    <h2 id="params-title">"Strategy parameters"</h2>
                    <ParamsForm editable=admin saved=history_reload/>
                </section>
                <div class="config-side">
                    <section class="panel" aria-labelledby="history-title">
                        <h2 id="history-title">"Version history"</h2>
                        <ParamsHistory reload=history_reload/>
                    </section>
                    <section class="panel" aria-labelledby="symbols-title">
                        <h2 id="symbols-title">"Symbols"</h2>
                        <SymbolsEditor editable=admin/>
                    </section>
                </div>
            </div>
            <Show when=move || admin.get()>
                <section class="panel" aria-labelledby="users-title">
                    <h2 id="users-title">"Users"</h2>
                    <UsersPanel/>
                </section>
                <section class="panel" aria-labelledby="channels-title">
                    <h2 id="channels-title">"Alert channels"</h2>
                    <ChannelsPanel/>
                </section>
            </Show>
        </section>
    }
}

//! System (`/system`): each venue's connectivity, REST latency and data freshness, the
//! engine's state, reconciliation results, the scheduled jobs (admins: run one now), the
//! server's version and uptime, and (admins) the audit log and the notification outbox.
//! Figures refresh on their own: the status every 5 s (the app-wide poll), the engine every
//! 3 s, reconciliation every 10 s, the audit log's newest page and the outbox every 5 s.

mod audit;
mod engine;
mod jobs;
mod outbox;
mod reconciliation;
mod venues;

use crate::auth::Session;
use app::auth::Role;
use audit::AuditLog;
use engine::{EngineState, ServerInfo};
use jobs::Jobs;
use leptos::prelude::*;
use outbox::Outbox;
use reconciliation::Reconciliation;
use std::time::Duration;
use venues::VenueTable;

#[component]
pub fn SystemPage() -> impl IntoView {
    let session = use_context::<Session>();
    // Without a session context the build has no login at all and the API is open.
    let can = move |role: Role| session.is_none_or(|s| s.can(role));
    let trader = Signal::derive(move || can(Role::Trader));
    let admin = Signal::derive(move || can(Role::Admin));
    view! {
        <section class="system-page">
            <div class="toolbar">
                <h1>"System"</h1>
                <ServerInfo/>
            </div>
            <div class="system-columns">
                <section class="panel" aria-labelledby="venues-title">
                    <h2 id="venues-title">"Venues"</h2>
                    <VenueTable/>
                </section>
                <section class="panel" aria-labelledby="engine-title">
                    <h2 id="engine-title">"Engine"</h2>
                    <EngineState/>
                </section>
            </div>
            <section class="panel" aria-labelledby="reconciliation-title">
                <h2 id="reconciliation-title">"Reconciliation"</h2>
                <Reconciliation can_run=trader/>
            </section>
            <section class="panel" aria-labelledby="jobs-title">
                <h2 id="jobs-title">"Scheduled jobs"</h2>
                <Jobs can_run=admin/>
            </section>
            <Show when=move || admin.get()>
                <section class="panel" aria-labelledby="audit-title">
                    <h2 id="audit-title">"Audit log"</h2>
                    <AuditLog/>
                </section>
                <section class="panel" aria-labelledby="outbox-title">
                    <h2 id="outbox-title">"Notification outbox"</h2>
                    <Outbox/>
                </section>
            </Show>
        </section>
    }
}

/// Run `f` every `period` while the calling component lives.
fn every(period: Duration, f: impl Fn() + 'static) {
    match set_interval_with_handle(f, period) {
        Ok(handle) => on_cleanup(move || handle.clear()),
        Err(e) => leptos::logging::error!("refresh not started: {e:?}"),
    }
}

/// "3d 04:05:06", "04:05:06".
fn duration(secs: i64) -> String {
    let s = secs.max(0);
    let hms = format!("{:02}:{:02}:{:02}", s / 3600 % 24, s / 60 % 60, s % 60);
    if s >= 86_400 { format!("{}d {hms}", s / 86_400) } else { hms }
}

/// "Nov 22 14:03:27" (UTC).
fn date_time(ms: i64) -> String {
    format!("{} {}", crate::format::utc_month_day(ms), crate::format::utc_time(ms))
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations() {
        assert_eq!(super::duration(0), "00:00:00");
        assert_eq!(super::duration(3 * 86_400 + 4 * 3600 + 5 * 60 + 6), "3d 04:05:06");
        assert_eq!(super::duration(-5), "00:00:00");
    }
}

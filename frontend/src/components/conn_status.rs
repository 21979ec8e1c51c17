//! The stream indicator: `#conn-status[data-state]` is connecting, live or reconnecting — the
//! worst of the four streams (funding board, positions, orders, notifications); its tooltip
//! names each one's state.

use crate::streams::Streams;
use crate::ws::{ConnState, FundingFeed};
use leptos::prelude::*;

/// The state to show for several streams: any reconnecting, else any connecting, else live.
pub fn combined(states: impl IntoIterator<Item = ConnState>) -> ConnState {
    let rank = |s: &ConnState| match s {
        ConnState::Live => 0,
        ConnState::Connecting => 1,
        ConnState::Reconnecting => 2,
    };
    states.into_iter().max_by_key(rank).unwrap_or(ConnState::Connecting)
}

#[component]
pub fn ConnStatus() -> impl IntoView {
    let feed = expect_context::<FundingFeed>();
    let streams = expect_context::<Streams>();
    let all = Memo::new(move |_| {
        let mut v = vec![("funding", feed.state())];
        v.extend(streams.states());
        v
    });
    let state = Memo::new(move |_| combined(all.get().into_iter().map(|(_, s)| s)));
    let title = move || {
        let detail = all.get().iter().map(|(name, s)| format!("{name}: {}", s.as_str())).collect::<Vec<_>>().join(", ");
        let headline = match state.get() {
            ConnState::Live => "Streaming live from the server",
            ConnState::Reconnecting => "Connection lost; retrying. Figures shown are the last received.",
            ConnState::Connecting => "Connecting to the server",
        };
        format!("{headline} ({detail})")
    };
    view! {
        <div
            id="conn-status"
            class="conn"
            data-state=move || state.get().as_str()
            role="status"
            aria-live="polite"
            title=title
        >
            <span class="conn-dot" aria-hidden="true"></span>
            <span class="conn-label">{move || state.get().label()}</span>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_stream_wins() {
        use ConnState::*;
        assert_eq!(combined([Live, Live, Live]), Live);
        assert_eq!(combined([Live, Connecting, Live]), Connecting);
        assert_eq!(combined([Connecting, Reconnecting, Live]), Reconnecting);
    }
}

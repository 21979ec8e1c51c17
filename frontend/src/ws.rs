//! WebSocket streams: one connection per stream for the whole app, provided through context.
//!
//! [`Socket`] owns the browser `WebSocket` and reconnects by itself (0.5 s doubling to 5 s)
//! whenever the server drops it; the server answers every new connection with a fresh
//! snapshot, so nothing is replayed here. [`FundingFeed`] is the `/ws/funding-rates` stream:
//! the latest board and the connection state, as signals; the trading streams are in
//! `streams`. All of them are opened once signed in and closed on logout.

use crate::clock::ServerClock;
use app::Symbol;
use app::api::{FundingBoard, FundingRow};
use app::ws::FundingMessage;
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::{Rc, Weak};
use std::time::Duration;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

const BACKOFF_START_MS: u32 = 500;
const BACKOFF_MAX_MS: u32 = 5_000;

/// What the connection indicator shows; `as_str` values are stable (tests select on them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnState {
    /// First connection attempt, nothing received yet.
    Connecting,
    /// Connected and data has arrived on this connection.
    Live,
    /// The connection dropped; retrying with backoff. Data shown is the last received.
    Reconnecting,
}

impl ConnState {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnState::Connecting => "connecting",
            ConnState::Live => "live",
            ConnState::Reconnecting => "reconnecting",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ConnState::Connecting => "Connecting…",
            ConnState::Live => "Live",
            ConnState::Reconnecting => "Reconnecting…",
        }
    }
}

/// Delay before the next attempt after one that waited `current_ms`.
pub fn next_backoff(current_ms: u32) -> u32 {
    current_ms.saturating_mul(2).min(BACKOFF_MAX_MS)
}

/// `ws://host/path` or `wss://host/path`, following the page's own scheme and host.
fn stream_url(path: &str) -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" { "wss" } else { "ws" };
    Some(format!("{scheme}://{}{path}", location.host().ok()?))
}

/// A self-reconnecting WebSocket. Event handlers hold only a `Weak` to it, so dropping the
/// last `Rc` (when the owning component is disposed) closes the socket and stops retries.
pub(crate) struct Socket {
    path: &'static str,
    state: RwSignal<ConnState>,
    on_text: Box<dyn Fn(&str)>,
    current: RefCell<Option<Attached>>,
    backoff_ms: Cell<u32>,
}

struct Attached {
    ws: WebSocket,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Drop for Attached {
    fn drop(&mut self) {
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}

impl Socket {
    pub(crate) fn start(path: &'static str, state: RwSignal<ConnState>, on_text: impl Fn(&str) + 'static) -> Rc<Self> {
        let socket = Rc::new(Self {
            path,
            state,
            on_text: Box::new(on_text),
            current: RefCell::new(None),
            backoff_ms: Cell::new(BACKOFF_START_MS),
        });
        socket.open();
        socket
    }

    fn open(self: &Rc<Self>) {
        let Some(url) = stream_url(self.path) else { return };
        let ws = match WebSocket::new(&url) {
            Ok(ws) => ws,
            Err(e) => {
                leptos::logging::warn!("websocket {url}: {e:?}");
                self.retry_later();
                return;
            }
        };
        let weak = Rc::downgrade(self);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let (Some(socket), Some(text)) = (weak.upgrade(), e.data().as_string()) {
                socket.received(&text);
            }
        });
        let weak = Rc::downgrade(self);
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |_: CloseEvent| {
            if let Some(socket) = weak.upgrade() {
                socket.dropped();
            }
        });
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        *self.current.borrow_mut() = Some(Attached { ws, _on_message: on_message, _on_close: on_close });
    }

    fn received(&self, text: &str) {
        if self.state.get_untracked() != ConnState::Live {
            self.state.set(ConnState::Live);
            self.backoff_ms.set(BACKOFF_START_MS);
        }
        (self.on_text)(text);
    }

    /// The browser fires `close` after a failed attempt as well as after a drop.
    fn dropped(self: &Rc<Self>) {
        if self.state.get_untracked() == ConnState::Live {
            self.state.set(ConnState::Reconnecting);
        }
        self.retry_later();
    }

    fn retry_later(self: &Rc<Self>) {
        // Detached now but dropped in the timer: this may run inside the old socket's own
        // close handler, which must not free itself while executing.
        let old = self.current.borrow_mut().take();
        let delay = self.backoff_ms.get();
        self.backoff_ms.set(next_backoff(delay));
        // Up to 20 % jitter so that many tabs do not reconnect in lockstep after a restart.
        let jitter = (js_sys::Math::random() * 0.2 * f64::from(delay)) as u32;
        let weak: Weak<Self> = Rc::downgrade(self);
        set_timeout(
            move || {
                drop(old);
                if let Some(socket) = weak.upgrade() {
                    socket.open();
                }
            },
            Duration::from_millis(u64::from(delay + jitter)),
        );
    }
}

/// The funding-rates stream: the latest board, row by row, and the connection state.
#[derive(Clone, Copy)]
pub struct FundingFeed {
    state: RwSignal<ConnState>,
    rows: RwSignal<BTreeMap<Symbol, FundingRow>>,
    /// Browser time (ms) of the last message, snapshot or update.
    received_ms: RwSignal<Option<i64>>,
}

impl FundingFeed {
    /// Open the stream; call once, from the root component, which then owns the socket.
    pub fn connect(clock: ServerClock) -> Self {
        let feed = Self {
            state: RwSignal::new(ConnState::Connecting),
            rows: RwSignal::new(BTreeMap::new()),
            received_ms: RwSignal::new(None),
        };
        let socket = Socket::start("/ws/funding-rates", feed.state, move |text| {
            match serde_json::from_str::<FundingMessage>(text) {
                Ok(message) => feed.apply(message, clock),
                Err(e) => leptos::logging::warn!("funding stream: bad message: {e}"),
            }
        });
        // Owned by the current reactive owner: disposing it drops the socket.
        StoredValue::new_local(socket);
        feed
    }

    pub fn state(&self) -> ConnState {
        self.state.get()
    }

    pub fn rows(&self) -> ReadSignal<BTreeMap<Symbol, FundingRow>> {
        self.rows.read_only()
    }

    pub fn received_ms(&self) -> Option<i64> {
        self.received_ms.get()
    }

    /// Show a board fetched over REST while the stream has delivered nothing yet.
    pub fn seed(&self, board: FundingBoard, clock: ServerClock) {
        // The answer may come after a logout has disposed the feed.
        if self.rows.is_disposed() {
            return;
        }
        if self.received_ms.get_untracked().is_none() && self.rows.with_untracked(BTreeMap::is_empty) {
            clock.observe(board.as_of_ms);
            self.rows.set(by_symbol(board));
        }
    }

    fn apply(&self, message: FundingMessage, clock: ServerClock) {
        match message {
            FundingMessage::Snapshot(board) => {
                clock.observe(board.as_of_ms);
                self.rows.set(by_symbol(board));
            }
            FundingMessage::Update(row) => {
                if self.rows.with_untracked(|rows| rows.get(&row.symbol) != Some(&row)) {
                    self.rows.update(|rows| {
                        rows.insert(row.symbol.clone(), row);
                    });
                }
            }
        }
        self.received_ms.set(Some(js_sys::Date::now() as i64));
    }
}

fn by_symbol(board: FundingBoard) -> BTreeMap<Symbol, FundingRow> {
    board.rows.into_iter().map(|row| (row.symbol.clone(), row)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_five_seconds() {
        let mut delays = vec![BACKOFF_START_MS];
        while delays.len() < 7 {
            delays.push(next_backoff(*delays.last().unwrap()));
        }
        assert_eq!(delays, [500, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000]);
    }
}

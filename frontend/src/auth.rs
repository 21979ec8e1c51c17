//! The signed-in user, provided through context as [`Session`]. The server enforces roles;
//! the SPA reads the role only to hide controls a user cannot use.
//!
//! On load the session asks `GET /auth/me`; until someone is signed in the app shows only the
//! login page (at the URL asked for, so the page comes up once signed in). A 401 from any
//! later request ends the session here too.

use crate::api::{self, ApiError, LoginError};
use app::auth::{Me, Role};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

/// Where the app stands with the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Asking `GET /auth/me` (or waiting to ask again: the server is unreachable).
    Checking,
    SignedOut,
    SignedIn,
}

#[derive(Clone, Copy)]
pub struct Session {
    me: RwSignal<Option<Me>>,
    checked: RwSignal<bool>,
    /// Why the user is on the login page when it is not the first visit ("session expired").
    notice: RwSignal<Option<String>>,
}

/// Retry of `GET /auth/me` while the server cannot be reached at all.
const RECHECK: Duration = Duration::from_secs(2);

impl Session {
    pub fn new() -> Self {
        Self { me: RwSignal::new(None), checked: RwSignal::new(false), notice: RwSignal::new(None) }
    }

    /// Ask the server who is signed in; call once, from the root component.
    pub fn start(&self) {
        let session = *self;
        api::on_unauthorized(move || session.expired());
        session.check();
    }

    fn check(self) {
        spawn_local(async move {
            match api::me().await {
                Ok(me) => self.set(Some(me)),
                Err(e) if e.status() == Some(401) => self.set(None),
                Err(e) => {
                    leptos::logging::warn!("session check failed: {e}; retrying");
                    set_timeout(move || self.check(), RECHECK);
                }
            }
        });
    }

    pub fn phase(&self) -> Phase {
        match (self.checked.get(), self.me.with(Option::is_some)) {
            (false, _) => Phase::Checking,
            (true, true) => Phase::SignedIn,
            (true, false) => Phase::SignedOut,
        }
    }

    /// The signed-in user, if any.
    pub fn me(&self) -> Option<Me> {
        self.me.get()
    }

    pub fn role(&self) -> Option<Role> {
        self.me.with(|m| m.as_ref().map(|m| m.role))
    }

    /// Whether the signed-in user's role includes `needed`.
    pub fn can(&self, needed: Role) -> bool {
        self.role().is_some_and(|r| r.allows(needed))
    }

    pub fn notice(&self) -> Option<String> {
        self.notice.get()
    }

    /// Record a login (or the answer of `GET /auth/me`), or a logout with `None`.
    pub fn set(&self, me: Option<Me>) {
        crate::api::set_csrf_token(me.as_ref().and_then(|m| m.csrf_token.clone()));
        if me.is_some() {
            self.notice.set(None);
        }
        self.me.set(me);
        self.checked.set(true);
    }

    pub async fn login(&self, username: &str, password: &str) -> Result<(), LoginError> {
        let me = api::login(username, password).await?;
        self.set(Some(me));
        Ok(())
    }

    /// End the session on the server and here; here even if the server cannot be told.
    pub async fn logout(&self) {
        if let Err(e) = api::logout().await {
            leptos::logging::warn!("logout: {e}");
        }
        self.set(None);
    }

    /// A request was refused with 401 while signed in: the session is over.
    fn expired(&self) {
        if self.me.with_untracked(Option::is_some) {
            self.notice.set(Some("Your session has ended; sign in again.".into()));
            self.set(None);
        }
    }
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

/// The text of a failed login, as the login page shows it.
pub fn login_error_text(e: &LoginError) -> String {
    match e {
        LoginError::WrongCredentials => "Wrong username or password".into(),
        LoginError::Throttled(Some(secs)) => format!("Too many attempts, try again in {secs} s"),
        LoginError::Throttled(None) => "Too many attempts, try again later".into(),
        LoginError::Other(ApiError::Network(_)) => "The server cannot be reached; try again".into(),
        LoginError::Other(e) => format!("Sign-in failed: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_errors_read_as_the_user_needs() {
        assert_eq!(login_error_text(&LoginError::WrongCredentials), "Wrong username or password");
        assert_eq!(login_error_text(&LoginError::Throttled(Some(42))), "Too many attempts, try again in 42 s");
    }
}

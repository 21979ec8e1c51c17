//! The signed-in user, provided through context as [`Session`]. The server enforces roles;
//! the SPA reads the role only to hide controls a user cannot use.

use app::auth::{Me, Role};
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Session {
    me: RwSignal<Option<Me>>,
}

impl Session {
    pub fn new() -> Self {
        Self { me: RwSignal::new(None) }
    }

    /// A session that asks the server who is signed in (`GET /auth/me`), so that a reload keeps
    /// the user, their role and the CSRF token. Signed out (401) leaves it empty.
    pub fn start() -> Self {
        let session = Self::new();
        leptos::task::spawn_local(async move {
            if let Ok(me) = crate::api::get::<Me>(&format!("{}/auth/me", crate::api::BASE)).await {
                session.set(Some(me));
            }
        });
        session
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

    /// Record a login (or the answer of `GET /auth/me`), or a logout with `None`.
    pub fn set(&self, me: Option<Me>) {
        crate::api::set_csrf_token(me.as_ref().and_then(|m| m.csrf_token.clone()));
        self.me.set(me);
    }
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

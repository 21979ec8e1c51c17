//! Who a credential is, remembered between requests. Resolving a bearer token or a session
//! cookie takes two database reads (the credential, then its user); a script or a page polling
//! many times a second should not pay them on every request.
//!
//! An entry is trusted only while nothing about credentials changed since it was read: every
//! logout, token revocation and user change (role, password, disabling) goes through
//! [`Credentials::invalidate`] before its response is sent, which empties the cache and moves
//! the generation on, and an answer read under an older generation is never stored. So the
//! very next request after such a change is decided by the database again. Expiry is checked
//! on every hit. A change made by another process on the same database (the `server user`
//! CLI) is seen after at most [`TRUST_FOR`].

use super::{Actor, Via};
use app::TimestampMs;
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// How long an entry is trusted without asking the database again.
pub const TRUST_FOR: Duration = Duration::from_secs(1);

/// Entries kept at most; valid credentials only, so this bounds memory, not attackers.
const MAX_ENTRIES: usize = 4096;

/// The credential a request presents, by the digest of its secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    Token(String),
    Session(String),
}

struct Entry {
    actor: Actor,
    read_at: Instant,
}

#[derive(Default)]
pub struct Credentials {
    inner: RwLock<Inner>,
}

#[derive(Default)]
struct Inner {
    generation: u64,
    entries: HashMap<Key, Entry>,
}

impl Credentials {
    /// Read before asking the database; hand it back to [`insert`](Self::insert).
    pub fn generation(&self) -> u64 {
        self.inner.read().map(|i| i.generation).unwrap_or(u64::MAX)
    }

    /// The caller behind `key`, if read recently, under the current generation, and not expired.
    pub fn get(&self, key: &Key, now_ms: TimestampMs) -> Option<Actor> {
        let inner = self.inner.read().ok()?;
        let e = inner.entries.get(key)?;
        let expires_ms = match &e.actor.via {
            Via::Session { expires_ms, .. } => Some(*expires_ms),
            Via::Token { expires_ms, .. } => *expires_ms,
        };
        let live = e.read_at.elapsed() < TRUST_FOR && expires_ms.is_none_or(|t| t > now_ms);
        live.then(|| e.actor.clone())
    }

    /// Remember what the database said about `key`, unless credentials changed since
    /// `generation` was read (the answer may predate the change).
    pub fn insert(&self, key: Key, generation: u64, actor: Actor) {
        let Ok(mut inner) = self.inner.write() else { return };
        if inner.generation != generation {
            return;
        }
        if inner.entries.len() >= MAX_ENTRIES {
            inner.entries.retain(|_, e| e.read_at.elapsed() < TRUST_FOR);
            if inner.entries.len() >= MAX_ENTRIES {
                inner.entries.clear();
            }
        }
        inner.entries.insert(key, Entry { actor, read_at: Instant::now() });
    }

    /// Forget everything: some session, token or user changed.
    pub fn invalidate(&self) {
        // A poisoned lock means a panic mid-update: start over rather than trust what is there.
        let mut inner = self.inner.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        inner.generation = inner.generation.wrapping_add(1);
        inner.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::auth::Role;

    fn actor(expires_ms: Option<TimestampMs>) -> Actor {
        Actor { username: "ann".into(), role: Role::Viewer, via: Via::Token { id: 1, name: "ci".into(), expires_ms } }
    }

    #[test]
    fn hits_until_a_change_and_never_stores_an_answer_from_before_it() {
        let c = Credentials::default();
        let key = Key::Token("digest".into());
        assert_eq!(c.get(&key, 0), None);
        c.insert(key.clone(), c.generation(), actor(None));
        assert_eq!(c.get(&key, 0), Some(actor(None)));
        assert_eq!(c.get(&Key::Session("digest".into()), 0), None, "a session is not a token");

        // A request read the database, then a revocation happened, then it tries to store.
        let before = c.generation();
        c.invalidate();
        assert_eq!(c.get(&key, 0), None, "the change empties the cache");
        c.insert(key.clone(), before, actor(None));
        assert_eq!(c.get(&key, 0), None, "an answer read before the change is not kept");
        c.insert(key.clone(), c.generation(), actor(None));
        assert!(c.get(&key, 0).is_some());
    }

    #[test]
    fn an_expired_credential_misses() {
        let c = Credentials::default();
        let key = Key::Token("digest".into());
        c.insert(key.clone(), c.generation(), actor(Some(1_000)));
        assert!(c.get(&key, 999).is_some());
        assert_eq!(c.get(&key, 1_000), None);
    }
}

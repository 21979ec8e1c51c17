//! Nonce streams for one Lighter account across several API keys (§2.5 "Nonces").
//!
//! Each (account, api_key) pair has its own strictly increasing nonce, so sends on one key
//! must be serialised: `acquire` hands out a guard that holds the key's lock and its next
//! nonce until the caller says what happened to the send. Parallel sends go to different
//! keys (least busy first, ties broken round-robin). The next nonce is read from the venue
//! lazily and again after error 21104, through `NextNonceSource` so any client can supply it.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{Mutex, OwnedMutexGuard};

/// Lighter's "invalid nonce" error code: our local counter disagrees with the venue's.
pub const INVALID_NONCE_CODE: i64 = 21104;

/// Where the venue's next nonce for a key comes from (REST `nextNonce` in production).
pub trait NextNonceSource: Send + Sync + 'static {
    type Error: std::error::Error + Send + Sync + 'static;
    fn next_nonce(
        &self,
        account_index: i64,
        api_key_index: u8,
    ) -> impl Future<Output = Result<i64, Self::Error>> + Send;
}

#[derive(Debug, thiserror::Error)]
pub enum NonceError<E: std::error::Error + 'static> {
    #[error("the nonce manager has no API keys")]
    NoKeys,
    #[error("API key {0} is not managed here")]
    UnknownKey(u8),
    #[error("reading the next nonce of API key {api_key_index}: {source}")]
    Source { api_key_index: u8, source: E },
    #[error("venue reported a negative next nonce {0}")]
    Negative(i64),
}

/// `None` = unknown, read it from the source before handing out a nonce.
type KeyState = Option<i64>;

struct KeySlot {
    api_key_index: u8,
    state: Arc<Mutex<KeyState>>,
    /// Guards held plus tasks waiting for this key; drives the least-busy choice.
    busy: AtomicUsize,
}

struct Shared<S> {
    account_index: i64,
    slots: Vec<KeySlot>,
    cursor: AtomicUsize,
    source: S,
}

/// Cheap to clone; all clones share the same keys and counters.
pub struct NonceManager<S> {
    shared: Arc<Shared<S>>,
}

impl<S> Clone for NonceManager<S> {
    fn clone(&self) -> Self {
        Self { shared: Arc::clone(&self.shared) }
    }
}

impl<S: NextNonceSource> NonceManager<S> {
    pub fn new(account_index: i64, api_key_indexes: &[u8], source: S) -> Self {
        let mut keys = api_key_indexes.to_vec();
        keys.sort_unstable();
        keys.dedup();
        let slots = keys
            .into_iter()
            .map(|api_key_index| KeySlot {
                api_key_index,
                state: Arc::new(Mutex::new(None)),
                busy: AtomicUsize::new(0),
            })
            .collect();
        Self { shared: Arc::new(Shared { account_index, slots, cursor: AtomicUsize::new(0), source }) }
    }

    pub fn account_index(&self) -> i64 {
        self.shared.account_index
    }

    /// Next nonce on the least busy key; waits if that key is in use.
    pub async fn acquire(&self) -> Result<NonceGuard<S>, NonceError<S::Error>> {
        let slots = &self.shared.slots;
        if slots.is_empty() {
            return Err(NonceError::NoKeys);
        }
        let start = self.shared.cursor.fetch_add(1, Ordering::Relaxed) % slots.len();
        let idx = (0..slots.len())
            .map(|k| (start + k) % slots.len())
            .min_by_key(|&i| slots[i].busy.load(Ordering::Relaxed))
            .unwrap_or(start);
        self.acquire_slot(idx).await
    }

    /// Next nonce on one specific key (e.g. the key a cancel must come from).
    pub async fn acquire_key(&self, api_key_index: u8) -> Result<NonceGuard<S>, NonceError<S::Error>> {
        let idx = self.slot_of(api_key_index)?;
        self.acquire_slot(idx).await
    }

    /// Forget a key's nonce so the next use re-reads it (after a reconnect, say).
    pub async fn invalidate(&self, api_key_index: u8) -> Result<(), NonceError<S::Error>> {
        let idx = self.slot_of(api_key_index)?;
        *self.shared.slots[idx].state.lock().await = None;
        Ok(())
    }

    /// (api_key_index, guards held + waiters) per key, for metrics and tests.
    pub fn load(&self) -> Vec<(u8, usize)> {
        self.shared.slots.iter().map(|s| (s.api_key_index, s.busy.load(Ordering::Relaxed))).collect()
    }

    fn slot_of(&self, api_key_index: u8) -> Result<usize, NonceError<S::Error>> {
        let slots = &self.shared.slots;
        slots.iter().position(|s| s.api_key_index == api_key_index).ok_or(NonceError::UnknownKey(api_key_index))
    }

    async fn acquire_slot(&self, idx: usize) -> Result<NonceGuard<S>, NonceError<S::Error>> {
        // Counted from before the wait, and released by Drop even if this future is cancelled.
        let busy = BusyToken::new(Arc::clone(&self.shared), idx);
        let slot = &self.shared.slots[idx];
        let mut state = Arc::clone(&slot.state).lock_owned().await;
        let nonce = match *state {
            Some(n) => n,
            None => fetch(&self.shared, idx).await?,
        };
        *state = Some(nonce);
        Ok(NonceGuard { busy, nonce, state })
    }
}

async fn fetch<S: NextNonceSource>(shared: &Shared<S>, idx: usize) -> Result<i64, NonceError<S::Error>> {
    let key = shared.slots[idx].api_key_index;
    let n = shared
        .source
        .next_nonce(shared.account_index, key)
        .await
        .map_err(|source| NonceError::Source { api_key_index: key, source })?;
    if n < 0 { Err(NonceError::Negative(n)) } else { Ok(n) }
}

struct BusyToken<S> {
    shared: Arc<Shared<S>>,
    idx: usize,
}

impl<S> BusyToken<S> {
    fn new(shared: Arc<Shared<S>>, idx: usize) -> Self {
        shared.slots[idx].busy.fetch_add(1, Ordering::Relaxed);
        Self { shared, idx }
    }
}

impl<S> Drop for BusyToken<S> {
    fn drop(&mut self) {
        self.shared.slots[self.idx].busy.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Exclusive use of one key's next nonce. Resolve it with `commit`, `rollback` or `reject`.
/// Dropped unresolved it acts as `rollback`: the usual reason is an error before the send
/// (validation, signing), and the nonce is only consumed by an explicit `commit`. A send
/// cancelled after leaving may have used it; the venue's 21104 then triggers `reject`.
pub struct NonceGuard<S: NextNonceSource> {
    busy: BusyToken<S>,
    nonce: i64,
    state: OwnedMutexGuard<KeyState>,
}

impl<S: NextNonceSource> NonceGuard<S> {
    pub fn nonce(&self) -> i64 {
        self.nonce
    }

    pub fn api_key_index(&self) -> u8 {
        self.busy.shared.slots[self.busy.idx].api_key_index
    }

    /// The venue accepted the transaction, or its fate is unknown: the nonce is used up.
    pub fn commit(mut self) {
        *self.state = Some(self.nonce + 1);
    }

    /// The venue definitely refused it for a reason other than the nonce: reuse the nonce.
    pub fn rollback(self) {
        // The key state already holds this nonce; releasing the lock is all that is left.
    }

    /// Resolve with a venue error code: 21104 re-reads the nonce, anything else rolls back.
    pub async fn reject(self, code: i64) -> Result<(), NonceError<S::Error>> {
        if code == INVALID_NONCE_CODE {
            self.resync().await.map(|_| ())
        } else {
            self.rollback();
            Ok(())
        }
    }

    /// Re-read the next nonce from the source while still holding the key, so no other
    /// send can use the stale value meanwhile. Returns the fresh next nonce.
    pub async fn resync(mut self) -> Result<i64, NonceError<S::Error>> {
        // Unknown until the read succeeds; if it fails or is cancelled the next user re-reads.
        *self.state = None;
        let n = fetch(&self.busy.shared, self.busy.idx).await?;
        *self.state = Some(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests;

//! Unit tests for the nonce manager against an in-memory fake of the venue's `nextNonce`.

use std::collections::HashMap;
use std::sync::Mutex as StdMutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use super::*;

#[derive(Debug, thiserror::Error)]
#[error("fake nextNonce unavailable")]
struct Unavailable;

/// The venue's view: next nonce per key, a read counter and a switch to fail reads.
#[derive(Default)]
struct FakeVenue {
    next: StdMutex<HashMap<u8, i64>>,
    reads: AtomicUsize,
    failing: AtomicBool,
}

impl FakeVenue {
    fn with(keys: &[(u8, i64)]) -> Arc<Self> {
        let venue = Self::default();
        venue.next.lock().unwrap().extend(keys.iter().copied());
        Arc::new(venue)
    }

    fn set(&self, key: u8, nonce: i64) {
        self.next.lock().unwrap().insert(key, nonce);
    }
}

impl NextNonceSource for Arc<FakeVenue> {
    type Error = Unavailable;

    async fn next_nonce(&self, _account_index: i64, api_key_index: u8) -> Result<i64, Unavailable> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        tokio::task::yield_now().await;
        if self.failing.load(Ordering::SeqCst) {
            return Err(Unavailable);
        }
        Ok(self.next.lock().unwrap().get(&api_key_index).copied().unwrap_or(0))
    }
}

#[tokio::test]
async fn commit_advances_and_rollback_reuses() {
    let venue = FakeVenue::with(&[(3, 40)]);
    let mgr = NonceManager::new(1, &[3], Arc::clone(&venue));
    let g = mgr.acquire().await.unwrap();
    assert_eq!((g.api_key_index(), g.nonce()), (3, 40));
    g.commit();
    let g = mgr.acquire().await.unwrap();
    assert_eq!(g.nonce(), 41);
    g.rollback();
    let g = mgr.acquire().await.unwrap();
    assert_eq!(g.nonce(), 41);
    g.reject(21_700).await.unwrap(); // a non-nonce reject also hands the nonce back
    assert_eq!(mgr.acquire().await.unwrap().nonce(), 41);
    // Read once, lazily; everything after is local.
    assert_eq!(venue.reads.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn invalid_nonce_rereads_from_the_venue() {
    let venue = FakeVenue::with(&[(5, 10)]);
    let mgr = NonceManager::new(1, &[5], Arc::clone(&venue));
    let g = mgr.acquire().await.unwrap();
    assert_eq!(g.nonce(), 10);
    venue.set(5, 57); // e.g. another process used the key
    g.reject(INVALID_NONCE_CODE).await.unwrap();
    assert_eq!(venue.reads.load(Ordering::SeqCst), 2);
    assert_eq!(mgr.acquire_key(5).await.unwrap().nonce(), 57);
}

#[tokio::test]
async fn dropped_guard_returns_its_nonce_and_source_errors_recover() {
    let venue = FakeVenue::with(&[(2, 0)]);
    let mgr = NonceManager::new(1, &[2], Arc::clone(&venue));
    drop(mgr.acquire().await.unwrap()); // e.g. validation failed before sending
    assert_eq!(mgr.acquire().await.unwrap().nonce(), 0, "only commit consumes a nonce");

    mgr.invalidate(2).await.unwrap();
    venue.failing.store(true, Ordering::SeqCst);
    assert!(matches!(mgr.acquire().await, Err(NonceError::Source { api_key_index: 2, .. })));
    assert_eq!(mgr.load(), vec![(2, 0)], "a failed acquire must not leave the key marked busy");
    venue.failing.store(false, Ordering::SeqCst);
    venue.set(2, 9);
    assert_eq!(mgr.acquire().await.unwrap().nonce(), 9);
    assert!(matches!(mgr.acquire_key(8).await, Err(NonceError::UnknownKey(8))));
    let empty = NonceManager::new(1, &[], Arc::clone(&venue));
    assert!(matches!(empty.acquire().await, Err(NonceError::NoKeys)));
}

#[tokio::test]
async fn parallel_sends_spread_over_keys_and_cancelled_waits_release() {
    let venue = FakeVenue::with(&[(2, 100), (3, 200), (4, 300)]);
    let mgr = NonceManager::new(1, &[4, 2, 3], Arc::clone(&venue));
    let a = mgr.acquire().await.unwrap();
    let b = mgr.acquire().await.unwrap();
    let c = mgr.acquire().await.unwrap();
    let mut keys = vec![a.api_key_index(), b.api_key_index(), c.api_key_index()];
    keys.sort_unstable();
    assert_eq!(keys, vec![2, 3, 4], "three concurrent guards must use three keys");

    // All keys busy: a fourth acquire waits; cancelling it must not leak a busy count.
    let waited = tokio::time::timeout(Duration::from_millis(20), mgr.acquire()).await;
    assert!(waited.is_err());
    assert!(mgr.load().iter().all(|&(_, busy)| busy == 1));
    let freed = b.api_key_index();
    b.commit();
    let d = mgr.acquire().await.unwrap();
    assert_eq!(d.api_key_index(), freed, "the only idle key is chosen");
    drop((a, c, d));
    assert!(mgr.load().iter().all(|&(_, busy)| busy == 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_tasks_get_strictly_increasing_unique_nonces_per_key() {
    const TASKS: usize = 400;
    let starts = [(2u8, 1_000i64), (3, 5_000), (7, 0)];
    let venue = FakeVenue::with(&starts);
    let mgr = NonceManager::new(42, &[2, 3, 7], Arc::clone(&venue));
    let log = Arc::new(StdMutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for i in 0..TASKS {
        let (mgr, log) = (mgr.clone(), Arc::clone(&log));
        tasks.push(tokio::spawn(async move {
            let g = mgr.acquire().await.unwrap();
            // Logged while the key is held, so log order is the order the venue would see.
            log.lock().unwrap().push((g.api_key_index(), g.nonce()));
            if i % 3 == 0 {
                tokio::task::yield_now().await; // simulate the HTTP round trip
            }
            g.commit();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let log = log.lock().unwrap();
    assert_eq!(log.len(), TASKS);
    for (key, start) in starts {
        let seq: Vec<i64> = log.iter().filter(|(k, _)| *k == key).map(|(_, n)| *n).collect();
        assert!(!seq.is_empty(), "key {key} was never used");
        let expected: Vec<i64> = (start..start + seq.len() as i64).collect();
        assert_eq!(seq, expected, "key {key}: nonces must be consecutive, unique and increasing");
    }
    assert_eq!(venue.reads.load(Ordering::SeqCst), 3, "one venue read per key");
    assert!(mgr.load().iter().all(|&(_, busy)| busy == 0));
}

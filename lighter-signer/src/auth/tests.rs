//! Unit tests for auth tokens and the refresh cache (clock passed in, no sleeping).

use super::*;

// Test-only key pair from the official signer vectors; never used for real funds.
const KEY: &str = "0x2b9c384d9f7b86e700196c1786c2e7b94593474573ea46c35b4f86c31531f79ac4b42b654fdf1d6e";
const ACCOUNT: i64 = 281_474_976_710_000;

fn signer() -> LighterSigner {
    match LighterSigner::new(KEY, ACCOUNT, 7, 304) {
        Ok(s) => s,
        Err(e) => panic!("test key must parse: {e}"),
    }
}

#[test]
fn token_round_trips_and_checks_time() {
    let s = signer();
    let now = 1_800_000_000;
    let token = s.create_auth_token(now + 3600).unwrap();
    assert!(token.starts_with(&format!("{}:{ACCOUNT}:7:", now + 3600)));
    let parsed = verify_auth_token(&token, &s.public_key(), now).unwrap();
    assert_eq!(parsed.deadline, now + 3600);
    assert_eq!(
        verify_auth_token(&token, &s.public_key(), now + 3600),
        Err(AuthError::Expired { deadline: now + 3600, now: now + 3600 })
    );
    let far = s.create_auth_token(now + MAX_TOKEN_LIFETIME_S + 1).unwrap();
    assert!(matches!(verify_auth_token(&far, &s.public_key(), now), Err(AuthError::TooFarAhead { .. })));
    assert!(verify_auth_token(&far, &s.public_key(), now + 1).is_ok());
}

#[test]
fn tampered_or_malformed_tokens_are_refused() {
    let s = signer();
    let now = 1_800_000_000;
    let token = s.create_auth_token(now + 60).unwrap();
    // Same signature, claimed for another account: the signed message no longer matches.
    let other = token.replacen(&ACCOUNT.to_string(), &(ACCOUNT - 1).to_string(), 1);
    assert_eq!(verify_auth_token(&other, &s.public_key(), now), Err(AuthError::Signature(VerifyError::Mismatch)));
    // A zero-padded deadline parses to the same number but is not the signed text.
    assert_eq!(verify_auth_token(&format!("0{token}"), &s.public_key(), now), Err(AuthError::Format));
    for bad in ["", "1:2:3", "1:2:3:zz", "1:2:3:abcd", "x:2:3:00", &format!("{token}:extra")] {
        assert!(AuthToken::parse(bad).is_err(), "{bad:?} should not parse");
    }
}

#[test]
fn cache_reuses_until_refresh_margin_then_mints() {
    let s = signer();
    let mut cache = AuthTokenCache::new(3600, 900);
    let t0 = 1_800_000_000;
    assert!(cache.needs_refresh(t0));
    let first = cache.token(&s, t0).unwrap().to_owned();
    assert_eq!(cache.deadline(), Some(t0 + 3600));
    // Still well before the margin: same token (signatures are random, so equality means reuse).
    assert_eq!(cache.token(&s, t0 + 2699).unwrap(), first);
    assert!(!cache.needs_refresh(t0 + 2699));
    // At deadline − 15 min a new token with a new deadline is minted.
    assert!(cache.needs_refresh(t0 + 2700));
    let second = cache.token(&s, t0 + 2700).unwrap().to_owned();
    assert_ne!(second, first);
    assert_eq!(cache.deadline(), Some(t0 + 2700 + 3600));
    assert!(verify_auth_token(&second, &s.public_key(), t0 + 2700).is_ok());
}

#[test]
fn cache_invalidate_and_clamping() {
    let s = signer();
    let mut cache = AuthTokenCache::default();
    let t0 = 1_800_000_000;
    let first = cache.token(&s, t0).unwrap().to_owned();
    assert_eq!(cache.deadline(), Some(t0 + DEFAULT_TOKEN_LIFETIME_S));
    cache.invalidate();
    assert!(cache.needs_refresh(t0));
    assert_ne!(cache.token(&s, t0).unwrap(), first);

    // A lifetime beyond the venue's 8 h is clamped; a margin ≥ lifetime cannot cause churn.
    let mut long = AuthTokenCache::new(24 * 3600, 48 * 3600);
    long.token(&s, t0).unwrap();
    assert_eq!(long.deadline(), Some(t0 + MAX_TOKEN_LIFETIME_S));
    assert!(!long.needs_refresh(t0));
}

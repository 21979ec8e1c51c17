//! The fake's check of a Lighter auth token, for REST reads and WebSocket subscriptions alike.

use super::FakeInner;
use super::codes;
use super::codes::ApiError;
use lighter_signer::auth::{AuthToken, verify_auth_token};

/// Verifies the token's signature against the key it names, its time window, and that it
/// belongs to `account`.
pub(super) fn authorize(fake: &FakeInner, token: Option<&str>, account: i64) -> Result<(), ApiError> {
    let bad = |m: String| ApiError::new(codes::INVALID_AUTH, m);
    let token = token.ok_or_else(|| bad("auth token required".into()))?;
    let parsed = AuthToken::parse(token).map_err(|e| bad(e.to_string()))?;
    let pk = fake
        .lock()
        .accounts
        .get(&parsed.account_index)
        .and_then(|a| a.keys.get(&parsed.api_key_index).copied())
        .ok_or_else(|| bad("auth token for an unknown api key".into()))?;
    verify_auth_token(token, &pk, fake.config.clock.now_s()).map_err(|e| bad(e.to_string()))?;
    if parsed.account_index != account {
        return Err(bad("auth token is for another account".into()));
    }
    Ok(())
}

//! Lighter auth tokens for private REST and WebSocket channels (§2.6):
//! `"{deadline_s}:{account}:{api_key}:{hex(sig)}"`, where the signature covers the Poseidon2
//! hash of the ASCII prefix. Creation, verification (for a fake venue) and a refresh cache
//! that takes the clock as a parameter so it stays pure.

use poseidon_hash::{Goldilocks, hash_to_quintic_extension};

use super::{LighterSigner, SignerError, VerifyError, fp5_to_bytes, verify};

/// The venue refuses deadlines more than this far ahead (a later one only becomes valid
/// once it is within this window).
pub const MAX_TOKEN_LIFETIME_S: i64 = 8 * 3600;
/// The shared library's default lifetime; an hour of slack under the venue's limit.
pub const DEFAULT_TOKEN_LIFETIME_S: i64 = 7 * 3600;
/// Refresh this long before expiry, as NautilusTrader does, so a token never dies mid-request.
pub const DEFAULT_REFRESH_BEFORE_S: i64 = 15 * 60;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("auth token is not deadline:account:api_key:sighex")]
    Format,
    #[error("auth token signature: {0}")]
    Signature(#[from] VerifyError),
    #[error("auth token expired at {deadline} (now {now})")]
    Expired { deadline: i64, now: i64 },
    #[error("auth token deadline {deadline} is more than 8 h after now ({now})")]
    TooFarAhead { deadline: i64, now: i64 },
}

/// A parsed token. Parsing alone proves nothing; call `verify_signature` and `check_time`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthToken {
    pub deadline: i64,
    pub account_index: i64,
    pub api_key_index: u8,
    pub signature: [u8; 80],
}

/// The signed part of a token.
pub fn auth_message(deadline: i64, account_index: i64, api_key_index: u8) -> String {
    format!("{deadline}:{account_index}:{api_key_index}")
}

/// Poseidon2 hash of the message's bytes read as little-endian u64 chunks, the last one
/// zero-padded. ASCII bytes keep every chunk below 2⁶³, hence a canonical field element.
pub fn auth_message_hash(message: &str) -> [u8; 40] {
    let elems: Vec<Goldilocks> = message
        .as_bytes()
        .chunks(8)
        .map(|chunk| {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            Goldilocks::from_noncanonical_u64(u64::from_le_bytes(word))
        })
        .collect();
    fp5_to_bytes(&hash_to_quintic_extension(&elems))
}

impl LighterSigner {
    /// A token valid until `deadline` (Unix seconds).
    pub fn create_auth_token(&self, deadline: i64) -> Result<String, SignerError> {
        let msg = auth_message(deadline, self.account_index(), self.api_key_index());
        let sig = self.sign_hash(&auth_message_hash(&msg))?;
        Ok(format!("{msg}:{}", hex::encode(sig)))
    }
}

impl AuthToken {
    pub fn parse(token: &str) -> Result<Self, AuthError> {
        let mut parts = token.split(':');
        let (Some(d), Some(a), Some(k), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(AuthError::Format);
        };
        let mut signature = [0u8; 80];
        hex::decode_to_slice(s, &mut signature).map_err(|_| AuthError::Format)?;
        Ok(Self {
            deadline: d.parse().map_err(|_| AuthError::Format)?,
            account_index: a.parse().map_err(|_| AuthError::Format)?,
            api_key_index: k.parse().map_err(|_| AuthError::Format)?,
            signature,
        })
    }

    /// Re-renders the signed message from the parsed numbers. A token whose text differs
    /// from this (leading zeros, `+`) fails verification, as it would at the venue.
    pub fn message(&self) -> String {
        auth_message(self.deadline, self.account_index, self.api_key_index)
    }

    pub fn verify_signature(&self, public_key: &[u8]) -> Result<(), AuthError> {
        Ok(verify(&auth_message_hash(&self.message()), &self.signature, public_key)?)
    }

    /// Valid at `now` (Unix seconds) iff not expired and at most 8 h ahead.
    pub fn check_time(&self, now: i64) -> Result<(), AuthError> {
        if self.deadline <= now {
            return Err(AuthError::Expired { deadline: self.deadline, now });
        }
        if self.deadline - now > MAX_TOKEN_LIFETIME_S {
            return Err(AuthError::TooFarAhead { deadline: self.deadline, now });
        }
        Ok(())
    }
}

/// Everything a fake venue checks on an `authorization` header: layout, signature and time.
pub fn verify_auth_token(token: &str, public_key: &[u8], now: i64) -> Result<AuthToken, AuthError> {
    let parsed = AuthToken::parse(token)?;
    if token.rsplit_once(':').map(|(msg, _)| msg) != Some(parsed.message().as_str()) {
        return Err(AuthError::Format);
    }
    parsed.verify_signature(public_key)?;
    parsed.check_time(now)?;
    Ok(parsed)
}

/// Holds the current token and mints a new one when it is within `refresh_before_s` of its
/// deadline. Pure: the caller passes `now` (Unix seconds), which keeps it testable.
#[derive(Debug, Clone)]
pub struct AuthTokenCache {
    lifetime_s: i64,
    refresh_before_s: i64,
    current: Option<(String, i64)>,
}

impl Default for AuthTokenCache {
    fn default() -> Self {
        Self::new(DEFAULT_TOKEN_LIFETIME_S, DEFAULT_REFRESH_BEFORE_S)
    }
}

impl AuthTokenCache {
    /// Lifetime is clamped to the venue's 8 h; the refresh margin to below the lifetime, so a
    /// fresh token is never considered stale.
    pub fn new(lifetime_s: i64, refresh_before_s: i64) -> Self {
        let lifetime_s = lifetime_s.clamp(1, MAX_TOKEN_LIFETIME_S);
        let refresh_before_s = refresh_before_s.clamp(0, lifetime_s - 1);
        Self { lifetime_s, refresh_before_s, current: None }
    }

    pub fn needs_refresh(&self, now: i64) -> bool {
        self.current.as_ref().is_none_or(|(_, deadline)| now >= deadline - self.refresh_before_s)
    }

    /// The current token, minting a new one first if it is missing or about to expire.
    pub fn token(&mut self, signer: &LighterSigner, now: i64) -> Result<&str, SignerError> {
        let current = match self.current.take() {
            Some(held) if now < held.1 - self.refresh_before_s => held,
            _ => {
                let deadline = now + self.lifetime_s;
                (signer.create_auth_token(deadline)?, deadline)
            }
        };
        Ok(&self.current.insert(current).0)
    }

    /// Deadline of the held token, if any.
    pub fn deadline(&self) -> Option<i64> {
        self.current.as_ref().map(|(_, d)| *d)
    }

    /// Drop the token, e.g. after the venue refused it or the API key changed.
    pub fn invalidate(&mut self) {
        self.current = None;
    }
}

#[cfg(test)]
mod tests;

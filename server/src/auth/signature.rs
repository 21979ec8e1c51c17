//! Signed requests from signal sources: `X-Signature` is
//! `hex(HMAC-SHA256(secret, "<X-Timestamp>\n<exact body bytes>"))`, and `X-Timestamp` (unix ms)
//! must be within the window of the server's clock. The timestamp is inside the signature, so
//! a captured request cannot be replayed once the window has passed, nor its body changed.

use app::TimestampMs;
use app::signal::signing_string;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Why a signed request was refused; the text is the answer's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("X-Timestamp must be the time in ms since 1970-01-01, got {0:?}")]
    Timestamp(String),
    #[error("X-Timestamp is {off_secs} s from the server's clock; signed requests are accepted within {window_secs} s")]
    OutsideWindow { off_secs: i64, window_secs: u64 },
    #[error("X-Signature must be 64 hex digits")]
    Malformed,
    #[error("X-Signature does not match the timestamp and body")]
    Mismatch,
}

/// The signature a source computes (lower-case hex), for examples and tests.
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
}

fn mac(secret: &str, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    m.update(&signing_string(timestamp, body));
    m
}

/// Check a signed request: the timestamp within `window_secs` of `now`, then the signature
/// (compared in constant time).
pub fn verify(
    secret: &str,
    timestamp: &str,
    body: &[u8],
    signature: &str,
    now: TimestampMs,
    window_secs: u64,
) -> Result<TimestampMs, SignatureError> {
    let t: TimestampMs = timestamp.trim().parse().map_err(|_| SignatureError::Timestamp(timestamp.to_owned()))?;
    let off_ms = now - t;
    if off_ms.unsigned_abs() > window_secs.saturating_mul(1000) {
        return Err(SignatureError::OutsideWindow { off_secs: off_ms / 1000, window_secs });
    }
    let given = hex::decode(signature.trim()).map_err(|_| SignatureError::Malformed)?;
    if given.len() != 32 {
        return Err(SignatureError::Malformed);
    }
    mac(secret, timestamp, body).verify_slice(&given).map_err(|_| SignatureError::Mismatch)?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: TimestampMs = 1_800_000_000_000;

    #[test]
    fn a_known_vector() {
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"s3cret",b"1800000000000\n{}",hashlib.sha256).hexdigest())'
        assert_eq!(
            sign("s3cret", "1800000000000", b"{}"),
            "90d1a957610eb64ce401731b4b4f3856f3e2608a27dae486be1d100e7e185572"
        );
    }

    #[test]
    fn accepts_within_the_window_and_refuses_replays_changes_and_forgeries() {
        let body = br#"{"signal_id":"a"}"#;
        let ts = (NOW - 29_000).to_string();
        let sig = sign("k", &ts, body);
        assert_eq!(verify("k", &ts, body, &sig, NOW, 30), Ok(NOW - 29_000));
        assert_eq!(verify("k", &ts, body, &sig.to_uppercase(), NOW, 30), Ok(NOW - 29_000), "hex in either case");
        // The same request a little later: outside the window.
        let later = verify("k", &ts, body, &sig, NOW + 2_000, 30);
        assert_eq!(later, Err(SignatureError::OutsideWindow { off_secs: 31, window_secs: 30 }));
        // From the future too.
        let early = (NOW + 31_000).to_string();
        assert!(matches!(
            verify("k", &early, body, &sign("k", &early, body), NOW, 30),
            Err(SignatureError::OutsideWindow { .. })
        ));
        // One byte of the body changed, another secret, another timestamp.
        assert_eq!(verify("k", &ts, br#"{"signal_id":"b"}"#, &sig, NOW, 30), Err(SignatureError::Mismatch));
        assert_eq!(verify("other", &ts, body, &sig, NOW, 30), Err(SignatureError::Mismatch));
        let ts2 = (NOW - 28_000).to_string();
        assert_eq!(verify("k", &ts2, body, &sig, NOW, 30), Err(SignatureError::Mismatch));
        assert_eq!(verify("k", &ts, body, "zz", NOW, 30), Err(SignatureError::Malformed));
        assert_eq!(verify("k", "yesterday", body, &sig, NOW, 30), Err(SignatureError::Timestamp("yesterday".into())));
    }
}

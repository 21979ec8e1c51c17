//! HMAC-SHA256 request signing (§1.3): everything goes in the query string, the exact string
//! sent is what gets signed, and `&signature=<hex>` is appended last.
//!
//! Pure: no clock, no I/O. The caller adds `timestamp`/`recvWindow` before signing.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use std::fmt;

type HmacSha256 = Hmac<Sha256>;

/// An API key and its secret. Debug never prints either.
#[derive(Clone)]
pub struct Credentials {
    api_key: SecretString,
    secret: SecretString,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials { .. }")
    }
}

impl Credentials {
    pub fn new(api_key: SecretString, secret: SecretString) -> Self {
        Self { api_key, secret }
    }

    /// The value of the `X-MBX-APIKEY` header.
    pub fn api_key(&self) -> &str {
        self.api_key.expose_secret()
    }

    /// Lower-case hex HMAC-SHA256 of `payload` (query string followed by body, as sent).
    pub fn signature(&self, payload: &str) -> String {
        signature(self.secret.expose_secret(), payload)
    }

    /// `query&signature=<hex>`: the string to put after `?`, byte for byte what was signed.
    pub fn signed_query(&self, query: &str) -> String {
        let sig = self.signature(query);
        if query.is_empty() { format!("signature={sig}") } else { format!("{query}&signature={sig}") }
    }
}

/// HMAC-SHA256 of `payload` keyed by `secret`, as lower-case hex.
pub fn signature(secret: &str, payload: &str) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here; the fallback keeps
    // the function total without an unwrap.
    match HmacSha256::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(payload.as_bytes());
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// Form-encode parameters in the given order (`a=1&b=x%2Fy`). Order matters for the signature,
/// so this never sorts.
pub fn encode_query(params: &[(&str, String)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        ser.append_pair(k, v);
    }
    ser.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binance_doc_example() {
        let secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
        let query = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
        assert_eq!(signature(secret, query), "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
    }

    #[test]
    fn encoding_keeps_order_and_escapes() {
        let q = encode_query(&[("symbol", "BTCUSDT".into()), ("newClientOrderId", "a/b:c".into())]);
        assert_eq!(q, "symbol=BTCUSDT&newClientOrderId=a%2Fb%3Ac");
    }
}

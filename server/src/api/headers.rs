//! Security headers on every response, the SPA's files and the API's answers alike. The
//! Content-Security-Policy allows only our own origin: scripts from files (the page has no
//! inline script; `xtask` writes its loader to `/boot.js`), WebAssembly compiled from them
//! (`'wasm-unsafe-eval'`, which `WebAssembly.instantiate` needs and which allows no JS `eval`),
//! styles from our stylesheet, and fetches and WebSockets to this server. No page may frame
//! ours (clickjacking), browsers may not guess content types, and no URL leaks as a referrer.

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

/// Each header and its value, as sent.
pub const HEADERS: [(HeaderName, &str); 4] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    // For browsers that predate `frame-ancestors`.
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
];

/// `router` with the headers added to every response that does not set its own.
pub fn add(router: Router) -> Router {
    HEADERS.into_iter().fold(router, |r, (name, value)| {
        r.layer(SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value)))
    })
}

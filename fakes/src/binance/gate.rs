//! Every REST request enters here: counted, then checked against the ban and the injected
//! 429/418 storm, charged its weight, authenticated (API key, HMAC over the raw query string
//! and body, `timestamp`/`recvWindow` against the fake clock), dispatched, and answered with
//! `X-MBX-USED-WEIGHT-1M` (and `X-MBX-ORDER-COUNT-*` for orders).

use super::core::{AfterAccept, Fake};
use super::error::ApiError;
use super::params::Params;
use super::routes::{self, Security};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;

const MINUTE_MS: i64 = 60_000;

pub async fn rest_entry(
    State(fake): State<Arc<Fake>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = fake.clock.now_ms();
    let path = uri.path().to_owned();
    let query = uri.query().unwrap_or("").to_owned();
    {
        let mut c = fake.counters();
        c.requests += 1;
        *c.by_path.entry(path.clone()).or_default() += 1;
    }
    if let Err(e) = rate_gate(&fake, now) {
        return finish(&fake, Err(e), false);
    }
    let Some(endpoint) = routes::find(&method, &path) else {
        let e = ApiError::new(-1000, format!("Unknown endpoint {method} {path}")).with_status(StatusCode::NOT_FOUND);
        return finish(&fake, Err(e), false);
    };
    let params = Params::parse(&query, &body);
    if let Err(e) = charge_weight(&fake, (endpoint.weight)(&params), now) {
        return finish(&fake, Err(e), false);
    }
    let auth = authenticate(&fake, endpoint.security, &headers, &query, &body, &params, now);
    if endpoint.order && auth.is_ok() && lose_order(&fake, &params) {
        let mut r = (StatusCode::BAD_GATEWAY, "<html><body><h1>502 Bad Gateway</h1></body></html>").into_response();
        add_headers(&fake, &mut r, true);
        return r;
    }
    let result = auth.and_then(|()| (endpoint.handler)(&fake, &params, now));
    if endpoint.order && result.is_ok() {
        let fault = fake.faults().after_accept.pop_front();
        match fault {
            Some(AfterAccept::ServerError) => {
                let mut r =
                    (StatusCode::SERVICE_UNAVAILABLE, "<html><body><h1>503 Service Unavailable</h1></body></html>")
                        .into_response();
                add_headers(&fake, &mut r, true);
                return r;
            }
            Some(AfterAccept::UnknownStatus) => {
                let msg =
                    "Timeout waiting for response from backend server. Send status unknown; execution status unknown.";
                return finish(&fake, Err(ApiError::new(-1007, msg).with_status(StatusCode::REQUEST_TIMEOUT)), true);
            }
            Some(AfterAccept::Stall(d)) => tokio::time::sleep(d).await,
            None => {}
        }
    }
    finish(&fake, result, endpoint.order)
}

/// An injected loss: the request is counted as a submission but never reaches matching.
fn lose_order(fake: &Fake, params: &Params) -> bool {
    let mut f = fake.faults();
    if f.lose_orders == 0 {
        return false;
    }
    f.lose_orders -= 1;
    drop(f);
    if let Some(id) = params.get("newClientOrderId") {
        *fake.counters().submissions.entry(id.to_owned()).or_default() += 1;
    }
    true
}

fn finish(fake: &Fake, result: Result<serde_json::Value, ApiError>, order: bool) -> Response {
    let mut response = match result {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => {
            *fake.counters().codes.entry(e.code).or_default() += 1;
            e.into_response()
        }
    };
    add_headers(fake, &mut response, order);
    response
}

fn add_headers(fake: &Fake, response: &mut Response, order: bool) {
    let c = fake.counters();
    let mut put = |name: &'static str, v: u32| {
        if let Ok(v) = HeaderValue::from_str(&v.to_string()) {
            response.headers_mut().insert(name, v);
        }
    };
    put("X-MBX-USED-WEIGHT-1M", c.weight.used);
    if order {
        put("X-MBX-ORDER-COUNT-10S", c.orders_10s.used);
        put("X-MBX-ORDER-COUNT-1M", c.orders_1m.used);
    }
}

/// A ban in force answers 418 to everything (and counts it: a well-behaved client sends
/// nothing now); an injected storm answers 429s, then starts a ban with a 418.
fn rate_gate(fake: &Fake, now: i64) -> Result<(), ApiError> {
    let mut c = fake.counters();
    if c.ban_until_ms > now {
        c.while_banned += 1;
        let secs = ((c.ban_until_ms - now) + 999) / 1000;
        let msg = format!(
            "Way too many requests; IP(127.0.0.1) banned until {}. Please use the websocket for live updates to avoid bans.",
            c.ban_until_ms
        );
        return Err(teapot(msg, secs as u64));
    }
    let mut f = fake.faults();
    if f.storm_429 > 0 {
        f.storm_429 -= 1;
        let msg = "Too many requests; current limit of IP(127.0.0.1) is 2400 requests per minute. Please use the websocket for live updates to avoid polling the API.";
        let mut e = ApiError::new(-1003, msg).with_status(StatusCode::TOO_MANY_REQUESTS);
        e.retry_after_s = Some(f.retry_after_429_s);
        return Err(e);
    }
    if let Some(secs) = f.ban_418_s.take() {
        c.ban_until_ms = now + secs as i64 * 1000;
        let msg = format!(
            "Way too many requests; IP(127.0.0.1) banned until {}. Please use the websocket for live updates to avoid bans.",
            c.ban_until_ms
        );
        return Err(teapot(msg, secs));
    }
    Ok(())
}

fn teapot(msg: String, secs: u64) -> ApiError {
    let mut e = ApiError::new(-1003, msg).with_status(StatusCode::IM_A_TEAPOT);
    e.retry_after_s = Some(secs);
    e
}

fn charge_weight(fake: &Fake, weight: u32, now: i64) -> Result<(), ApiError> {
    let mut c = fake.counters();
    c.weight.roll(now, MINUTE_MS);
    if c.weight.used + weight > fake.config.weight_limit {
        let mut e = ApiError::new(
            -1003,
            format!(
                "Too many requests; current limit of IP(127.0.0.1) is {} requests per minute.",
                fake.config.weight_limit
            ),
        )
        .with_status(StatusCode::TOO_MANY_REQUESTS);
        e.retry_after_s = Some(((c.weight.start + MINUTE_MS - now).max(1000) / 1000) as u64);
        return Err(e);
    }
    c.weight.used += weight;
    Ok(())
}

fn authenticate(
    fake: &Fake,
    security: Security,
    headers: &HeaderMap,
    query: &str,
    body: &[u8],
    params: &Params,
    now: i64,
) -> Result<(), ApiError> {
    if security == Security::Public {
        return Ok(());
    }
    let key = headers.get("X-MBX-APIKEY").and_then(|v| v.to_str().ok()).filter(|k| !k.is_empty());
    let Some(key) = key else {
        return Err(ApiError::new(-2014, "API-key format invalid.").with_status(StatusCode::UNAUTHORIZED));
    };
    if key != fake.config.api_key {
        return Err(ApiError::new(-2015, "Invalid API-key, IP, or permissions for action, request ip: 127.0.0.1")
            .with_status(StatusCode::UNAUTHORIZED));
    }
    if security == Security::ApiKey {
        return Ok(());
    }
    let signature = params.required("signature")?;
    // totalParams = query string (without the signature) followed directly by the body.
    let unsigned: Vec<&str> = query.split('&').filter(|kv| !kv.starts_with("signature=")).collect();
    let payload = format!("{}{}", unsigned.join("&"), String::from_utf8_lossy(body));
    let expected = Hmac::<Sha256>::new_from_slice(fake.config.api_secret.as_bytes())
        .map(|mut mac| {
            mac.update(payload.as_bytes());
            hex::encode(mac.finalize().into_bytes())
        })
        .unwrap_or_default();
    if !expected.eq_ignore_ascii_case(signature) {
        return Err(ApiError::new(-1022, "Signature for this request is not valid."));
    }
    let timestamp = params.int("timestamp")?.ok_or_else(|| ApiError::mandatory("timestamp"))?;
    let recv_window = params.int("recvWindow")?.unwrap_or(5_000);
    if recv_window > 60_000 {
        return Err(ApiError::new(-1131, "recvWindow must be less than 60000"));
    }
    if timestamp > now + 1_000 || now - timestamp > recv_window {
        return Err(ApiError::new(-1021, "Timestamp for this request is outside of the recvWindow."));
    }
    Ok(())
}

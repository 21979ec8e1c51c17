//! The one REST request path: weight gate, signing over the exact query string sent, the
//! `-1021` clock resync with a single retry, and error classification (§1.7).
//!
//! Stateless apart from the clock offset and limiter counters it owns; endpoints live in
//! [`super::endpoints`].

use super::clock::ServerClock;
use super::error::{BinanceError, code};
use super::limiter::{Limiter, Observation, parse_banned_until};
use super::sign::{Credentials, encode_query};
use super::wire::{CodeMsg, ServerTime, decode};
use reqwest::Method;
use reqwest::header::HeaderMap;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Market data: no key.
    Public,
    /// USER_STREAM (listenKey): key header, no signature.
    ApiKey,
    /// TRADE and USER_DATA: key header, `timestamp`, `recvWindow`, `signature`.
    Signed,
}

/// One request: what to send and what it costs.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: Method,
    pub path: &'static str,
    pub params: Vec<(&'static str, String)>,
    pub weight: u32,
    pub security: Security,
    /// Counts against the ORDERS limits.
    pub order: bool,
}

impl Call {
    pub fn new(method: Method, path: &'static str, weight: u32, security: Security) -> Self {
        Self { method, path, params: Vec::new(), weight, security, order: false }
    }

    pub fn param(mut self, key: &'static str, value: impl ToString) -> Self {
        self.params.push((key, value.to_string()));
        self
    }

    pub fn opt_param(self, key: &'static str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.param(key, v),
            None => self,
        }
    }

    pub fn is_mutation(&self) -> bool {
        self.method != Method::GET
    }
}

#[derive(Debug, Clone)]
pub struct RestSettings {
    pub base_url: String,
    pub recv_window_ms: u64,
    pub timeout: Duration,
    /// Re-learn the server clock offset when it is older than this.
    pub clock_max_age: Duration,
}

pub struct RestClient {
    http: reqwest::Client,
    settings: RestSettings,
    credentials: Option<Credentials>,
    clock: Arc<ServerClock>,
    limiter: Limiter,
    /// One clock sync at a time: a burst of -1021s must not become a burst of /time calls.
    sync_lock: tokio::sync::Mutex<()>,
}

impl RestClient {
    pub fn new(
        settings: RestSettings,
        credentials: Option<Credentials>,
        clock: Arc<ServerClock>,
    ) -> Result<Self, BinanceError> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .build()
            .map_err(|e| BinanceError::Config(format!("HTTP client: {e}")))?;
        url::Url::parse(&settings.base_url)
            .map_err(|e| BinanceError::Config(format!("REST URL {:?}: {e}", settings.base_url)))?;
        Ok(Self {
            http,
            settings,
            credentials,
            clock,
            limiter: Limiter::default(),
            sync_lock: tokio::sync::Mutex::new(()),
        })
    }

    pub fn has_credentials(&self) -> bool {
        self.credentials.is_some()
    }

    pub fn base_url(&self) -> &str {
        &self.settings.base_url
    }

    pub fn clock(&self) -> &ServerClock {
        &self.clock
    }

    pub fn limiter(&self) -> &Limiter {
        &self.limiter
    }

    /// Send `call` and return the 2xx body. A signed call that meets `-1021` resyncs the clock
    /// and is retried once: Binance rejected it before acting, so the retry cannot duplicate.
    pub async fn send(&self, call: &Call) -> Result<Vec<u8>, BinanceError> {
        if call.security != Security::Public && self.credentials.is_none() {
            return Err(BinanceError::ReadOnly);
        }
        if call.security == Security::Signed && self.clock_stale() {
            let _guard = self.sync_lock.lock().await;
            // Another task may have synced while we waited for the lock.
            if self.clock_stale() {
                self.sync_time_locked().await?;
            }
        }
        match self.send_once(call).await {
            Err(e) if call.security == Security::Signed && e.api_code() == Some(code::INVALID_TIMESTAMP) => {
                tracing::warn!(error = %e, "binance -1021: resyncing the clock and retrying once");
                self.sync_time().await?;
                self.send_once(call).await
            }
            other => other,
        }
    }

    fn clock_stale(&self) -> bool {
        self.clock.needs_sync(self.settings.clock_max_age.as_millis() as i64)
    }

    /// Learn the server clock offset from `GET /fapi/v1/time`.
    pub async fn sync_time(&self) -> Result<(), BinanceError> {
        let _guard = self.sync_lock.lock().await;
        self.sync_time_locked().await
    }

    async fn sync_time_locked(&self) -> Result<(), BinanceError> {
        let sent = self.clock.local_ms();
        let body = self.send_once(&Call::new(Method::GET, "/fapi/v1/time", 1, Security::Public)).await?;
        let received = self.clock.local_ms();
        let t: ServerTime = decode(&body).map_err(|e| BinanceError::Decode(e.to_string()))?;
        self.clock.record(sent, received, t.server_time);
        tracing::debug!(offset_ms = self.clock.offset_ms(), "binance clock synced");
        Ok(())
    }

    async fn send_once(&self, call: &Call) -> Result<Vec<u8>, BinanceError> {
        self.limiter.acquire(call.weight, call.order, self.clock.now_ms())?;
        let url = self.url(call)?;
        let mut request = self.http.request(call.method.clone(), url);
        if call.security != Security::Public {
            let creds = self.credentials.as_ref().ok_or(BinanceError::ReadOnly)?;
            request = request.header("X-MBX-APIKEY", creds.api_key());
        }
        let response = request.send().await.map_err(transport_error)?;
        let status = response.status().as_u16();
        self.limiter.observe(&observation(status, response.headers()), self.clock.now_ms());
        let body = response.bytes().await.map_err(|e| BinanceError::NoResponse(e.to_string()))?;
        if (200..300).contains(&status) {
            return Ok(body.to_vec());
        }
        let err = match decode::<CodeMsg>(&body) {
            Ok(CodeMsg { code, msg }) => BinanceError::Api { status, code, msg },
            Err(_) if status == 429 || status == 418 => {
                BinanceError::Api { status, code: code::TOO_MANY_REQUESTS, msg: format!("HTTP {status}") }
            }
            Err(_) => {
                BinanceError::Server { status, body: String::from_utf8_lossy(&body[..body.len().min(200)]).into() }
            }
        };
        if let BinanceError::Api { code: code::TOO_MANY_REQUESTS, msg, .. } = &err
            && let Some(until) = parse_banned_until(msg)
        {
            self.limiter.ban_until(until, msg);
        }
        Err(err)
    }

    /// The full URL; for signed calls the query is signed exactly as it is sent.
    fn url(&self, call: &Call) -> Result<String, BinanceError> {
        let mut params = call.params.clone();
        let query = match call.security {
            Security::Signed => {
                params.push(("recvWindow", self.settings.recv_window_ms.to_string()));
                params.push(("timestamp", self.clock.now_ms().to_string()));
                let creds = self.credentials.as_ref().ok_or(BinanceError::ReadOnly)?;
                creds.signed_query(&encode_query(&params))
            }
            _ => encode_query(&params),
        };
        let base = self.settings.base_url.trim_end_matches('/');
        Ok(if query.is_empty() { format!("{base}{}", call.path) } else { format!("{base}{}?{query}", call.path) })
    }
}

fn transport_error(e: reqwest::Error) -> BinanceError {
    if e.is_connect() {
        BinanceError::Connect(e.to_string())
    } else if e.is_builder() {
        BinanceError::Config(e.to_string())
    } else {
        // Timeouts and resets: the request may have been delivered and acted on.
        BinanceError::NoResponse(e.to_string())
    }
}

fn observation(status: u16, headers: &HeaderMap) -> Observation {
    let num = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u32>().ok());
    Observation {
        status,
        used_weight_1m: num("x-mbx-used-weight-1m"),
        order_count_10s: num("x-mbx-order-count-10s"),
        order_count_1m: num("x-mbx-order-count-1m"),
        retry_after_s: num("retry-after").map(i64::from),
    }
}

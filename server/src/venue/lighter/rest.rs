//! Stateless REST I/O against `/api/v1`: one method per endpoint, the `{code, message}`
//! envelope checked on every answer, and the back-off that 429 / 23000 demand. No domain
//! logic: callers get wire types, or a `RestError` that says what happened on the wire.
//!
//! Auth endpoints take the token as an argument (the `authorization` header); minting and
//! refreshing it is the caller's job. The client-side limiter keeps a standard account under
//! its 60 requests per rolling minute so that the venue's 23000 stays the exception.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;

use super::config::{Backoff, LighterConfig};
use super::wire;
use lighter_signer::nonce::NextNonceSource;

/// Venue codes the connector reacts to (reference §2.5, §2.7; 217xx are order validation).
pub mod codes {
    pub const OK: i64 = 200;
    pub const INVALID_NONCE: i64 = 21104;
    pub const RATE_LIMIT: i64 = 23000;
    pub const DUPLICATE_CLIENT_ORDER_INDEX: i64 = 21728;
    /// Signature / API key / auth failures [verify the exact numbers]: configuration, not retryable.
    pub const INVALID_SIGNATURE: i64 = 21120;
    pub const API_KEY_NOT_FOUND: i64 = 21109;
    pub const INVALID_AUTH: i64 = 20013;

    pub fn is_validation(code: i64) -> bool {
        (21700..21800).contains(&code)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestError {
    /// The connection failed before the request left: nothing reached the venue.
    #[error("request never reached Lighter: {0}")]
    NotSent(String),
    /// The request left but no usable answer came back (timeout, reset, 5xx).
    #[error("no usable answer from Lighter: {0}")]
    NoAnswer(String),
    #[error("Lighter rate limit (429/23000) persisted after {retries} back-offs")]
    RateLimited { retries: u32 },
    #[error("Lighter error {code} (HTTP {status}): {message}")]
    Api { status: u16, code: i64, message: String },
    /// HTTP 200 and code 200, but the body is not the documented shape.
    #[error("Lighter sent an unexpected body: {0}")]
    Decode(String),
}

impl RestError {
    pub fn code(&self) -> Option<i64> {
        match self {
            RestError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }
}

struct Failure {
    error: RestError,
    retry_after: Option<Duration>,
}

/// Rolling-minute budget plus a shared "not before" instant set by back-offs, so concurrent
/// callers all pause after a 429 instead of digging the hole deeper.
struct Limiter {
    per_minute: Option<u32>,
    sent: Mutex<VecDeque<Instant>>,
    not_before: Mutex<Option<Instant>>,
}

impl Limiter {
    async fn wait(&self) {
        loop {
            let now = Instant::now();
            let pause = self.pause_needed(now);
            match pause {
                Some(d) => tokio::time::sleep(d).await,
                None => return,
            }
        }
    }

    fn pause_needed(&self, now: Instant) -> Option<Duration> {
        let blocked = self.not_before.lock().unwrap_or_else(|e| e.into_inner()).filter(|t| *t > now);
        if let Some(t) = blocked {
            return Some(t - now);
        }
        let limit = self.per_minute? as usize;
        let mut sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
        while sent.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60)) {
            sent.pop_front();
        }
        if sent.len() < limit.max(1) {
            sent.push_back(now);
            return None;
        }
        sent.front().map(|t| Duration::from_secs(60).saturating_sub(now.duration_since(*t)) + Duration::from_millis(1))
    }

    fn block_for(&self, d: Duration) {
        let until = Instant::now() + d;
        let mut nb = self.not_before.lock().unwrap_or_else(|e| e.into_inner());
        *nb = Some(nb.map_or(until, |t| t.max(until)));
    }
}

/// Cheap to clone; clones share the HTTP pool and the limiter.
#[derive(Clone)]
pub struct RestClient {
    http: reqwest::Client,
    base: String,
    backoff: Backoff,
    limiter: Arc<Limiter>,
}

type Query = Vec<(&'static str, String)>;

impl RestClient {
    pub fn new(config: &LighterConfig) -> Result<Self, RestError> {
        let http = reqwest::Client::builder()
            .timeout(config.http_timeout)
            .connect_timeout(config.http_timeout)
            .build()
            .map_err(|e| RestError::NotSent(format!("building the HTTP client: {e}")))?;
        let limiter =
            Limiter { per_minute: config.requests_per_minute, sent: Mutex::default(), not_before: Mutex::default() };
        Ok(Self {
            http,
            base: format!("{}/api/v1/", config.rest_url.trim_end_matches('/')),
            backoff: config.rate_limit_backoff,
            limiter: Arc::new(limiter),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn get<T: DeserializeOwned>(&self, path: &str, query: Query, auth: Option<&str>) -> Result<T, RestError> {
        self.call(|| {
            let req = self.http.get(self.url(path)).query(&query);
            match auth {
                Some(token) => req.header("authorization", token),
                None => req,
            }
        })
        .await
    }

    /// Retries only on rate limiting, where the venue did not act on the request.
    async fn call<T: DeserializeOwned>(&self, build: impl Fn() -> reqwest::RequestBuilder) -> Result<T, RestError> {
        let mut attempt = 0;
        loop {
            self.limiter.wait().await;
            match once(build()).await {
                Ok(v) => return Ok(v),
                Err(Failure { error: RestError::RateLimited { .. }, retry_after })
                    if attempt < self.backoff.retries =>
                {
                    let pause = retry_after.unwrap_or_else(|| self.backoff.delay(attempt)).min(self.backoff.max);
                    tracing::warn!(attempt, pause_ms = pause.as_millis() as u64, "Lighter rate limit: backing off");
                    self.limiter.block_for(pause);
                    attempt += 1;
                }
                Err(Failure { error: RestError::RateLimited { .. }, .. }) => {
                    return Err(RestError::RateLimited { retries: attempt });
                }
                Err(f) => return Err(f.error),
            }
        }
    }

    pub async fn order_book_details(&self) -> Result<wire::OrderBookDetailsResponse, RestError> {
        self.get("orderBookDetails", vec![("filter", "perp".into())], None).await
    }

    pub async fn order_book_orders(&self, market: i16, limit: u32) -> Result<wire::OrderBookOrdersResponse, RestError> {
        self.get("orderBookOrders", vec![("market_id", market.to_string()), ("limit", limit.to_string())], None).await
    }

    /// Bounds in ms; rows come back with timestamps in seconds.
    pub async fn fundings(&self, market: i16, start_ms: i64, end_ms: i64) -> Result<wire::FundingsResponse, RestError> {
        let q = vec![
            ("market_id", market.to_string()),
            ("resolution", "1h".into()),
            ("start_timestamp", start_ms.to_string()),
            ("end_timestamp", end_ms.to_string()),
            ("count_back", "0".into()),
        ];
        self.get("fundings", q, None).await
    }

    pub async fn account(&self, account: i64) -> Result<wire::AccountResponse, RestError> {
        self.get("account", vec![("by", "index".into()), ("value", account.to_string())], None).await
    }

    /// The public keys registered on `account` (`api_key` 255 = every slot).
    pub async fn api_keys(&self, account: i64, api_key: u8) -> Result<wire::ApiKeysResponse, RestError> {
        let q = vec![("account_index", account.to_string()), ("api_key_index", api_key.to_string())];
        self.get("apikeys", q, None).await
    }

    /// The venue's clock from the HTTP `Date` header (one-second resolution; Lighter has no
    /// time endpoint). Used by `server doctor` to catch a skew that would expire our txs.
    pub async fn server_time_ms(&self) -> Result<i64, RestError> {
        self.limiter.wait().await;
        let resp = self
            .http
            .get(self.url("orderBookDetails"))
            .query(&[("filter", "perp")])
            .send()
            .await
            .map_err(|e| RestError::NotSent(e.to_string()))?;
        let date = resp
            .headers()
            .get("date")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| RestError::Decode("no Date header".into()))?;
        httpdate::parse_http_date(date)
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .and_then(|d| i64::try_from(d.as_millis()).ok())
            .ok_or_else(|| RestError::Decode(format!("unreadable Date header {date:?}")))
    }

    pub async fn next_nonce(&self, account: i64, api_key: u8) -> Result<wire::NextNonceResponse, RestError> {
        let q = vec![("account_index", account.to_string()), ("api_key_index", api_key.to_string())];
        self.get("nextNonce", q, None).await
    }

    pub async fn active_orders(
        &self,
        account: i64,
        market: i16,
        auth: &str,
    ) -> Result<wire::OrdersResponse, RestError> {
        let q = vec![("account_index", account.to_string()), ("market_id", market.to_string())];
        self.get("accountActiveOrders", q, Some(auth)).await
    }

    pub async fn inactive_orders(
        &self,
        account: i64,
        market: Option<i16>,
        cursor: Option<&str>,
        auth: &str,
    ) -> Result<wire::OrdersResponse, RestError> {
        let mut q = vec![("account_index", account.to_string()), ("limit", "100".into())];
        q.push(("market_id", market.map_or(255, i64::from).to_string()));
        if let Some(c) = cursor {
            q.push(("cursor", c.to_owned()));
        }
        self.get("accountInactiveOrders", q, Some(auth)).await
    }

    /// Newest first, 100 a page.
    pub async fn trades(
        &self,
        account: i64,
        cursor: Option<&str>,
        auth: &str,
    ) -> Result<wire::TradesResponse, RestError> {
        let mut q = vec![
            ("account_index", account.to_string()),
            ("sort_by", "timestamp".into()),
            ("sort_dir", "desc".into()),
            ("limit", "100".into()),
        ];
        if let Some(c) = cursor {
            q.push(("cursor", c.to_owned()));
        }
        self.get("trades", q, Some(auth)).await
    }

    pub async fn position_funding(
        &self,
        account: i64,
        cursor: Option<&str>,
        auth: &str,
    ) -> Result<wire::PositionFundingResponse, RestError> {
        let mut q = vec![
            ("account_index", account.to_string()),
            ("market_id", "255".into()),
            ("limit", "100".into()),
            ("side", "all".into()),
        ];
        if let Some(c) = cursor {
            q.push(("cursor", c.to_owned()));
        }
        self.get("positionFunding", q, Some(auth)).await
    }

    pub async fn tx_by_hash(&self, hash: &str) -> Result<wire::TxResponse, RestError> {
        self.get("tx", vec![("by", "hash".into()), ("value", hash.to_owned())], None).await
    }

    /// Rate-limit answers are retried here (the venue did not take the tx); everything else,
    /// including "no answer", goes back to the caller, which owns the nonce.
    pub async fn send_tx(&self, tx_type: u8, tx_info: &str) -> Result<wire::SendTxResponse, RestError> {
        let form =
            [("tx_type", tx_type.to_string()), ("tx_info", tx_info.to_owned()), ("price_protection", "true".into())];
        self.call(|| self.http.post(self.url("sendTx")).form(&form)).await
    }

    pub async fn send_tx_batch(&self, txs: &[(u8, String)]) -> Result<wire::SendTxBatchResponse, RestError> {
        let types: Vec<u8> = txs.iter().map(|(t, _)| *t).collect();
        let infos: Vec<&str> = txs.iter().map(|(_, i)| i.as_str()).collect();
        // Arrays of integers and strings cannot fail to serialise.
        let form = [
            ("tx_types", serde_json::to_string(&types).unwrap_or_default()),
            ("tx_infos", serde_json::to_string(&infos).unwrap_or_default()),
        ];
        self.call(|| self.http.post(self.url("sendTxBatch")).form(&form)).await
    }
}

async fn once<T: DeserializeOwned>(req: reqwest::RequestBuilder) -> Result<T, Failure> {
    let fail = |error| Failure { error, retry_after: None };
    let resp = req.send().await.map_err(|e| {
        if e.is_connect() || e.is_builder() {
            fail(RestError::NotSent(e.to_string()))
        } else {
            fail(RestError::NoAnswer(e.to_string()))
        }
    })?;
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = resp.text().await.map_err(|e| fail(RestError::NoAnswer(format!("reading body: {e}"))))?;
    let envelope = serde_json::from_str::<wire::Envelope>(&body).ok();
    let code = envelope.as_ref().map(|e| e.code);
    if status == 429 || code == Some(codes::RATE_LIMIT) {
        return Err(Failure { error: RestError::RateLimited { retries: 0 }, retry_after });
    }
    if status >= 500 {
        return Err(fail(RestError::NoAnswer(format!("HTTP {status}: {}", snippet(&body)))));
    }
    match envelope {
        Some(e) if status == 200 && e.code == codes::OK => {
            serde_json::from_str(&body).map_err(|err| fail(RestError::Decode(format!("{err}: {}", snippet(&body)))))
        }
        Some(e) => Err(fail(RestError::Api { status, code: e.code, message: e.message.unwrap_or_default() })),
        None if status == 200 => Err(fail(RestError::Decode(format!("no envelope: {}", snippet(&body))))),
        None => Err(fail(RestError::Api { status, code: i64::from(status), message: snippet(&body) })),
    }
}

fn snippet(body: &str) -> String {
    body.chars().take(200).collect()
}

impl NextNonceSource for RestClient {
    type Error = RestError;

    async fn next_nonce(&self, account_index: i64, api_key_index: u8) -> Result<i64, RestError> {
        Ok(RestClient::next_nonce(self, account_index, api_key_index).await?.nonce)
    }
}

//! Placing and cancelling orders: sign with the next nonce of an API key, send, and turn the
//! answer into an order report. The rules that make this safe:
//!
//! - A nonce is consumed only when the venue took the tx or its fate is unknown; 21104
//!   re-reads the key's nonce and re-signs (bounded).
//! - A tx whose answer was lost (5xx, timeout) is **never re-sent**: it is resolved by looking
//!   the order up by its client order index (and the precomputed tx hash), and reported as
//!   `OutcomeUnknown` if it cannot be found yet.
//! - A client order index this process already sent is looked up, not sent again.

use std::time::Duration;

use app::order::{OrderReport, OrderRequest, OrderType, Side, TimeInForce, VenueOrderStatus};
use app::{ClientOrderId, Qty, Symbol, Usd, Venue};
use rust_decimal::Decimal;

use super::account::{find_order, query_order, record_order};
use super::encode;
use super::parse::{self, LighterMarket};
use super::rest::{RestError, codes};
use super::shared::{Shared, Trading, connectivity, fatal, is_credential_error, rejected, unknown};
use crate::venue::VenueError;
use lighter_signer::tx::{CancelOrder, TxAttributes};
use lighter_signer::{LighterSigner, SignedTx, SignerError};

/// 21104 answers tolerated (each followed by a nonce re-read) before giving up.
const NONCE_RETRIES: usize = 3;

enum SendFailure {
    /// The venue did not act on the tx: the nonce was handed back.
    NotApplied(VenueError),
    /// 21728: an order with this client order index already exists.
    Duplicate,
    /// The tx left and no answer came back: it may have been applied.
    Unknown { tx_hash: String, message: String },
}

async fn send_signed<F>(shared: &Shared, trading: &Trading, sign: F) -> Result<String, SendFailure>
where
    F: Fn(&LighterSigner, i64, i64) -> Result<SignedTx, SignerError>,
{
    for _ in 0..NONCE_RETRIES {
        let guard = trading
            .nonces
            .acquire()
            .await
            .map_err(|e| SendFailure::NotApplied(connectivity(format!("reading the next nonce: {e}"))))?;
        let signer = trading.signer(guard.api_key_index()).map_err(SendFailure::NotApplied)?;
        let expired_at = shared.clock().now_ms() + shared.config.tx_ttl.as_millis() as i64;
        // Dropping the guard on a signing error hands the nonce back.
        let signed = sign(signer, guard.nonce(), expired_at)
            .map_err(|e| SendFailure::NotApplied(rejected("invalid_order", e.to_string())))?;
        match shared.rest.send_tx(signed.tx_type, &signed.tx_info).await {
            Ok(resp) => {
                guard.commit();
                if resp.tx_hash.as_deref().is_some_and(|h| h != signed.tx_hash) {
                    tracing::warn!(ours = %signed.tx_hash, venue = ?resp.tx_hash, "Lighter tx hash differs from ours");
                }
                return Ok(signed.tx_hash);
            }
            Err(RestError::Api { code: codes::INVALID_NONCE, .. }) => {
                tracing::info!(
                    api_key = guard.api_key_index(),
                    nonce = guard.nonce(),
                    "Lighter 21104: re-reading nonce"
                );
                if let Err(e) = guard.reject(codes::INVALID_NONCE).await {
                    return Err(SendFailure::NotApplied(connectivity(format!("re-reading the nonce: {e}"))));
                }
            }
            Err(RestError::Api { code: codes::DUPLICATE_CLIENT_ORDER_INDEX, .. }) => {
                guard.rollback();
                return Err(SendFailure::Duplicate);
            }
            Err(RestError::Api { code, status, message }) => {
                guard.rollback();
                let e = if is_credential_error(code, status) {
                    fatal(format!("Lighter refused our signature or key ({code}): {message}"))
                } else {
                    rejected(code.to_string(), message)
                };
                return Err(SendFailure::NotApplied(e));
            }
            Err(e @ (RestError::NotSent(_) | RestError::RateLimited { .. })) => {
                guard.rollback();
                return Err(SendFailure::NotApplied(connectivity(e.to_string())));
            }
            Err(e @ (RestError::NoAnswer(_) | RestError::Decode(_))) => {
                guard.commit();
                return Err(SendFailure::Unknown { tx_hash: signed.tx_hash, message: e.to_string() });
            }
        }
    }
    Err(SendFailure::NotApplied(connectivity("Lighter kept refusing our nonce (21104) after re-reading it")))
}

/// Best opposite price, for a market order's slippage cap: local book, else the REST book.
async fn reference_price(shared: &Shared, market: &LighterMarket, side: Side) -> Option<Decimal> {
    let local = {
        let live = shared.live();
        let (bid, ask) = live.books.get(&market.market_id).filter(|b| b.synced()).map(|b| b.best()).unwrap_or_default();
        let stats = live.stats.get(&market.market_id).map(|s| s.mark.0);
        (if side == Side::Buy { ask } else { bid }).map(|l| l.price.0).or(stats)
    };
    if local.is_some() {
        return local;
    }
    let resp = shared.rest.order_book_orders(market.market_id, 5).await.ok()?;
    let (bids, asks) = parse::book_from_orders(&resp).ok()?;
    let best = if side == Side::Buy { asks.first() } else { bids.first() };
    best.map(|l| l.price.0)
}

/// Waits for the venue's report of an order (final, if `want_final`), then asks REST once.
async fn await_report(
    shared: &Shared,
    market: &LighterMarket,
    coi: i64,
    want_final: bool,
    wait: Duration,
) -> Option<OrderReport> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut rx = shared.watch();
    loop {
        if let Some(r) = shared.live().order(coi).filter(|r| !want_final || r.status.is_final()) {
            return Some(r.clone());
        }
        tokio::select! {
            changed = rx.changed() => if changed.is_err() { break },
            _ = tokio::time::sleep_until(deadline) => break,
        }
    }
    match find_order(shared, market, coi).await {
        Ok(Some(o)) => record_order(shared, &o).ok().flatten(),
        _ => shared.live().order(coi).cloned(),
    }
}

fn pending_report(order: &OrderRequest, tx_hash: &str, now_ms: i64) -> OrderReport {
    OrderReport {
        venue: Venue::Lighter,
        client_order_id: order.client_order_id.clone(),
        venue_order_id: tx_hash.to_owned(),
        symbol: order.symbol.clone(),
        side: order.side,
        qty: order.qty,
        filled_qty: Qty::ZERO,
        avg_price: None,
        status: VenueOrderStatus::New,
        fee: Usd::ZERO,
        time_ms: now_ms,
    }
}

/// Finds an order whose sendTx answer was lost. Never re-sends.
async fn resolve(
    shared: &Shared,
    market: &LighterMarket,
    coi: i64,
    tx_hash: &str,
    why: &str,
) -> Result<OrderReport, VenueError> {
    for _ in 0..shared.config.resolve_polls.max(1) {
        if let Some(r) = await_report(shared, market, coi, false, shared.config.resolve_interval).await {
            tracing::info!(coi, tx_hash, "Lighter unknown outcome resolved: order exists");
            return Ok(r);
        }
    }
    if !tx_hash.is_empty()
        && let Ok(tx) = shared.rest.tx_by_hash(tx_hash).await
        && tx.status == 0
    {
        return Err(rejected("tx_failed", format!("Lighter executed tx {tx_hash} as failed")));
    }
    Err(unknown(format!(
        "{why}; no order with client_order_index {coi} (tx {tx_hash}) found yet — reconcile with query_order, do not resend"
    )))
}

pub async fn place_order(shared: &Shared, order: &OrderRequest) -> Result<OrderReport, VenueError> {
    let trading = shared.trading()?;
    let market = shared.market(&order.symbol).await?;
    let coi = encode::client_order_index(&order.client_order_id);
    let previous = {
        let mut live = shared.live();
        live.register(coi, order.client_order_id.clone());
        live.claim_send(coi)
    };
    if let Some(tx_hash) = previous {
        // Sent before by this process: find it, never send it twice.
        let known = shared.live().order(coi).cloned();
        return match known {
            Some(r) => Ok(r),
            None => resolve(shared, &market, coi, &tx_hash, "order already sent").await,
        };
    }
    let reference = match (order.order_type, order.price) {
        (OrderType::Market, None) => reference_price(shared, &market, order.side).await,
        _ => None,
    };
    let now = shared.clock().now_ms();
    let tx = encode::create_order(order, &market, reference, shared.config.market_slippage, now)
        .map_err(|e| rejected("invalid_order", e.to_string()))?;
    let sent = send_signed(shared, trading, |s, nonce, exp| {
        let signed = s.sign_create_order(&tx, nonce, exp)?;
        shared.live().mark_sent(coi, signed.tx_hash.clone());
        Ok(signed)
    })
    .await;
    let immediate = order.order_type == OrderType::Market || order.time_in_force == TimeInForce::Ioc;
    match sent {
        Ok(tx_hash) => Ok(await_report(shared, &market, coi, immediate, shared.config.confirm_timeout)
            .await
            .unwrap_or_else(|| pending_report(order, &tx_hash, now))),
        Err(SendFailure::Unknown { tx_hash, message }) => resolve(shared, &market, coi, &tx_hash, &message).await,
        Err(SendFailure::Duplicate) => {
            shared.live().unmark_sent(coi);
            match query_order(shared, &order.symbol, &order.client_order_id).await? {
                Some(r) => Ok(r),
                None => Err(rejected("21728", format!("client_order_index {coi} is taken by an order we cannot find"))),
            }
        }
        Err(SendFailure::NotApplied(e)) => {
            shared.live().unmark_sent(coi);
            Err(e)
        }
    }
}

pub async fn cancel_order(shared: &Shared, symbol: &Symbol, id: &ClientOrderId) -> Result<OrderReport, VenueError> {
    let trading = shared.trading()?;
    let market = shared.market(symbol).await?;
    let coi = encode::client_order_index(id);
    let current = query_order(shared, symbol, id)
        .await?
        .ok_or_else(|| rejected("unknown_order", format!("Lighter has no order {id} on {symbol}")))?;
    if current.status.is_final() {
        return Ok(current);
    }
    let tx = CancelOrder { market_index: market.market_id, index: coi, attributes: TxAttributes::new() };
    match send_signed(shared, trading, |s, nonce, exp| s.sign_cancel_order(&tx, nonce, exp)).await {
        Ok(_) | Err(SendFailure::Unknown { .. }) => {
            let wait = shared.config.confirm_timeout;
            match await_report(shared, &market, coi, true, wait).await {
                Some(r) if r.status.is_final() => Ok(r),
                Some(r) => Ok(OrderReport { client_order_id: id.clone(), ..r }),
                None => Err(unknown(format!("cancel of {id} sent; its result is not visible yet"))),
            }
        }
        Err(SendFailure::Duplicate) => Err(rejected("21728", "unexpected duplicate on cancel")),
        Err(SendFailure::NotApplied(e)) => Err(e),
    }
}

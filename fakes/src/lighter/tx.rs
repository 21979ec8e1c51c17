//! `sendTx` verification — the point of a faithful fake. A tx is parsed from its `tx_info`,
//! its hash recomputed with the signer's hashing, and its Schnorr signature checked against
//! the public key registered for (account, api_key) by two independent verifiers (the
//! signer's own and `goldilocks_crypto::verify_signature`). Then the chain, the nonce (must be
//! the key's next one: 21104), `ExpiredAt`, the signer's validation rules (217xx), the client
//! order index (21728), reduce-only and margin. Accepted txs are applied after the speed bump.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::FakeInner;
use super::codes::{self, ApiError};
use super::exchange::{NewOrder, TxRecord};
use lighter_signer::tx::{CreateOrder, L2Tx, TX_TYPE_CANCEL_ORDER, TX_TYPE_CREATE_ORDER, TxHeader, tx_hash};
use lighter_signer::tx_info::{ParsedTx, parse_cancel_order, parse_create_order};
use lighter_signer::{MAINNET_CHAIN_ID, TESTNET_CHAIN_ID, verify};

pub struct Accepted {
    pub tx_hash: String,
    pub predicted_ms: i64,
}

enum Kind {
    Create(CreateOrder),
    Cancel { market: i16, index: i64 },
}

/// Both verifiers must accept; a disagreement between them is counted (a test asserts none).
fn signature_ok(fake: &FakeInner, hash: &[u8; 40], sig: &[u8; 80], pk: &[u8; 40]) -> bool {
    let ours = verify(hash, sig, pk).is_ok();
    let library = goldilocks_crypto::verify_signature(sig, hash, pk).ok() == Some(true);
    fake.verifications.fetch_add(1, Ordering::SeqCst);
    if ours != library {
        fake.verifier_disagreements.fetch_add(1, Ordering::SeqCst);
        tracing::error!(ours, library, "fake Lighter: signature verifiers disagree");
    }
    ours && library
}

fn authenticate<T: L2Tx>(fake: &FakeInner, parsed: &ParsedTx<T>, pk: &[u8; 40]) -> Result<String, ApiError> {
    let chain = fake.config.chain_id;
    let hash = tx_hash(&parsed.tx, &parsed.header, chain);
    if signature_ok(fake, &hash, &parsed.sig, pk) {
        return Ok(hex::encode(hash));
    }
    let other = if chain == MAINNET_CHAIN_ID { TESTNET_CHAIN_ID } else { MAINNET_CHAIN_ID };
    if verify(&tx_hash(&parsed.tx, &parsed.header, other), &parsed.sig, pk).is_ok() {
        return Err(ApiError::new(codes::WRONG_CHAIN, format!("tx signed for chain {other}, this is chain {chain}")));
    }
    Err(ApiError::new(codes::INVALID_SIGNATURE, "invalid signature"))
}

fn validate<T: L2Tx>(parsed: &ParsedTx<T>) -> Result<(), ApiError> {
    parsed
        .header
        .validate()
        .and_then(|_| parsed.tx.validate())
        .map_err(|e| ApiError::new(codes::tx_error_code(&e), e.to_string()))
}

fn bad_tx(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(codes::INVALID_TX, format!("invalid tx_info: {e}"))
}

/// Checks and accepts one tx; the application is scheduled, not done.
pub fn submit(fake: &Arc<FakeInner>, tx_type: u8, tx_info: &str) -> Result<Accepted, ApiError> {
    let now = fake.config.clock.now_ms();
    let (header, kind, hash) = {
        let mut ex = fake.lock();
        let (header, p, pk) = match tx_type {
            TX_TYPE_CREATE_ORDER => {
                let p = parse_create_order(tx_info).map_err(bad_tx)?;
                *ex.submissions.entry((p.header.account_index, p.tx.client_order_index)).or_default() += 1;
                let pk = public_key(&ex, &p.header)?;
                (p.header, p, pk)
            }
            TX_TYPE_CANCEL_ORDER => {
                let p = parse_cancel_order(tx_info).map_err(bad_tx)?;
                let pk = public_key(&ex, &p.header)?;
                let hash = authenticate(fake, &p, &pk)?;
                validate(&p)?;
                let kind = Kind::Cancel { market: p.tx.market_index, index: p.tx.index };
                check_common(&ex, &p.header, now)?;
                accept(&mut ex, &p.header, tx_type, &hash);
                drop(ex);
                schedule(fake, p.header, kind, hash.clone(), fake.config.cancel_bump);
                return Ok(Accepted { tx_hash: hash, predicted_ms: now + fake.config.cancel_bump.as_millis() as i64 });
            }
            other => {
                return Err(ApiError::new(codes::INVALID_TX, format!("tx type {other} is not supported by the fake")));
            }
        };
        let hash = authenticate(fake, &p, &pk)?;
        validate(&p)?;
        check_common(&ex, &header, now)?;
        check_order(&ex, &header, &p.tx)?;
        accept(&mut ex, &header, tx_type, &hash);
        ex.used_coi.insert((header.account_index, p.tx.client_order_index));
        (header, Kind::Create(p.tx), hash)
    };
    let bump = match &kind {
        Kind::Create(o) if fake.lock().crosses(o.market_index, o.is_ask == 1, o.price) || o.time_in_force == 0 => {
            fake.config.taker_bump
        }
        _ => fake.config.maker_bump,
    };
    schedule(fake, header, kind, hash.clone(), bump);
    Ok(Accepted { tx_hash: hash, predicted_ms: now + bump.as_millis() as i64 })
}

fn public_key(ex: &super::exchange::Exchange, h: &TxHeader) -> Result<[u8; 40], ApiError> {
    let acct = ex
        .accounts
        .get(&h.account_index)
        .ok_or_else(|| ApiError::new(codes::ACCOUNT_NOT_FOUND, "account not found"))?;
    acct.keys.get(&h.api_key_index).copied().ok_or_else(|| ApiError::new(codes::API_KEY_NOT_FOUND, "api key not found"))
}

fn check_common(ex: &super::exchange::Exchange, h: &TxHeader, now: i64) -> Result<(), ApiError> {
    if h.expired_at < now {
        return Err(ApiError::new(codes::TX_EXPIRED, format!("tx expired at {} (now {now})", h.expired_at)));
    }
    let expected =
        ex.accounts.get(&h.account_index).and_then(|a| a.next_nonce.get(&h.api_key_index)).copied().unwrap_or(0);
    if h.nonce != expected {
        return Err(ApiError::new(codes::INVALID_NONCE, format!("invalid nonce {} (expected {expected})", h.nonce)));
    }
    Ok(())
}

/// API-level order checks. Margin is checked here only for orders that would rest (maker);
/// a taker without margin is accepted and cancelled by the sequencer, as on the venue.
fn check_order(ex: &super::exchange::Exchange, h: &TxHeader, o: &CreateOrder) -> Result<(), ApiError> {
    let mk =
        ex.markets.get(&o.market_index).ok_or_else(|| ApiError::new(codes::MARKET_NOT_FOUND, "market not found"))?;
    let account = h.account_index;
    if o.client_order_index != 0 && ex.used_coi.contains(&(account, o.client_order_index)) {
        return Err(ApiError::new(codes::DUPLICATE_CLIENT_ORDER_INDEX, "client order index already used"));
    }
    let reduce = o.reduce_only == 1;
    if !reduce {
        if mk.size(o.base_amount) < mk.min_base {
            return Err(ApiError::new(codes::INVALID_BASE_AMOUNT, "invalid base amount"));
        }
        if mk.size(o.base_amount) * mk.price(o.price) < mk.min_quote {
            return Err(ApiError::new(codes::MIN_QUOTE, "order value below the minimum quote amount"));
        }
    } else {
        let pos = ex.position(account, o.market_index);
        if pos == 0 || (o.is_ask == 1) == (pos < 0) {
            return Err(ApiError::new(codes::REDUCE_ONLY_INCREASES, "reduce-only order would increase the position"));
        }
    }
    let n = new_order(h, o);
    let unlimited = ex.accounts.get(&account).is_some_and(|a| a.unlimited);
    if !ex.crosses(o.market_index, o.is_ask == 1, o.price)
        && !unlimited
        && ex.margin_needed(&n) > ex.free_margin(account)
    {
        return Err(ApiError::new(codes::NOT_ENOUGH_MARGIN, "not enough margin"));
    }
    Ok(())
}

fn new_order(h: &TxHeader, o: &CreateOrder) -> NewOrder {
    NewOrder {
        account: h.account_index,
        market: o.market_index,
        client_order_index: o.client_order_index,
        is_ask: o.is_ask == 1,
        price: o.price,
        units: o.base_amount,
        order_type: o.order_type,
        tif: o.time_in_force,
        reduce_only: o.reduce_only == 1,
        expiry: o.order_expiry,
        nonce: h.nonce,
    }
}

fn accept(ex: &mut super::exchange::Exchange, h: &TxHeader, tx_type: u8, hash: &str) {
    if let Some(a) = ex.accounts.get_mut(&h.account_index) {
        *a.next_nonce.entry(h.api_key_index).or_default() += 1;
    }
    ex.txs.insert(hash.to_owned(), TxRecord { status: 1, tx_type, account: h.account_index, nonce: h.nonce });
}

fn schedule(fake: &Arc<FakeInner>, header: TxHeader, kind: Kind, hash: String, bump: Duration) {
    let fake = Arc::clone(fake);
    let extra = fake.faults().apply_delay;
    tokio::spawn(async move {
        tokio::time::sleep(bump + extra).await;
        let now = fake.config.clock.now_ms();
        let mut ex = fake.lock();
        let ok = match kind {
            Kind::Create(o) => {
                ex.place(new_order(&header, &o), &hash, now);
                true
            }
            Kind::Cancel { market, index } => ex.cancel(header.account_index, market, index, now),
        };
        if let Some(t) = ex.txs.get_mut(&hash) {
            t.status = if ok { 2 } else { 0 };
        }
        fake.publish(&mut ex, now);
    });
}

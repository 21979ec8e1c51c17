//! Lighter L2 transaction bodies, the official signer's validation rules and their Poseidon2
//! hashes. Pure data and arithmetic: no keys, no JSON (see `tx_info`), no I/O.
//!
//! Field order, tx type numbers and bounds follow lighter-go `types/txtypes` (reference
//! exchanges.md §2.4); the vectors in `tests/data/lighter_signer_vectors.json` pin them.

use poseidon_hash::{Goldilocks, hash_to_quintic_extension};

use super::fp5_to_bytes;

mod attributes;
mod kinds;
pub use attributes::{AttributeError, TxAttributes, attribute_type};
pub use kinds::{CancelAllOrders, CancelOrder, CreateOrder, UpdateLeverage};

pub const TX_TYPE_CREATE_ORDER: u8 = 14;
pub const TX_TYPE_CANCEL_ORDER: u8 = 15;
pub const TX_TYPE_CANCEL_ALL_ORDERS: u8 = 16;
pub const TX_TYPE_UPDATE_LEVERAGE: u8 = 20;

/// Order types (`Type` in the wire JSON).
pub mod order_type {
    pub const LIMIT: u8 = 0;
    pub const MARKET: u8 = 1;
    pub const STOP_LOSS: u8 = 2;
    pub const STOP_LOSS_LIMIT: u8 = 3;
    pub const TAKE_PROFIT: u8 = 4;
    pub const TAKE_PROFIT_LIMIT: u8 = 5;
    pub const TWAP: u8 = 6;
}

/// Order time-in-force values.
pub mod time_in_force {
    pub const IMMEDIATE_OR_CANCEL: u8 = 0;
    pub const GOOD_TILL_TIME: u8 = 1;
    pub const POST_ONLY: u8 = 2;
}

/// CancelAllOrders time-in-force values (a different enumeration from the order one).
pub mod cancel_all_tif {
    pub const IMMEDIATE: u8 = 0;
    pub const SCHEDULED: u8 = 1;
    pub const ABORT_SCHEDULED: u8 = 2;
}

pub const MAX_ACCOUNT_INDEX: i64 = (1 << 48) - 2;
pub const MAX_API_KEY_INDEX: u8 = 254;
pub const MAX_PERPS_MARKET_INDEX: i16 = 254;
pub const NIL_MARKET_INDEX: i16 = 255;
pub const MIN_SPOT_MARKET_INDEX: i16 = 2048;
pub const MAX_SPOT_MARKET_INDEX: i16 = 4094;
pub const MAX_CLIENT_ORDER_INDEX: i64 = (1 << 48) - 1;
pub const MAX_ORDER_INDEX: i64 = (1 << 60) - 1;
pub const MAX_BASE_AMOUNT: i64 = (1 << 48) - 1;
pub const MAX_TIMESTAMP: i64 = (1 << 48) - 1;
pub const MARGIN_FRACTION_TICK: u16 = 10_000;

/// A 40-byte Poseidon2 digest (one Fp5 element, little-endian limbs): what gets signed.
pub type TxHash = [u8; 40];

/// Why the official signer would refuse to sign a transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxError {
    #[error("account index {0} outside 0..={MAX_ACCOUNT_INDEX}")]
    AccountIndex(i64),
    #[error("api key index {0} outside 0..={MAX_API_KEY_INDEX}")]
    ApiKeyIndex(u8),
    #[error("nonce {0} is negative")]
    Nonce(i64),
    #[error("expired_at {0} outside 0..={MAX_TIMESTAMP}")]
    ExpiredAt(i64),
    #[error("market index {0} is neither a perp (0..=254) nor a spot (2048..=4094) market")]
    MarketIndex(i16),
    #[error("client order index {0} outside 1..={MAX_CLIENT_ORDER_INDEX} (0 = none)")]
    ClientOrderIndex(i64),
    #[error("order index {0} outside 1..={MAX_ORDER_INDEX}")]
    OrderIndex(i64),
    #[error("base amount {0} outside 1..={MAX_BASE_AMOUNT} (0 only when reduce-only)")]
    BaseAmount(i64),
    #[error("price must be at least 1")]
    Price,
    #[error("is_ask must be 0 or 1, got {0}")]
    IsAsk(u8),
    #[error("order type {0} is invalid here")]
    OrderType(u8),
    #[error("time in force {0} is invalid for this order")]
    TimeInForce(u8),
    #[error("reduce_only {0} is invalid (0/1, perps only)")]
    ReduceOnly(u8),
    #[error("order expiry {0} is invalid for this order")]
    OrderExpiry(i64),
    #[error("trigger price {0} is invalid for this order")]
    TriggerPrice(u32),
    #[error("margin mode {0} must be 0 (cross) or 1 (isolated)")]
    MarginMode(u8),
    #[error("initial margin fraction {0} outside 1..={MARGIN_FRACTION_TICK}")]
    InitialMarginFraction(u16),
    #[error("cancel-all time {0} is invalid for this time in force")]
    CancelAllTime(i64),
    #[error(transparent)]
    Attribute(#[from] AttributeError),
}

/// The part every L2 transaction shares; together with the chain id it prefixes every hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxHeader {
    pub account_index: i64,
    pub api_key_index: u8,
    pub nonce: i64,
    /// The transaction's own expiry, Unix milliseconds.
    pub expired_at: i64,
}

impl TxHeader {
    pub fn validate(&self) -> Result<(), TxError> {
        // lighter-go admits account -1 (an internal sentinel); a trading client never needs it.
        if !(0..=MAX_ACCOUNT_INDEX).contains(&self.account_index) {
            return Err(TxError::AccountIndex(self.account_index));
        }
        if self.api_key_index > MAX_API_KEY_INDEX {
            return Err(TxError::ApiKeyIndex(self.api_key_index));
        }
        if self.nonce < 0 {
            return Err(TxError::Nonce(self.nonce));
        }
        if !(0..=MAX_TIMESTAMP).contains(&self.expired_at) {
            return Err(TxError::ExpiredAt(self.expired_at));
        }
        Ok(())
    }
}

/// Up to 16 field elements on the stack: the longest body (CreateOrder) has 16.
pub struct Elements {
    buf: [Goldilocks; 16],
    len: usize,
}

impl Elements {
    /// Go casts every integer straight to a field element (`GoldilocksField(int64)`); validated
    /// values are all in `0..2^63`, below the modulus, so this is the identity on them.
    pub fn push(&mut self, value: u64) {
        self.buf[self.len] = Goldilocks::from_noncanonical_u64(value);
        self.len += 1;
    }
}

/// One L2 transaction kind: its type number, its signer-side rules and its body fields.
pub trait L2Tx {
    const TX_TYPE: u8;
    fn validate(&self) -> Result<(), TxError>;
    /// The fields that follow the common header in the hash, in the official order.
    fn push_fields(&self, out: &mut Elements);
    fn attributes(&self) -> &TxAttributes;
}

/// The hash the venue expects to be signed: `H(chain, type, nonce, expired_at, account,
/// api_key, fields…)`, then folded with the attribute hash when any attribute is non-nil.
/// It does not validate; call `validate` first on untrusted input.
pub fn tx_hash<T: L2Tx>(tx: &T, header: &TxHeader, chain_id: u32) -> TxHash {
    let mut el = Elements { buf: [Goldilocks::zero(); 16], len: 0 };
    el.push(u64::from(chain_id));
    el.push(u64::from(T::TX_TYPE));
    el.push(header.nonce as u64);
    el.push(header.expired_at as u64);
    el.push(header.account_index as u64);
    el.push(u64::from(header.api_key_index));
    tx.push_fields(&mut el);
    let body = hash_to_quintic_extension(&el.buf[..el.len]);
    match tx.attributes().hash() {
        None => fp5_to_bytes(&body),
        Some(attr) => {
            let mut both = [Goldilocks::zero(); 10];
            both[..5].copy_from_slice(&body.0);
            both[5..].copy_from_slice(&attr.0);
            fp5_to_bytes(&hash_to_quintic_extension(&both))
        }
    }
}

fn is_perps_market(m: i16) -> bool {
    (0..=MAX_PERPS_MARKET_INDEX).contains(&m)
}

fn is_spot_market(m: i16) -> bool {
    (MIN_SPOT_MARKET_INDEX..=MAX_SPOT_MARKET_INDEX).contains(&m)
}

fn check_market(m: i16) -> Result<(), TxError> {
    if is_perps_market(m) || is_spot_market(m) { Ok(()) } else { Err(TxError::MarketIndex(m)) }
}

#[cfg(test)]
mod tests;

//! `L2TxAttributes`: the optional type→value map every L2 transaction carries, its validation
//! and its contribution to the tx hash (lighter-go `txtypes/tx_attributes.go`, §2.4).

use poseidon_hash::{Fp5Element, Goldilocks, hash_to_quintic_extension};

/// Attribute type numbers (the string keys of `L2TxAttributes` in the wire JSON).
pub mod attribute_type {
    pub const INTEGRATOR_ACCOUNT_INDEX: u8 = 1;
    pub const INTEGRATOR_TAKER_FEE: u8 = 2;
    pub const INTEGRATOR_MAKER_FEE: u8 = 3;
    pub const SKIP_TX_NONCE: u8 = 4;
    pub const CANCEL_ALL_MARKET_INDEX: u8 = 5;
    pub const SELF_TRADE_BEHAVIOR_MODE: u8 = 6;
    pub const SELF_TRADE_EQUALITY_MODE: u8 = 7;
    pub const MAX: u8 = SELF_TRADE_EQUALITY_MODE;
}
use attribute_type as at;

/// The venue accepts at most this many attributes on one transaction.
pub const MAX_ATTRIBUTES: usize = 4;
const SELF_TRADE_REDUCE: i64 = 3;
const SELF_TRADE_EQUALITY_MASTER: i64 = 1;

/// (min, max, nil) per type, index = type. Nil-valued entries are legal but do not hash.
const LIMITS: [(i64, i64, i64); 8] = [
    (0, 0, 0),
    (0, (1 << 48) - 2, 0),
    (0, 1_000_000, 0),
    (0, 1_000_000, 0),
    (1, 1, 0),
    (0, 255, 255),
    (0, 3, 0),
    (0, 1, 0),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttributeError {
    #[error("unknown attribute type {0}")]
    UnknownType(u8),
    #[error("more than {MAX_ATTRIBUTES} attributes")]
    TooMany,
    #[error("attribute {kind} value {value} out of range")]
    OutOfRange { kind: u8, value: i64 },
    #[error("integrator fees need an integrator account index")]
    FeesWithoutIntegrator,
    #[error("self-trade settings are not allowed together with integrator fees")]
    SelfTradeWithFees,
    #[error("self-trade reduce mode is not allowed with master-account equality")]
    ReduceWithMasterEquality,
}

/// Attributes keyed by type. A fixed array keeps signing allocation-free and iterates in
/// type order, which is also the order Go's JSON encoder emits (it sorts single-digit keys).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TxAttributes {
    values: [Option<i64>; 8],
}

impl TxAttributes {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets one attribute; an unknown type is kept so that `validate` can report it.
    pub fn set(&mut self, kind: u8, value: i64) -> Result<(), AttributeError> {
        let slot = self.values.get_mut(usize::from(kind)).ok_or(AttributeError::UnknownType(kind))?;
        *slot = Some(value);
        Ok(())
    }

    /// Ask the venue not to advance this key's nonce for the transaction (attribute 4 = 1).
    pub fn with_skip_nonce(mut self) -> Self {
        self.values[usize::from(at::SKIP_TX_NONCE)] = Some(1);
        self
    }

    pub fn get(&self, kind: u8) -> Option<i64> {
        self.values.get(usize::from(kind)).copied().flatten()
    }

    /// Entries present, in type order (what `tx_info` serialises).
    pub fn iter(&self) -> impl Iterator<Item = (u8, i64)> + '_ {
        (1..=at::MAX).filter_map(|k| self.get(k).map(|v| (k, v)))
    }

    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    fn is_nil(&self, kind: u8) -> bool {
        self.get(kind).is_none_or(|v| v == LIMITS[usize::from(kind)].2)
    }

    pub fn validate(&self) -> Result<(), AttributeError> {
        if self.values[0].is_some() {
            return Err(AttributeError::UnknownType(0));
        }
        if self.iter().count() > MAX_ATTRIBUTES {
            return Err(AttributeError::TooMany);
        }
        for (kind, value) in self.iter() {
            let (min, max, _) = LIMITS[usize::from(kind)];
            if !(min..=max).contains(&value) {
                return Err(AttributeError::OutOfRange { kind, value });
            }
        }
        let has_fees = !self.is_nil(at::INTEGRATOR_TAKER_FEE) || !self.is_nil(at::INTEGRATOR_MAKER_FEE);
        if has_fees && self.is_nil(at::INTEGRATOR_ACCOUNT_INDEX) {
            return Err(AttributeError::FeesWithoutIntegrator);
        }
        let has_self_trade = !self.is_nil(at::SELF_TRADE_BEHAVIOR_MODE) || !self.is_nil(at::SELF_TRADE_EQUALITY_MODE);
        if has_self_trade && has_fees {
            return Err(AttributeError::SelfTradeWithFees);
        }
        if self.get(at::SELF_TRADE_BEHAVIOR_MODE) == Some(SELF_TRADE_REDUCE)
            && self.get(at::SELF_TRADE_EQUALITY_MODE) == Some(SELF_TRADE_EQUALITY_MASTER)
        {
            return Err(AttributeError::ReduceWithMasterEquality);
        }
        Ok(())
    }

    /// `None` when every entry is nil-valued: the tx hash is then the body hash alone, which is
    /// why `{"1":0,"2":0,"3":0}` from older signers and `null` hash identically.
    /// Otherwise H(t₁,v₁,…) over the non-nil entries, padded with (0,0) pairs to four.
    pub fn hash(&self) -> Option<Fp5Element> {
        let mut elems = [Goldilocks::zero(); 2 * MAX_ATTRIBUTES];
        let mut n = 0;
        for (kind, value) in self.iter().filter(|&(k, _)| !self.is_nil(k)) {
            if n + 2 > elems.len() {
                break; // only reachable for unvalidated input with more than four entries
            }
            elems[n] = Goldilocks::from_noncanonical_u64(u64::from(kind));
            elems[n + 1] = Goldilocks::from_noncanonical_u64(value as u64);
            n += 2;
        }
        (n > 0).then(|| hash_to_quintic_extension(&elems))
    }
}

//! Native signer for Lighter (zkLighter) L2 transactions: Schnorr over ECgFp5 with Poseidon2
//! over Goldilocks (§2.4), built on `goldilocks-crypto`/`poseidon-hash`. Holds the API key,
//! turns tx fields into the signed `tx_info` + `tx_hash`, and verifies signatures. No I/O.
//! A crate of its own because two sides use it: the server's Lighter connector signs with it
//! and the Lighter fake (crate `fakes`) verifies with it.
//!
//! Submodules: `tx` (fields, rules, hashing), `tx_info` (wire JSON), `schnorr` (sign and
//! verify), `auth` (auth tokens), `nonce` (per-key nonce streams).

pub mod auth;
pub mod nonce;
mod schnorr;
pub mod tx;
pub mod tx_info;

use goldilocks_crypto::ScalarField;
use poseidon_hash::{Fp5Element, Goldilocks};
use zeroize::Zeroizing;

pub use self::schnorr::verify;

use self::tx::{CancelAllOrders, CancelOrder, CreateOrder, L2Tx, TxError, TxHash, TxHeader, UpdateLeverage};
use self::tx_info::WireTx;

pub const MAINNET_CHAIN_ID: u32 = 304;
pub const TESTNET_CHAIN_ID: u32 = 300;

/// Errors from key handling and signing. Messages never contain key material.
#[derive(Debug, thiserror::Error)]
pub enum SignerError {
    #[error("private key must be 40 bytes of hex (80 digits, optional 0x): {0}")]
    KeyFormat(&'static str),
    #[error("private key is zero or not below the curve order")]
    KeyRange,
    #[error("public key is not a canonical, non-neutral ECgFp5 point encoding")]
    PublicKey,
    #[error("invalid transaction: {0}")]
    Tx(#[from] TxError),
    #[error("message to sign is not 40 bytes of canonical field elements")]
    Message,
}

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("signature must be 80 bytes, got {0}")]
    SignatureLength(usize),
    #[error("message must be 40 bytes of canonical field elements")]
    Message,
    #[error("public key is not a canonical, non-neutral point encoding")]
    PublicKey,
    #[error("signature scalar s or e is not below the group order")]
    NonCanonicalScalar,
    #[error("signature does not match")]
    Mismatch,
}

/// A signed transaction ready for `sendTx`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTx {
    pub tx_type: u8,
    /// The exact JSON the venue expects, `Sig` included.
    pub tx_info: String,
    /// Lowercase hex of the 40-byte signed hash, no `0x`: the venue returns the same string,
    /// so it identifies the transaction before any reply arrives.
    pub tx_hash: String,
}

/// An API key bound to an account, key slot and chain.
pub struct LighterSigner {
    key: Zeroizing<ScalarField>,
    public_key: [u8; 40],
    account_index: i64,
    api_key_index: u8,
    chain_id: u32,
}

impl std::fmt::Debug for LighterSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LighterSigner")
            .field("account_index", &self.account_index)
            .field("api_key_index", &self.api_key_index)
            .field("chain_id", &self.chain_id)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl LighterSigner {
    /// `private_key_hex` is the key as the SDKs print it: 40 little-endian bytes in hex.
    pub fn new(
        private_key_hex: &str,
        account_index: i64,
        api_key_index: u8,
        chain_id: u32,
    ) -> Result<Self, SignerError> {
        let header = TxHeader { account_index, api_key_index, nonce: 0, expired_at: 0 };
        header.validate()?;
        let bytes = parse_private_key(private_key_hex)?;
        let key = Zeroizing::new(ScalarField::from_bytes_le(&bytes[..]).map_err(|_| SignerError::KeyRange)?);
        if key.is_zero() || !key.is_canonical() {
            return Err(SignerError::KeyRange);
        }
        let public_key = schnorr::public_key(&key);
        schnorr::warm_up();
        Ok(Self { key, public_key, account_index, api_key_index, chain_id })
    }

    pub fn account_index(&self) -> i64 {
        self.account_index
    }

    pub fn api_key_index(&self) -> u8 {
        self.api_key_index
    }

    pub fn chain_id(&self) -> u32 {
        self.chain_id
    }

    pub fn public_key(&self) -> [u8; 40] {
        self.public_key
    }

    /// Lowercase hex without `0x`, as the venue's `apikeys` endpoint reports it.
    pub fn public_key_hex(&self) -> String {
        hex::encode(self.public_key)
    }

    /// Schnorr-signs a 40-byte message hash (a tx hash or an auth-token hash).
    pub fn sign_hash(&self, hash: &[u8; 40]) -> Result<[u8; 80], SignerError> {
        let message = fp5_from_canonical_bytes(hash).ok_or(SignerError::Message)?;
        Ok(schnorr::sign(&self.key, &message))
    }

    pub fn sign_create_order(&self, tx: &CreateOrder, nonce: i64, expired_at: i64) -> Result<SignedTx, SignerError> {
        self.sign_tx(tx, nonce, expired_at)
    }

    pub fn sign_cancel_order(&self, tx: &CancelOrder, nonce: i64, expired_at: i64) -> Result<SignedTx, SignerError> {
        self.sign_tx(tx, nonce, expired_at)
    }

    pub fn sign_cancel_all_orders(
        &self,
        tx: &CancelAllOrders,
        nonce: i64,
        expired_at: i64,
    ) -> Result<SignedTx, SignerError> {
        self.sign_tx(tx, nonce, expired_at)
    }

    pub fn sign_update_leverage(
        &self,
        tx: &UpdateLeverage,
        nonce: i64,
        expired_at: i64,
    ) -> Result<SignedTx, SignerError> {
        self.sign_tx(tx, nonce, expired_at)
    }

    /// Validate exactly as the official signer does, hash, sign, serialise.
    pub fn sign_tx<T: L2Tx + WireTx>(&self, tx: &T, nonce: i64, expired_at: i64) -> Result<SignedTx, SignerError> {
        let header = self.header(nonce, expired_at);
        header.validate()?;
        tx.validate()?;
        let hash = tx::tx_hash(tx, &header, self.chain_id);
        let sig = self.sign_hash(&hash)?;
        Ok(SignedTx { tx_type: T::TX_TYPE, tx_info: tx.to_tx_info(&header, &sig), tx_hash: hex::encode(hash) })
    }

    pub fn header(&self, nonce: i64, expired_at: i64) -> TxHeader {
        TxHeader { account_index: self.account_index, api_key_index: self.api_key_index, nonce, expired_at }
    }
}

fn parse_private_key(text: &str) -> Result<Zeroizing<[u8; 40]>, SignerError> {
    let digits = text.trim().strip_prefix("0x").unwrap_or(text.trim());
    if digits.len() != 80 {
        return Err(SignerError::KeyFormat("wrong length"));
    }
    let mut key = Zeroizing::new([0u8; 40]);
    hex::decode_to_slice(digits, &mut key[..]).map_err(|_| SignerError::KeyFormat("not hex"))?;
    Ok(key)
}

/// Parses a public key from hex (with or without `0x`) and checks it decodes to a point.
pub fn parse_public_key(text: &str) -> Result<[u8; 40], SignerError> {
    let digits = text.trim().strip_prefix("0x").unwrap_or(text.trim());
    let mut pk = [0u8; 40];
    hex::decode_to_slice(digits, &mut pk).map_err(|_| SignerError::PublicKey)?;
    schnorr::decode_public_key(&pk).map(|_| pk).ok_or(SignerError::PublicKey)
}

/// 40 bytes → Fp5, refusing limbs ≥ p so that every element has exactly one encoding.
fn fp5_from_canonical_bytes(bytes: &[u8]) -> Option<Fp5Element> {
    let bytes: &[u8; 40] = bytes.try_into().ok()?;
    let mut limbs = [Goldilocks::zero(); 5];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
        let v = u64::from_le_bytes(chunk.try_into().ok()?);
        if v >= Goldilocks::MODULUS {
            return None;
        }
        *limb = Goldilocks::from_canonical_u64(v);
    }
    Some(Fp5Element(limbs))
}

/// Fp5 → 40 bytes, limb 0 first, each canonical little-endian (Go's `ToLittleEndianBytes`).
fn fp5_to_bytes(e: &Fp5Element) -> TxHash {
    let mut out = [0u8; 40];
    for (chunk, limb) in out.chunks_exact_mut(8).zip(e.0.iter()) {
        chunk.copy_from_slice(&limb.to_canonical_u64().to_le_bytes());
    }
    out
}

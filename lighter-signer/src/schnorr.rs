//! Schnorr over ECgFp5 as Lighter uses it (§2.4): signature `s ‖ e`, `e = H(r ‖ m) mod n`.
//! Curve and field arithmetic come from `goldilocks-crypto`; this file adds a precomputed
//! table of generator multiples so `k·G` costs 64 additions instead of ~320 doublings (the
//! library's generic `mul`), which is what keeps a signature well inside the latency budget.

use std::sync::LazyLock;

use goldilocks_crypto::{AffinePoint, Point, ScalarField};
use poseidon_hash::{Fp5Element, Goldilocks, hash_to_quintic_extension};
use zeroize::Zeroizing;

use super::{VerifyError, fp5_from_canonical_bytes, fp5_to_bytes};

/// Signed 5-bit digits, as the library's `recode_signed(5)` produces: 64 of them cover the
/// 319-bit group order, each in −16..=16.
const WINDOW: usize = 5;
const DIGITS: usize = 64;

/// Row i holds j·2^(5i)·G for j = 1..=16, affine. 64 × 16 points, about 80 KB, built once.
static GENERATOR_TABLE: LazyLock<Vec<Vec<AffinePoint>>> = LazyLock::new(|| {
    let mut base = Point::generator();
    (0..DIGITS)
        .map(|_| {
            let row = base.make_window_affine();
            base = base.set_m_double(WINDOW as u32);
            row
        })
        .collect()
});

/// Builds the table now (a few ms) so the first order signed does not pay for it.
pub(super) fn warm_up() {
    LazyLock::force(&GENERATOR_TABLE);
}

/// `k·G` as Σ dᵢ·2^(5i)·G. Every row is read through the library's masked lookup and added
/// unconditionally (digit 0 adds the neutral point), so the work does not depend on `k`.
pub(super) fn mul_generator(k: &ScalarField) -> Point {
    let digits = Zeroizing::new(k.recode_signed(WINDOW));
    GENERATOR_TABLE
        .iter()
        .zip(digits.iter())
        .fold(Point::neutral(), |acc, (row, &d)| acc.add_affine(&Point::lookup(row, d)))
}

fn challenge(r: &Fp5Element, message: &Fp5Element) -> ScalarField {
    let mut pre = [Goldilocks::zero(); 10];
    pre[..5].copy_from_slice(&r.0);
    pre[5..].copy_from_slice(&message.0);
    ScalarField::from_fp5_element(&hash_to_quintic_extension(&pre))
}

/// Signs a message hash with a fresh nonce drawn uniformly from [0, n) by rejection sampling
/// (`ScalarField::sample_crypto`, thread-local CSPRNG). Never derive `k` from a hash that is
/// shorter than n: a biased nonce lets a lattice attack recover the key.
pub(super) fn sign(sk: &ScalarField, message: &Fp5Element) -> [u8; 80] {
    let k = Zeroizing::new(ScalarField::sample_crypto());
    let r = mul_generator(&k).encode();
    let e = challenge(&r, message);
    let s = k.sub(e.mul(sk));
    let mut sig = [0u8; 80];
    sig[..40].copy_from_slice(&s.to_bytes_le());
    sig[40..].copy_from_slice(&e.to_bytes_le());
    sig
}

/// Public key bytes for a secret scalar, via the library's generic multiplication so the
/// table above is never the only path that has to be right.
pub(super) fn public_key(sk: &ScalarField) -> [u8; 40] {
    fp5_to_bytes(&Point::generator().mul(sk).encode())
}

/// Verifies `s ‖ e` over a 40-byte message hash: accept iff `H(s·G + e·pk ‖ m) mod n == e`.
/// Stricter than the library's `verify_signature`: non-canonical scalars or limbs (which
/// would make signatures malleable) and the neutral public key are refused.
pub fn verify(message: &[u8], signature: &[u8], public_key: &[u8]) -> Result<(), VerifyError> {
    let sig: &[u8; 80] = signature.try_into().map_err(|_| VerifyError::SignatureLength(signature.len()))?;
    let m = fp5_from_canonical_bytes(message).ok_or(VerifyError::Message)?;
    let pk = decode_public_key(public_key).ok_or(VerifyError::PublicKey)?;
    let scalar = |b: &[u8]| ScalarField::from_bytes_le(b).ok().filter(ScalarField::is_canonical);
    let (Some(s), Some(e)) = (scalar(&sig[..40]), scalar(&sig[40..])) else {
        return Err(VerifyError::NonCanonicalScalar);
    };
    let r = mul_generator(&s).add(&pk.mul(&e)).encode();
    if challenge(&r, &m) == e { Ok(()) } else { Err(VerifyError::Mismatch) }
}

pub(super) fn decode_public_key(bytes: &[u8]) -> Option<Point> {
    let fp5 = fp5_from_canonical_bytes(bytes)?;
    Point::decode(&fp5).filter(|p| !p.is_neutral())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_multiplication_matches_the_library() {
        let n_minus_1 = ScalarField::N.sub(ScalarField::ONE);
        let mut scalars = vec![ScalarField::ZERO, ScalarField::ONE, ScalarField::TWO, n_minus_1];
        scalars.extend((0..5).map(|i| ScalarField([0, 0, 0, 0, 1 << (58 + i)])));
        scalars.extend((0..40).map(|_| ScalarField::sample_crypto()));
        for k in scalars {
            let ours = fp5_to_bytes(&mul_generator(&k).encode());
            let library = fp5_to_bytes(&Point::generator().mul(&k).encode());
            assert_eq!(ours, library, "k = {:?}", k.to_hex());
        }
    }

    #[test]
    fn our_signatures_pass_the_library_verifier() {
        let sk = ScalarField::sample_crypto();
        let pk = public_key(&sk);
        for i in 0..20u64 {
            let msg = Fp5Element([
                Goldilocks::from_canonical_u64(i),
                Goldilocks::zero(),
                Goldilocks::zero(),
                Goldilocks::one(),
                Goldilocks::zero(),
            ]);
            let sig = sign(&sk, &msg);
            let bytes = fp5_to_bytes(&msg);
            assert_eq!(goldilocks_crypto::verify_signature(&sig, &bytes, &pk).ok(), Some(true));
            assert_eq!(verify(&bytes, &sig, &pk), Ok(()));
        }
    }
}

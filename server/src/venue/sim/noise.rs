//! Seeded, stateless noise: the same (seed, keys) always give the same value, on any machine,
//! so a simulated run is reproducible and any instant can be computed without replaying.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;

/// SplitMix64 finaliser: a fast, well-mixed 64-bit hash step.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// FNV-1a over a string, stable across Rust versions (unlike `DefaultHasher`).
pub fn hash_str(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

pub fn key(parts: &[u64]) -> u64 {
    parts.iter().fold(0, |h, &p| mix(h ^ p))
}

/// A uniform value in [-1, 1] in millionths: -1,000,000 to 1,000,000.
pub fn uniform_micros(parts: &[u64]) -> i64 {
    (key(parts) % 2_000_001) as i64 - 1_000_000
}

/// The same value as [`uniform_micros`], as a float (for the simulated price path).
pub fn uniform_f64(parts: &[u64]) -> f64 {
    ((key(parts) % 2_000_001) as f64 - 1_000_000.0) / 1_000_000.0
}

/// A uniform value in [0, 1).
pub fn unit(parts: &[u64]) -> Decimal {
    Decimal::new((key(parts) % 1_000_000) as i64, 6)
}

pub fn rng(parts: &[u64]) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(key(parts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_deterministic_and_bounded() {
        assert_eq!(uniform_micros(&[1, 2, 3]), uniform_micros(&[1, 2, 3]));
        assert_ne!(uniform_micros(&[1, 2, 3]), uniform_micros(&[1, 2, 4]));
        for i in 0..1000 {
            let u = uniform_micros(&[7, i]);
            assert!((-1_000_000..=1_000_000).contains(&u));
            assert_eq!(uniform_f64(&[7, i]), u as f64 / 1_000_000.0);
            let v = unit(&[7, i]);
            assert!(v >= Decimal::ZERO && v < Decimal::ONE);
        }
        assert_ne!(hash_str("BTC"), hash_str("ETH"));
    }
}

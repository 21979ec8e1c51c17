//! Latency of signing one Lighter CreateOrder end to end (validate, Poseidon2 hash, Schnorr
//! sign, tx_info JSON) — the work on the order path before the HTTP send. Target ≤ 200 µs.
//! Verification is measured alongside because the fake venue runs it on every sendTx.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use lighter_signer::tx::{CreateOrder, TxAttributes, tx_hash};
use lighter_signer::{LighterSigner, verify};

// Test-only key pair from the official signer vectors.
const KEY: &str = "0x2b9c384d9f7b86e700196c1786c2e7b94593474573ea46c35b4f86c31531f79ac4b42b654fdf1d6e";

fn order() -> CreateOrder {
    CreateOrder {
        market_index: 0,
        client_order_index: 123,
        base_amount: 1000,
        price: 405_000,
        is_ask: 1,
        order_type: 0,
        time_in_force: 1,
        reduce_only: 0,
        trigger_price: 0,
        order_expiry: 1_900_000_000_000,
        attributes: TxAttributes::new(),
    }
}

fn bench(c: &mut Criterion) {
    let Ok(signer) = LighterSigner::new(KEY, 281_474_976_710_000, 7, 304) else {
        panic!("benchmark key must parse");
    };
    let order = order();
    let mut nonce = 0i64;
    c.bench_function("lighter_create_order_sign", |b| {
        b.iter(|| {
            nonce += 1;
            black_box(signer.sign_create_order(black_box(&order), nonce, 1_795_375_557_549))
        })
    });
    let header = signer.header(5, 1_795_375_557_549);
    c.bench_function("lighter_create_order_hash_only", |b| {
        b.iter(|| black_box(tx_hash(black_box(&order), &header, 304)))
    });
    let hash = tx_hash(&order, &header, 304);
    let Ok(sig) = signer.sign_hash(&hash) else { panic!("signing must work") };
    let pk = signer.public_key();
    c.bench_function("lighter_verify", |b| b.iter(|| black_box(verify(black_box(&hash), &sig, &pk))));
}

criterion_group!(benches, bench);
criterion_main!(benches);

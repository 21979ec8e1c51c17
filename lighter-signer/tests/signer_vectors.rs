//! Known-answer tests for the Lighter signer against vectors produced offline by the official
//! signer (lighter-sdk 1.1.8 `.so`). Hashes and `tx_info` (minus the random `Sig`) must match
//! byte for byte; signatures are checked by verification both ways.
//!
//! The vector file is `$LIGHTER_SIGNER_VECTORS` when set, else the copy under `tests/data/`.

use std::path::PathBuf;

use lighter_signer::auth::{AuthToken, auth_message_hash, verify_auth_token};
use lighter_signer::tx::{CancelOrder, CreateOrder, L2Tx, TxAttributes, TxError, TxHeader, UpdateLeverage, tx_hash};
use lighter_signer::tx_info::{self, WireTx};
use lighter_signer::{LighterSigner, SignedTx, VerifyError, parse_public_key, verify};
use serde_json::Value;

struct Vectors {
    private_key: String,
    public_key: [u8; 40],
    public_key_text: String,
    account_index: i64,
    api_key_index: u8,
    entries: Vec<Value>,
}

fn load() -> Vectors {
    let path = std::env::var_os("LIGHTER_SIGNER_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/lighter_signer_vectors.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let v: Value = serde_json::from_str(&text).expect("vector file is JSON");
    Vectors {
        private_key: v["private_key"].as_str().expect("private_key").to_owned(),
        public_key: parse_public_key(v["public_key"].as_str().expect("public_key")).expect("public key decodes"),
        public_key_text: v["public_key"].as_str().expect("public_key").to_owned(),
        account_index: v["account_index"].as_i64().expect("account_index"),
        api_key_index: v["api_key_index"].as_u64().expect("api_key_index") as u8,
        entries: v["vectors"].as_array().expect("vectors").clone(),
    }
}

fn int(fields: &Value, name: &str) -> i64 {
    fields[name].as_i64().unwrap_or_else(|| panic!("field {name} missing"))
}

/// One transaction vector turned into our types.
enum VectorTx {
    Create(CreateOrder),
    Cancel(CancelOrder),
    Leverage(UpdateLeverage),
}

fn vector_tx(v: &Value) -> VectorTx {
    let f = &v["fields"];
    let mut attributes = TxAttributes::new();
    if int(f, "skip_nonce") == 1 {
        attributes = attributes.with_skip_nonce();
    }
    match v["tx_type"].as_u64() {
        Some(14) => VectorTx::Create(CreateOrder {
            market_index: int(f, "market_index") as i16,
            client_order_index: int(f, "client_order_index"),
            base_amount: int(f, "base_amount"),
            price: int(f, "price") as u32,
            is_ask: int(f, "is_ask") as u8,
            order_type: int(f, "order_type") as u8,
            time_in_force: int(f, "time_in_force") as u8,
            reduce_only: int(f, "reduce_only") as u8,
            trigger_price: int(f, "trigger_price") as u32,
            order_expiry: int(f, "order_expiry"),
            attributes,
        }),
        Some(15) => VectorTx::Cancel(CancelOrder {
            market_index: int(f, "market_index") as i16,
            index: int(f, "index"),
            attributes,
        }),
        Some(20) => VectorTx::Leverage(UpdateLeverage {
            market_index: int(f, "market_index") as i16,
            initial_margin_fraction: int(f, "initial_margin_fraction") as u16,
            margin_mode: int(f, "margin_mode") as u8,
            attributes,
        }),
        other => panic!("unexpected tx_type {other:?}"),
    }
}

/// Removes `,"Sig":"…"` so two tx_info strings can be compared byte for byte otherwise.
fn without_sig(tx_info: &str) -> String {
    let Some(start) = tx_info.find(",\"Sig\":\"") else { return tx_info.to_owned() };
    let value_start = start + ",\"Sig\":\"".len();
    let end = value_start + tx_info[value_start..].find('"').expect("Sig value is terminated") + 1;
    format!("{}{}", &tx_info[..start], &tx_info[end..])
}

fn sig_of(tx_info: &str) -> Vec<u8> {
    use base64::Engine;
    let v: Value = serde_json::from_str(tx_info).expect("tx_info is JSON");
    base64::engine::general_purpose::STANDARD.decode(v["Sig"].as_str().expect("Sig")).expect("Sig is base64")
}

fn tx_vectors(vs: &Vectors) -> impl Iterator<Item = &Value> {
    vs.entries.iter().filter(|v| v["kind"] != "auth_token")
}

fn signer_for(vs: &Vectors, v: &Value) -> LighterSigner {
    let chain = v["chain_id"].as_u64().expect("chain_id") as u32;
    LighterSigner::new(&vs.private_key, vs.account_index, vs.api_key_index, chain).expect("vector key parses")
}

fn header_for(vs: &Vectors, v: &Value) -> TxHeader {
    TxHeader {
        account_index: vs.account_index,
        api_key_index: vs.api_key_index,
        nonce: int(&v["fields"], "nonce"),
        expired_at: v["expired_at"].as_i64().expect("expired_at"),
    }
}

/// Hash, tx_info and signature checks for one vector of one kind.
fn check_one<T: L2Tx + WireTx>(vs: &Vectors, v: &Value, tx: &T, failures: &mut Vec<String>) {
    let label = format!("{} chain {}", v["kind"], v["chain_id"]);
    let signer = signer_for(vs, v);
    let header = header_for(vs, v);
    let hash = tx_hash(tx, &header, signer.chain_id());
    let want_hash = v["tx_hash"].as_str().expect("tx_hash");
    if hex::encode(hash) != want_hash {
        failures.push(format!("{label}: hash {} != {want_hash}", hex::encode(hash)));
    }
    let signed: SignedTx = signer.sign_tx(tx, header.nonce, header.expired_at).expect("vector tx signs");
    let want_info = v["tx_info"].as_str().expect("tx_info");
    if signed.tx_type as u64 != v["tx_type"].as_u64().unwrap_or(0) || signed.tx_hash != want_hash {
        failures.push(format!("{label}: signed tx_type/tx_hash differ"));
    }
    if without_sig(&signed.tx_info) != without_sig(want_info) {
        failures.push(format!("{label}: tx_info\n ours   {}\n theirs {}", signed.tx_info, want_info));
    }
    if let Err(e) = verify(&hash, &sig_of(want_info), &vs.public_key) {
        failures.push(format!("{label}: official signature does not verify: {e}"));
    }
    if let Err(e) = verify(&hash, &sig_of(&signed.tx_info), &vs.public_key) {
        failures.push(format!("{label}: our signature does not verify: {e}"));
    }
    // Independent path: the library's own verifier must accept our signature too.
    if !goldilocks_crypto::verify_signature(&sig_of(&signed.tx_info), &hash, &vs.public_key).unwrap_or(false) {
        failures.push(format!("{label}: goldilocks-crypto rejects our signature"));
    }
}

#[test]
fn signer_vectors_tx_hash_tx_info_and_signatures_match() {
    let vs = load();
    let mut failures = Vec::new();
    let mut checked = 0;
    for v in tx_vectors(&vs) {
        match vector_tx(v) {
            VectorTx::Create(tx) => check_one(&vs, v, &tx, &mut failures),
            VectorTx::Cancel(tx) => check_one(&vs, v, &tx, &mut failures),
            VectorTx::Leverage(tx) => check_one(&vs, v, &tx, &mut failures),
        }
        checked += 1;
    }
    assert_eq!(checked, 12, "expected 12 transaction vectors");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn signer_vectors_public_key_derives_from_private_key() {
    let vs = load();
    let signer = LighterSigner::new(&vs.private_key, vs.account_index, vs.api_key_index, 304).unwrap();
    assert_eq!(signer.public_key(), vs.public_key);
    assert_eq!(format!("0x{}", signer.public_key_hex()), vs.public_key_text);
    // Key material never reaches logs.
    let dbg = format!("{signer:?}");
    assert_eq!(
        dbg,
        "LighterSigner { account_index: 281474976710000, api_key_index: 7, chain_id: 304, key: \"<redacted>\" }"
    );
    assert!(!dbg.contains(&vs.private_key[2..12]));
}

#[test]
fn signer_vectors_auth_tokens_verify_and_match_layout() {
    let vs = load();
    let signer = LighterSigner::new(&vs.private_key, vs.account_index, vs.api_key_index, 304).unwrap();
    let tokens: Vec<&Value> = vs.entries.iter().filter(|v| v["kind"] == "auth_token").collect();
    assert_eq!(tokens.len(), 2);
    for v in tokens {
        let deadline = v["deadline"].as_i64().expect("deadline");
        let theirs = v["token"].as_str().expect("token");
        let ours = signer.create_auth_token(deadline).unwrap();
        // Same signed prefix and same shape: 160 lowercase hex digits of signature.
        let (their_msg, their_sig) = theirs.rsplit_once(':').unwrap();
        let (our_msg, our_sig) = ours.rsplit_once(':').unwrap();
        assert_eq!(our_msg, their_msg);
        assert_eq!(our_msg, format!("{deadline}:{}:{}", vs.account_index, vs.api_key_index));
        assert_eq!((our_sig.len(), their_sig.len()), (160, 160));
        assert!(our_sig.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        for token in [theirs, ours.as_str()] {
            let parsed = AuthToken::parse(token).unwrap();
            assert_eq!((parsed.deadline, parsed.account_index, parsed.api_key_index), (deadline, vs.account_index, 7));
            parsed.verify_signature(&vs.public_key).unwrap_or_else(|e| panic!("{token}: {e}"));
            // Full fake-venue check one second before the deadline.
            verify_auth_token(token, &vs.public_key, deadline - 1).unwrap();
        }
        // A token is bound to its message: the official signature does not cover another deadline.
        let sig = hex::decode(their_sig).unwrap();
        let other = auth_message_hash(&format!("{}:{}:7", deadline + 1, vs.account_index));
        assert_eq!(verify(&other, &sig, &vs.public_key), Err(VerifyError::Mismatch));
    }
}

#[test]
fn signer_vectors_official_tx_info_parses_back_to_the_same_hash() {
    let vs = load();
    for v in tx_vectors(&vs) {
        let info = v["tx_info"].as_str().unwrap();
        let chain = v["chain_id"].as_u64().unwrap() as u32;
        let (header, hash, sig) = match v["tx_type"].as_u64() {
            Some(14) => {
                let p = tx_info::parse_create_order(info).unwrap();
                p.tx.validate().unwrap();
                (p.header, tx_hash(&p.tx, &p.header, chain), p.sig)
            }
            Some(15) => {
                let p = tx_info::parse_cancel_order(info).unwrap();
                p.tx.validate().unwrap();
                (p.header, tx_hash(&p.tx, &p.header, chain), p.sig)
            }
            _ => {
                let p = tx_info::parse_update_leverage(info).unwrap();
                p.tx.validate().unwrap();
                (p.header, tx_hash(&p.tx, &p.header, chain), p.sig)
            }
        };
        assert_eq!(header, header_for(&vs, v));
        assert_eq!(hex::encode(hash), v["tx_hash"].as_str().unwrap(), "{}", v["kind"]);
        verify(&hash, &sig, &vs.public_key).unwrap();
        // What a fake venue does on the wrong chain: same JSON, other chain id, no match.
        let other_chain = if chain == 304 { 300 } else { 304 };
        let wrong = match vector_tx(v) {
            VectorTx::Create(t) => tx_hash(&t, &header, other_chain),
            VectorTx::Cancel(t) => tx_hash(&t, &header, other_chain),
            VectorTx::Leverage(t) => tx_hash(&t, &header, other_chain),
        };
        assert_eq!(verify(&wrong, &sig, &vs.public_key), Err(VerifyError::Mismatch));
    }
}

#[test]
fn signer_vectors_tampering_fails_verification() {
    let vs = load();
    let v = tx_vectors(&vs).next().unwrap();
    let VectorTx::Create(tx) = vector_tx(v) else { panic!("first vector is a CreateOrder") };
    let header = header_for(&vs, v);
    let chain = v["chain_id"].as_u64().unwrap() as u32;
    let sig = sig_of(v["tx_info"].as_str().unwrap());
    let hash = tx_hash(&tx, &header, chain);
    verify(&hash, &sig, &vs.public_key).unwrap();

    let mismatch = |h: &[u8]| assert_eq!(verify(h, &sig, &vs.public_key), Err(VerifyError::Mismatch));
    mismatch(&tx_hash(&CreateOrder { price: tx.price + 1, ..tx }, &header, chain));
    mismatch(&tx_hash(&CreateOrder { is_ask: 0, ..tx }, &header, chain));
    mismatch(&tx_hash(&tx, &TxHeader { nonce: header.nonce + 1, ..header }, chain));
    mismatch(&tx_hash(&CreateOrder { attributes: TxAttributes::new().with_skip_nonce(), ..tx }, &header, chain));
    let mut flipped = hash;
    flipped[0] ^= 1;
    mismatch(&flipped);

    let mut bad_sig = sig.clone();
    bad_sig[3] ^= 0x10;
    assert!(verify(&hash, &bad_sig, &vs.public_key).is_err());
    // s + n is the same residue but not canonical: refused rather than accepted twice.
    let mut all_ones = sig.clone();
    all_ones[..40].fill(0xff);
    assert_eq!(verify(&hash, &all_ones, &vs.public_key), Err(VerifyError::NonCanonicalScalar));
    assert_eq!(verify(&hash, &sig[..79], &vs.public_key), Err(VerifyError::SignatureLength(79)));
    assert_eq!(verify(&hash, &sig, &[0u8; 40]), Err(VerifyError::PublicKey));
    let other = LighterSigner::new(&format!("0x{}", "11".repeat(40)), vs.account_index, 7, chain).unwrap();
    assert_eq!(verify(&hash, &sig, &other.public_key()), Err(VerifyError::Mismatch));
}

#[test]
fn signer_vectors_validation_rejects_out_of_range_fields() {
    let vs = load();
    let v = tx_vectors(&vs).next().unwrap();
    let VectorTx::Create(gtt) = vector_tx(v) else { panic!("first vector is a CreateOrder") };
    let signer = signer_for(&vs, v);
    let sign = |tx: CreateOrder| signer.sign_create_order(&tx, 5, 1_795_375_557_549).map(|_| ());
    let rejects = |tx: CreateOrder, want: TxError| match sign(tx) {
        Err(lighter_signer::SignerError::Tx(e)) => assert_eq!(e, want),
        other => panic!("expected {want:?}, got {other:?}"),
    };
    sign(gtt).unwrap();
    rejects(CreateOrder { market_index: 300, ..gtt }, TxError::MarketIndex(300));
    rejects(CreateOrder { client_order_index: 1 << 48, ..gtt }, TxError::ClientOrderIndex(1 << 48));
    rejects(CreateOrder { base_amount: 0, ..gtt }, TxError::BaseAmount(0));
    rejects(CreateOrder { base_amount: 1 << 48, ..gtt }, TxError::BaseAmount(1 << 48));
    rejects(CreateOrder { price: 0, ..gtt }, TxError::Price);
    rejects(CreateOrder { is_ask: 2, ..gtt }, TxError::IsAsk(2));
    rejects(CreateOrder { time_in_force: 3, ..gtt }, TxError::TimeInForce(3));
    rejects(CreateOrder { reduce_only: 2, ..gtt }, TxError::ReduceOnly(2));
    rejects(CreateOrder { order_type: 9, ..gtt }, TxError::OrderType(9));
    rejects(CreateOrder { order_expiry: 0, ..gtt }, TxError::OrderExpiry(0)); // GTT needs one
    rejects(CreateOrder { trigger_price: 5, ..gtt }, TxError::TriggerPrice(5));
    let market = CreateOrder { order_type: 1, time_in_force: 0, order_expiry: 0, ..gtt };
    sign(market).unwrap();
    rejects(CreateOrder { time_in_force: 1, ..market }, TxError::TimeInForce(1));
    rejects(CreateOrder { order_expiry: 1, ..market }, TxError::OrderExpiry(1));
    // Reduce-only may close "everything" with size 0; spot markets cannot be reduce-only.
    sign(CreateOrder { base_amount: 0, reduce_only: 1, ..market }).unwrap();
    rejects(CreateOrder { market_index: 2048, reduce_only: 1, ..market }, TxError::ReduceOnly(1));

    let header_err = |nonce, expired_at| match signer.sign_create_order(&gtt, nonce, expired_at) {
        Err(lighter_signer::SignerError::Tx(e)) => e,
        other => panic!("expected a header error, got {other:?}"),
    };
    assert_eq!(header_err(-1, 1), TxError::Nonce(-1));
    assert_eq!(header_err(0, 1 << 48), TxError::ExpiredAt(1 << 48));
    assert!(LighterSigner::new(&vs.private_key, (1 << 48) - 1, 7, 304).is_err());
    assert!(LighterSigner::new(&vs.private_key, 1, 255, 304).is_err());

    let lev = UpdateLeverage {
        market_index: 0,
        initial_margin_fraction: 1000,
        margin_mode: 0,
        attributes: TxAttributes::new(),
    };
    let lev_err = |tx: UpdateLeverage| tx.validate().unwrap_err();
    assert_eq!(lev_err(UpdateLeverage { initial_margin_fraction: 0, ..lev }), TxError::InitialMarginFraction(0));
    assert_eq!(
        lev_err(UpdateLeverage { initial_margin_fraction: 10_001, ..lev }),
        TxError::InitialMarginFraction(10_001)
    );
    assert_eq!(lev_err(UpdateLeverage { margin_mode: 2, ..lev }), TxError::MarginMode(2));
    assert_eq!(lev_err(UpdateLeverage { market_index: 255, ..lev }), TxError::MarketIndex(255));
    let cancel = CancelOrder { market_index: 0, index: 0, attributes: TxAttributes::new() };
    assert_eq!(cancel.validate(), Err(TxError::OrderIndex(0)));
    let mut attrs = TxAttributes::new();
    attrs.set(2, 100).unwrap(); // a fee without an integrator account
    assert!(matches!(CancelOrder { index: 1, attributes: attrs, ..cancel }.validate(), Err(TxError::Attribute(_))));
}

#[test]
fn signer_vectors_private_key_parsing_errors_are_clear_and_redacted() {
    let vs = load();
    for bad in ["", "0x1234", &"zz".repeat(40), &format!("0x{}", "00".repeat(40)), &format!("0x{}", "ff".repeat(40))] {
        let err = LighterSigner::new(bad, vs.account_index, 7, 304).unwrap_err().to_string();
        assert!(err.contains("private key"), "{err}");
    }
    // Both spellings of the same key work.
    assert!(LighterSigner::new(&vs.private_key[2..], vs.account_index, 7, 304).is_ok());
}

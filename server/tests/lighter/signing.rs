//! The connector's signed transactions against the fake's verification: accepted when right
//! (checked by two independent verifiers), refused with the venue's codes when the signature,
//! chain, nonce, expiry or a §2.4 rule is wrong; auth tokens checked the same way.

use std::time::Duration;

use app::order::Side;
use lighter_signer::tx::{CreateOrder, TxAttributes, TxHeader, order_type, time_in_force, tx_hash};
use lighter_signer::{MAINNET_CHAIN_ID, tx_info};
use serde_json::Value;
use server::venue::VenueClient;

use crate::helpers::*;

fn order(coi: i64, base_amount: i64, price: u32) -> CreateOrder {
    CreateOrder {
        market_index: 1,
        client_order_index: coi,
        base_amount,
        price,
        is_ask: 0,
        order_type: order_type::LIMIT,
        time_in_force: time_in_force::GOOD_TILL_TIME,
        reduce_only: 0,
        trigger_price: 0,
        order_expiry: T0 + 86_400_000,
        attributes: TxAttributes::new(),
    }
}

async fn send(fake_url: &str, tx_type: u8, info: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{fake_url}/api/v1/sendTx"))
        .form(&[("tx_type", tx_type.to_string()), ("tx_info", info.to_owned())])
        .send()
        .await
        .expect("fake answers");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn connector_orders_pass_both_verifiers() {
    let (fake, venue) = setup().await;
    let report = venue.place_order(&limit("sig-1", "BTC", Side::Buy, "0.01", "64000")).await.expect("accepted");
    assert_eq!(report.status, app::order::VenueOrderStatus::New);
    let cancel = venue.cancel_order(&btc(), &cid("sig-1")).await.expect("cancel accepted");
    assert_eq!(cancel.status, app::order::VenueOrderStatus::Canceled);
    let (checked, disagreements) = fake.verifications();
    assert!(checked >= 2, "every tx is verified (got {checked})");
    assert_eq!(disagreements, 0, "the signer's verifier and goldilocks-crypto must agree");
    venue.shutdown().await;
}

#[tokio::test]
async fn tampering_wrong_chain_nonce_expiry_and_rules_are_refused() {
    let fake = start_fake(fake_config()).await;
    let url = fake.rest_url();
    let chain = fake.chain_id();
    let s = signer(2, chain);
    let exp = T0 + 600_000;

    // Valid: accepted with the hash the signer precomputed.
    let ok = s.sign_create_order(&order(7, 1_000, 640_000), 0, exp).expect("signs");
    let (status, body) = send(&url, ok.tx_type, &ok.tx_info).await;
    assert_eq!((status, body["tx_hash"].as_str()), (200, Some(ok.tx_hash.as_str())), "{body}");

    // A field changed after signing: the signature no longer covers it.
    let signed = s.sign_create_order(&order(8, 1_000, 640_000), 1, exp).expect("signs");
    let tampered = signed.tx_info.replace("\"Price\":640000", "\"Price\":640001");
    assert_eq!(send(&url, 14, &tampered).await.1["code"], 21120);

    // Signed for mainnet, sent to a testnet fake.
    let mainnet = signer(2, MAINNET_CHAIN_ID).sign_create_order(&order(9, 1_000, 640_000), 1, exp).expect("signs");
    assert_eq!(send(&url, 14, &mainnet.tx_info).await.1["code"], 21121);

    // Replayed nonce 0, and a nonce from the future.
    let replay = s.sign_create_order(&order(10, 1_000, 640_000), 0, exp).expect("signs");
    assert_eq!(send(&url, 14, &replay.tx_info).await.1["code"], 21104);
    let ahead = s.sign_create_order(&order(10, 1_000, 640_000), 5, exp).expect("signs");
    assert_eq!(send(&url, 14, &ahead.tx_info).await.1["code"], 21104);

    // Expired transaction.
    let stale = s.sign_create_order(&order(11, 1_000, 640_000), 1, T0 - 1).expect("signs");
    assert_eq!(send(&url, 14, &stale.tx_info).await.1["code"], 21717);

    // A rule the signer enforces (zero size without reduce-only), signed by hand so the fake
    // has to catch it: 21701.
    let bad = order(12, 0, 640_000);
    let header = TxHeader { account_index: ACCOUNT, api_key_index: 2, nonce: 1, expired_at: exp };
    let sig = s.sign_hash(&tx_hash(&bad, &header, chain)).expect("signs");
    assert_eq!(send(&url, 14, &tx_info::create_order(&header, &bad, &sig)).await.1["code"], 21701);

    // Duplicate client order index.
    let dup = s.sign_create_order(&order(7, 1_000, 640_000), 1, exp).expect("signs");
    assert_eq!(send(&url, 14, &dup.tx_info).await.1["code"], 21728);

    // Unregistered key slot.
    let stranger = signer(9, chain).sign_create_order(&order(13, 1_000, 640_000), 0, exp).expect("signs");
    assert_eq!(send(&url, 14, &stranger.tx_info).await.1["code"], 21109);

    // None of the refusals consumed a nonce.
    assert_eq!(fake.next_nonce(ACCOUNT, 2), 1);
    assert_eq!(fake.verifications().1, 0);
}

#[tokio::test]
async fn auth_tokens_are_verified() {
    let fake = start_fake(fake_config()).await;
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/accountActiveOrders?account_index={ACCOUNT}&market_id=1", fake.rest_url());
    let s = signer(3, fake.chain_id());
    let now = T0 / 1000;
    let get = |token: String| {
        let req = http.get(&url).header("authorization", token);
        async move {
            let r = req.send().await.expect("answers");
            (r.status().as_u16(), r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    assert_eq!(get(s.create_auth_token(now + 3600).expect("token")).await.0, 200);
    assert_eq!(get(s.create_auth_token(now - 1).expect("token")).await.1["code"], 20013, "expired");
    assert_eq!(get(s.create_auth_token(now + 9 * 3600).expect("token")).await.1["code"], 20013, "more than 8 h ahead");
    let other = lighter_signer::LighterSigner::new(&key_hex(3), ACCOUNT + 1, 3, fake.chain_id()).expect("key");
    assert_eq!(get(other.create_auth_token(now + 60).expect("token")).await.1["code"], 20013, "another account");
    let no_auth = http.get(&url).send().await.expect("answers");
    assert_eq!(no_auth.status().as_u16(), 400);
    tokio::time::sleep(Duration::from_millis(1)).await;
}

/// The official signer's own output (lighter-sdk 1.1.8 `.so`, `lighter-signer/tests/data`) is
/// accepted by the fake with the same tx hash, and refused with 21121 when it was signed for
/// the other chain.
#[tokio::test]
async fn the_official_signers_transactions_are_accepted() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../lighter-signer/tests/data/lighter_signer_vectors.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("vector file")).expect("JSON");
    let account = v["account_index"].as_i64().expect("account");
    let key = v["api_key_index"].as_u64().expect("key") as u8;
    let pk = lighter_signer::parse_public_key(v["public_key"].as_str().expect("pk")).expect("pk decodes");
    let mut config = fake_config();
    config.clock = fakes::lighter::FakeClock::manual(1_795_375_000_000);
    config.accounts.push(fakes::lighter::FakeAccount {
        index: account,
        collateral: rust_decimal::Decimal::from(10_000),
        keys: vec![(key, pk)],
    });
    let fake = start_fake(config).await;
    fake.bump_nonce(account, key, 5);
    let vectors = v["vectors"].as_array().expect("vectors");
    let find = |kind: &str, chain: u32| {
        vectors.iter().find(|x| x["kind"] == kind && x["chain_id"] == chain).expect("vector present")
    };
    let testnet = find("create_order_limit_gtt_ask", fake.chain_id());
    let (status, body) = send(&fake.rest_url(), 14, testnet["tx_info"].as_str().expect("tx_info")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["tx_hash"], testnet["tx_hash"]);
    let mainnet = find("create_order_post_only_bid", MAINNET_CHAIN_ID);
    assert_eq!(send(&fake.rest_url(), 14, mainnet["tx_info"].as_str().expect("tx_info")).await.1["code"], 21121);
    assert_eq!(fake.verifications().1, 0);
}

/// The connector's token outlives any single token: after 7½ hours (a 7 h token, refreshed
/// 15 min before its deadline) private reads and the account channels still work.
#[tokio::test]
async fn auth_tokens_are_refreshed_across_their_lifetime() {
    let (fake, venue) = setup().await;
    assert!(venue.open_orders().await.expect("authorized").is_empty());
    for _ in 0..3 {
        fake.advance_clock(2 * 3_600_000 + 30 * 60_000);
        assert!(venue.open_orders().await.is_ok(), "still authorized at {}", fake.clock().now_ms());
        assert!(venue.funding_payments(T0).await.is_ok());
    }
    venue.shutdown().await;
}

//! Unit tests for rules the official vectors do not exercise: CancelAllOrders, attribute
//! validation, and the nil-attribute hashing rule the fake venue relies on.

use super::super::tx_info;
use super::attributes::MAX_ATTRIBUTES;
use super::*;

fn header() -> TxHeader {
    TxHeader { account_index: 281_474_976_710_000, api_key_index: 7, nonce: 5, expired_at: 1_795_375_557_549 }
}

fn cancel_all(time_in_force: u8, time: i64) -> CancelAllOrders {
    CancelAllOrders { time_in_force, time, attributes: TxAttributes::new() }
}

#[test]
fn cancel_all_orders_rules() {
    assert_eq!(cancel_all(cancel_all_tif::IMMEDIATE, 0).validate(), Ok(()));
    assert_eq!(cancel_all(cancel_all_tif::SCHEDULED, 1_800_000_000_000).validate(), Ok(()));
    assert_eq!(cancel_all(cancel_all_tif::ABORT_SCHEDULED, 0).validate(), Ok(()));
    assert_eq!(cancel_all(cancel_all_tif::IMMEDIATE, 1).validate(), Err(TxError::CancelAllTime(1)));
    assert_eq!(cancel_all(cancel_all_tif::SCHEDULED, 0).validate(), Err(TxError::CancelAllTime(0)));
    assert_eq!(cancel_all(3, 0).validate(), Err(TxError::TimeInForce(3)));
    // A market filter (attribute 5) is only allowed on an immediate cancel; 255 means "all".
    let mut one_market = cancel_all(cancel_all_tif::SCHEDULED, 1_800_000_000_000);
    one_market.attributes.set(attribute_type::CANCEL_ALL_MARKET_INDEX, 3).unwrap();
    assert_eq!(one_market.validate(), Err(TxError::TimeInForce(cancel_all_tif::SCHEDULED)));
    one_market.attributes.set(attribute_type::CANCEL_ALL_MARKET_INDEX, 255).unwrap();
    assert_eq!(one_market.validate(), Ok(()));
}

#[test]
fn cancel_all_orders_wire_layout() {
    let json = tx_info::cancel_all_orders(&header(), &cancel_all(cancel_all_tif::IMMEDIATE, 0), &[0u8; 80]);
    let sig = format!("{}=", "A".repeat(107)); // 80 bytes: 26 full groups + 2 bytes, one pad
    assert_eq!(
        json,
        format!(
            "{{\"AccountIndex\":281474976710000,\"ApiKeyIndex\":7,\"TimeInForce\":0,\"Time\":0,\
             \"ExpiredAt\":1795375557549,\"Nonce\":5,\"Sig\":\"{sig}\",\"L2TxAttributes\":null}}"
        )
    );
    let parsed = tx_info::parse_cancel_all_orders(&json).unwrap();
    assert_eq!((parsed.header, parsed.tx), (header(), cancel_all(0, 0)));
}

#[test]
fn attribute_validation() {
    let check = |pairs: &[(u8, i64)]| {
        let mut a = TxAttributes::new();
        for &(k, v) in pairs {
            a.set(k, v).unwrap();
        }
        a.validate()
    };
    assert_eq!(check(&[(4, 1)]), Ok(()));
    assert_eq!(check(&[(4, 0)]), Err(AttributeError::OutOfRange { kind: 4, value: 0 }));
    assert_eq!(check(&[(2, 10)]), Err(AttributeError::FeesWithoutIntegrator));
    assert_eq!(check(&[(1, 9), (2, 10), (3, 5)]), Ok(()));
    assert_eq!(check(&[(1, 9), (2, 10), (6, 1)]), Err(AttributeError::SelfTradeWithFees));
    assert_eq!(check(&[(6, 3), (7, 1)]), Err(AttributeError::ReduceWithMasterEquality));
    assert_eq!(check(&[(1, 9), (2, 1), (3, 1), (4, 1), (5, 255)]), Err(AttributeError::TooMany));
    assert_eq!(check(&[(2, 1_000_001), (1, 1)]), Err(AttributeError::OutOfRange { kind: 2, value: 1_000_001 }));
    assert_eq!(TxAttributes::new().set(8, 1), Err(AttributeError::UnknownType(8)));
    assert_eq!(MAX_ATTRIBUTES, 4);
}

#[test]
fn nil_valued_attributes_hash_like_none() {
    // Older signers sent {"1":0,"2":0,"3":0}; it must hash exactly like null.
    let order = CreateOrder {
        market_index: 0,
        client_order_index: 123,
        base_amount: 1000,
        price: 405_000,
        is_ask: 1,
        order_type: order_type::LIMIT,
        time_in_force: time_in_force::GOOD_TILL_TIME,
        reduce_only: 0,
        trigger_price: 0,
        order_expiry: 1_900_000_000_000,
        attributes: TxAttributes::new(),
    };
    let mut old_style = order;
    for k in 1..=3 {
        old_style.attributes.set(k, 0).unwrap();
    }
    assert_eq!(old_style.validate(), Ok(()));
    assert_eq!(tx_hash(&old_style, &header(), 304), tx_hash(&order, &header(), 304));
    // The first official vector: chain 304, nonce 5.
    assert_eq!(
        hex::encode(tx_hash(&order, &header(), 304)),
        "a0670d284de0e1c722fa21009ce395a7a7ee82b5960cb484e75e21dfffb85651b082ee5c6d9a3f54"
    );
    let json = tx_info::create_order(&header(), &old_style, &[0u8; 80]);
    assert!(json.ends_with(",\"L2TxAttributes\":{\"1\":0,\"2\":0,\"3\":0}}"), "{json}");
    assert_eq!(tx_info::parse_create_order(&json).unwrap().tx, old_style);
    // A non-nil attribute does change the hash.
    let skip = CreateOrder { attributes: TxAttributes::new().with_skip_nonce(), ..order };
    assert_ne!(tx_hash(&skip, &header(), 304), tx_hash(&order, &header(), 304));
}

//! The `tx_info` JSON the venue's `sendTx` expects: Go's `json.Marshal` of lighter-go's tx
//! structs, so PascalCase keys in struct order, `Sig` as padded standard base64, and
//! `L2TxAttributes` as `null` or an object with string keys (§2.5). Also the reverse parse,
//! which a fake venue uses to recompute the hash and check the signature.
//!
//! serde_json emits struct fields in declaration order, so each wire struct's field order
//! *is* the key order on the wire; do not reorder them.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use super::tx::{CancelAllOrders, CancelOrder, CreateOrder, TxAttributes, TxHeader, UpdateLeverage};

#[derive(Debug, thiserror::Error)]
pub enum TxInfoError {
    #[error("tx_info is not the expected JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("Sig is not 80 bytes of base64")]
    Sig,
    #[error("L2TxAttributes: {0}")]
    Attributes(#[from] super::tx::AttributeError),
}

/// A decoded `tx_info`: the common header, the kind-specific body and the raw signature.
#[derive(Debug, Clone)]
pub struct ParsedTx<T> {
    pub header: TxHeader,
    pub tx: T,
    pub sig: [u8; 80],
}

type WireAttributes = Option<BTreeMap<u8, i64>>;

fn attrs_to_wire(a: &TxAttributes) -> WireAttributes {
    (!a.is_empty()).then(|| a.iter().collect())
}

fn attrs_from_wire(w: WireAttributes) -> Result<TxAttributes, TxInfoError> {
    let mut attrs = TxAttributes::new();
    for (kind, value) in w.into_iter().flatten() {
        attrs.set(kind, value)?;
    }
    Ok(attrs)
}

fn sig_from_wire(s: &str) -> Result<[u8; 80], TxInfoError> {
    let bytes = BASE64.decode(s).map_err(|_| TxInfoError::Sig)?;
    bytes.try_into().map_err(|_| TxInfoError::Sig)
}

/// Defines a wire struct plus the to/from conversions for one tx kind. The listed body
/// fields sit between `ApiKeyIndex` and `ExpiredAt`, exactly as in lighter-go.
macro_rules! wire_tx {
    ($wire:ident, $tx:ident, $to:ident, $parse:ident, { $($field:ident : $ty:ty => $key:literal),* $(,)? }) => {
        #[derive(Serialize, Deserialize)]
        struct $wire {
            #[serde(rename = "AccountIndex")]
            account_index: i64,
            #[serde(rename = "ApiKeyIndex")]
            api_key_index: u8,
            $( #[serde(rename = $key)] $field: $ty, )*
            #[serde(rename = "ExpiredAt")]
            expired_at: i64,
            #[serde(rename = "Nonce")]
            nonce: i64,
            #[serde(rename = "Sig")]
            sig: String,
            #[serde(rename = "L2TxAttributes")]
            attributes: WireAttributes,
        }

        /// The exact `tx_info` string for this transaction and signature.
        pub fn $to(header: &TxHeader, tx: &$tx, sig: &[u8; 80]) -> String {
            let wire = $wire {
                account_index: header.account_index,
                api_key_index: header.api_key_index,
                $( $field: tx.$field, )*
                expired_at: header.expired_at,
                nonce: header.nonce,
                sig: BASE64.encode(sig),
                attributes: attrs_to_wire(&tx.attributes),
            };
            // Integers, a base64 string and an integer-keyed map cannot fail to serialise.
            serde_json::to_string(&wire).unwrap_or_default()
        }

        /// Parses a `tx_info` string; it does not validate the fields or check the signature.
        pub fn $parse(json: &str) -> Result<ParsedTx<$tx>, TxInfoError> {
            let w: $wire = serde_json::from_str(json)?;
            Ok(ParsedTx {
                header: TxHeader {
                    account_index: w.account_index,
                    api_key_index: w.api_key_index,
                    nonce: w.nonce,
                    expired_at: w.expired_at,
                },
                tx: $tx { $( $field: w.$field, )* attributes: attrs_from_wire(w.attributes)? },
                sig: sig_from_wire(&w.sig)?,
            })
        }
    };
}

wire_tx!(CreateOrderWire, CreateOrder, create_order, parse_create_order, {
    market_index: i16 => "MarketIndex",
    client_order_index: i64 => "ClientOrderIndex",
    base_amount: i64 => "BaseAmount",
    price: u32 => "Price",
    is_ask: u8 => "IsAsk",
    order_type: u8 => "Type",
    time_in_force: u8 => "TimeInForce",
    reduce_only: u8 => "ReduceOnly",
    trigger_price: u32 => "TriggerPrice",
    order_expiry: i64 => "OrderExpiry",
});

wire_tx!(CancelOrderWire, CancelOrder, cancel_order, parse_cancel_order, {
    market_index: i16 => "MarketIndex",
    index: i64 => "Index",
});

wire_tx!(CancelAllOrdersWire, CancelAllOrders, cancel_all_orders, parse_cancel_all_orders, {
    time_in_force: u8 => "TimeInForce",
    time: i64 => "Time",
});

wire_tx!(UpdateLeverageWire, UpdateLeverage, update_leverage, parse_update_leverage, {
    market_index: i16 => "MarketIndex",
    initial_margin_fraction: u16 => "InitialMarginFraction",
    margin_mode: u8 => "MarginMode",
});

/// Kinds that have a `tx_info` form; lets the signer be generic over the kind.
pub trait WireTx: Sized {
    fn to_tx_info(&self, header: &TxHeader, sig: &[u8; 80]) -> String;
}

impl WireTx for CreateOrder {
    fn to_tx_info(&self, header: &TxHeader, sig: &[u8; 80]) -> String {
        create_order(header, self, sig)
    }
}

impl WireTx for CancelOrder {
    fn to_tx_info(&self, header: &TxHeader, sig: &[u8; 80]) -> String {
        cancel_order(header, self, sig)
    }
}

impl WireTx for CancelAllOrders {
    fn to_tx_info(&self, header: &TxHeader, sig: &[u8; 80]) -> String {
        cancel_all_orders(header, self, sig)
    }
}

impl WireTx for UpdateLeverage {
    fn to_tx_info(&self, header: &TxHeader, sig: &[u8; 80]) -> String {
        update_leverage(header, self, sig)
    }
}

//! The parse layer never panics: for every wire message type, arbitrary bytes and mutated
//! valid samples (fields replaced by random JSON, bytes flipped) go through deserialisation,
//! the domain parsers, the local book and the whole feed protocol handler.

use std::sync::Arc;

use app::VenueMode;
use proptest::prelude::*;
use serde_json::{Value, json};
use server::venue::lighter::book::LocalBook;
use server::venue::lighter::config::LighterConfig;
use server::venue::lighter::parse::{self, LighterMarket, account as pa};
use server::venue::lighter::shared::Shared;
use server::venue::lighter::wire::{self, ws};
use server::venue::lighter::ws::Feed;

use crate::helpers::*;

const SAMPLES: &[&str] = &[
    r#"{"code":21104,"message":"invalid nonce"}"#,
    r#"{"code":200,"order_book_details":[{"symbol":"ETH","market_id":0,"market_type":"perp","status":"active","taker_fee":"0.0000","maker_fee":"0.0000","min_base_amount":"0.0050","min_quote_amount":"10.000000","size_decimals":4,"price_decimals":2,"default_initial_margin_fraction":500,"min_initial_margin_fraction":200,"maintenance_margin_fraction":120,"closeout_margin_fraction":80,"last_trade_price":2361.31}],"spot_order_book_details":[]}"#,
    r#"{"code":200,"total_asks":1,"asks":[{"order_index":281476929689581,"order_id":"281476929689581","owner_account_index":281474976641952,"initial_base_amount":"0.0317","remaining_base_amount":"0.0317","price":"2361.32","order_expiry":1780364303894,"transaction_time":0}],"total_bids":1,"bids":[{"order_index":562947905454787,"owner_account_index":1,"remaining_base_amount":"3.4125","price":"2361.17"}]}"#,
    r#"{"code":200,"resolution":"1h","fundings":[{"timestamp":1778702400,"value":"0.02707872","rate":"0.0012","direction":"long"},{"timestamp":1778706000,"value":"0.00452778","rate":"0.0002","direction":"short"}]}"#,
    r#"{"code":200,"total":1,"accounts":[{"code":0,"index":1234,"account_index":1234,"status":1,"collateral":"1000.000000","available_balance":"900.000000","total_asset_value":"1003.45","cross_initial_margin_requirement":"100.0","positions":[{"market_id":1,"symbol":"BTC","initial_margin_fraction":"10.00","open_order_count":1,"sign":-1,"position":"0.01000","avg_entry_price":"65000.0","position_value":"650.000000","unrealized_pnl":"0.000000","realized_pnl":"0.000000","liquidation_price":"0","margin_mode":0,"allocated_margin":"0.000000"}]}]}"#,
    r#"{"code":200,"next_cursor":"1","orders":[{"order_index":281476929510110,"client_order_index":42,"order_id":"281476929510110","client_order_id":"42","market_index":1,"owner_account_index":1234,"initial_base_amount":"0.0050","price":"2352.74","nonce":9182390020,"remaining_base_amount":"0.0030","is_ask":true,"filled_base_amount":"0.0020","filled_quote_amount":"4.705480","side":"sell","type":"limit","time_in_force":"good-till-time","reduce_only":false,"status":"open","timestamp":1777941383576,"updated_at":1777941383900}]}"#,
    r#"{"code":200,"trades":[{"trade_id":19209006902,"tx_hash":"000000128b1ee814","type":"trade","market_id":1,"size":"0.1336","price":"2352.73","usd_amount":"314.324728","ask_id":1,"bid_id":2,"ask_client_id":0,"bid_client_id":7001011966,"ask_account_id":91249,"bid_account_id":1234,"is_maker_ask":true,"block_height":227535535,"timestamp":1777941384181,"taker_fee":196,"maker_fee":28}]}"#,
    r#"{"code":200,"position_fundings":[{"timestamp":1778706000,"market_id":1,"funding_id":4411,"change":"-0.078000","rate":"0.0012","position_size":"0.10000","position_side":"long","discount":"0"}]}"#,
    r#"{"code":200,"nonce":722}"#,
    r#"{"code":200,"message":"","tx_hash":"a0670d28","predicted_execution_time_ms":1778706000300}"#,
    r#"{"code":200,"tx_hash":["a067","b188"]}"#,
    r#"{"code":200,"hash":"a0670d28","type":14,"status":2}"#,
    r#"{"channel":"order_book:1","offset":1,"order_book":{"code":0,"asks":[{"price":"2064.54","size":"0.3285"}],"bids":[{"price":"2064.00","size":"0"}],"offset":1,"nonce":9182390020,"begin_nonce":9182389998},"timestamp":1774884082326,"type":"update/order_book"}"#,
    r#"{"channel":"order_book:1","order_book":{"asks":[{"price":"2325.00","size":"99.0000"}],"bids":[{"price":"2000.00","size":"0.0200"}],"nonce":904845,"begin_nonce":0},"type":"subscribed/order_book"}"#,
    r#"{"channel":"market_stats:1","market_stats":{"symbol":"BTC","market_id":1,"index_price":"2064.48","mark_price":"2064.47","current_funding_rate":"0.000001","funding_rate":"-0.000002","funding_timestamp":1774879200000},"timestamp":1774883844933,"type":"update/market_stats"}"#,
    r#"{"type":"update/account_all","channel":"account_all:1234","account":1234,"positions":{"1":{"market_id":1,"sign":1,"position":"0.10000","avg_entry_price":"65000.0","open_order_count":0}},"trades":{"1":[{"trade_id":5,"market_id":1,"size":"0.1","price":"65000","ask_account_id":1,"bid_account_id":1234,"bid_client_id":9,"is_maker_ask":true,"timestamp":1}]},"funding_histories":{"1":[{"timestamp":1778706000,"market_id":1,"funding_id":4411,"change":"-0.078000","rate":"0.0012","position_size":"0.10000","position_side":"long"}]}}"#,
    r#"{"type":"update/account_all_orders","channel":"account_all_orders:1234","orders":{"1":[{"order_index":281476929510110,"client_order_index":42,"market_index":1,"initial_base_amount":"0.0050","price":"2352.74","remaining_base_amount":"0.0030","is_ask":true,"filled_base_amount":"0.0020","filled_quote_amount":"4.705480","status":"canceled-post-only","timestamp":1}]}}"#,
    r#"{"type":"ping"}"#,
    r#"{"type":"connected","session_id":"x"}"#,
];

fn markets() -> Vec<LighterMarket> {
    let detail: wire::OrderBookDetailsResponse = serde_json::from_str(SAMPLES[1]).expect("sample");
    let mut eth = parse::market(&detail.order_book_details[0]).expect("parses").expect("perp");
    let mut btc = eth.clone();
    btc.market_id = 1;
    btc.symbol = sym("BTC");
    eth.market_id = 0;
    vec![eth, btc]
}

fn feed() -> Feed {
    let mut config = LighterConfig::new(VenueMode::Testnet);
    config.account_index = Some(1234);
    let shared = Arc::new(Shared::new(config).expect("builds"));
    shared.install_markets(markets());
    Feed::new(shared)
}

/// Everything the connector does with untrusted text. Results are ignored; panics are not.
fn exercise(feed: &mut Feed, text: &str) {
    let symbol = btc();
    let _ = serde_json::from_str::<wire::Envelope>(text);
    if let Ok(r) = serde_json::from_str::<wire::OrderBookDetailsResponse>(text) {
        r.order_book_details.iter().for_each(|d| {
            let _ = parse::market(d).map(|m| m.map(|m| m.to_market()));
        });
    }
    if let Ok(r) = serde_json::from_str::<wire::OrderBookOrdersResponse>(text) {
        let _ = parse::book_from_orders(&r);
    }
    if let Ok(r) = serde_json::from_str::<wire::FundingsResponse>(text) {
        r.fundings.iter().for_each(|f| drop(parse::settled_funding(f, &symbol)));
    }
    if let Ok(r) = serde_json::from_str::<wire::AccountResponse>(text) {
        for a in &r.accounts {
            let _ = pa::balance(a, 0);
            a.positions.iter().for_each(|p| drop(pa::position(p, &symbol, None)));
        }
    }
    if let Ok(r) = serde_json::from_str::<wire::OrdersResponse>(text) {
        r.orders.iter().for_each(|o| drop(pa::order_report(o, cid("x"), &symbol)));
    }
    if let Ok(r) = serde_json::from_str::<wire::TradesResponse>(text) {
        for t in &r.trades {
            if let Some(ours) = pa::our_side(t, 1234) {
                let _ = pa::fill(t, &ours, cid("x"), &symbol);
            }
        }
    }
    if let Ok(r) = serde_json::from_str::<wire::PositionFundingResponse>(text) {
        r.position_fundings.iter().for_each(|f| drop(pa::funding_payment(&pa::FundingFields::from(f), &symbol)));
    }
    let _ = serde_json::from_str::<wire::NextNonceResponse>(text);
    let _ = serde_json::from_str::<wire::SendTxResponse>(text);
    let _ = serde_json::from_str::<wire::SendTxBatchResponse>(text);
    let _ = serde_json::from_str::<wire::TxResponse>(text);
    if let Ok(f) = serde_json::from_str::<ws::OrderBookFrame>(text) {
        let mut book = LocalBook::default();
        let _ = book.snapshot(&f.order_book, 0);
        let _ = book.update(&f.order_book, 0);
        let _ = book.depth(5);
    }
    if let Ok(f) = serde_json::from_str::<ws::MarketStatsFrame>(text) {
        let _ = parse::stats(&f.market_stats, 0);
    }
    let _ = serde_json::from_str::<ws::AccountAllFrame>(text);
    let _ = serde_json::from_str::<ws::AccountOrdersFrame>(text);
    let _ = feed.handle(text);
}

fn arb_json() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        (-1e30f64..1e30).prop_map(|f| json!(f)),
        "[-+0-9.eE]{0,40}".prop_map(Value::String),
        ".{0,16}".prop_map(Value::String),
        Just(json!("79228162514264337593543950336")),
        Just(json!("-0.0000000000000000000000000001")),
        Just(json!("1e400")),
        Just(json!([])),
        Just(json!({})),
        Just(json!({"price": "1", "size": "-1"})),
    ]
}

fn leaves(v: &Value, path: String, out: &mut Vec<String>) {
    out.push(path.clone());
    match v {
        Value::Object(m) => m.iter().for_each(|(k, c)| leaves(c, format!("{path}/{k}"), out)),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, c)| leaves(c, format!("{path}/{i}"), out)),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut f = feed();
        exercise(&mut f, &String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn mutated_samples_never_panic(sample in 0..SAMPLES.len(), edits in proptest::collection::vec((any::<usize>(), arb_json()), 1..5)) {
        let mut f = feed();
        let mut v: Value = serde_json::from_str(SAMPLES[sample]).expect("samples are JSON");
        for (pick, replacement) in edits {
            let mut paths = Vec::new();
            leaves(&v, String::new(), &mut paths);
            let path = &paths[pick % paths.len()];
            if path.is_empty() {
                v = replacement;
            } else if let Some(slot) = v.pointer_mut(path) {
                *slot = replacement;
            }
        }
        exercise(&mut f, &v.to_string());
    }

    #[test]
    fn byte_flipped_samples_never_panic(sample in 0..SAMPLES.len(), flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let mut f = feed();
        let mut bytes = SAMPLES[sample].as_bytes().to_vec();
        for (at, b) in flips {
            let i = at % bytes.len();
            bytes[i] = b;
        }
        exercise(&mut f, &String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn valid_samples_parse() {
    let mut f = feed();
    for s in SAMPLES {
        exercise(&mut f, s);
    }
    let r: wire::FundingsResponse = serde_json::from_str(SAMPLES[3]).expect("sample");
    let rates: Vec<_> =
        r.fundings.iter().map(|f| parse::settled_funding(f, &btc()).expect("parses").rate.rate).collect();
    assert_eq!(rates, [d("0.000012"), d("-0.000002")], "direction signs the magnitude; percent → fraction");
    let pf: wire::PositionFundingResponse = serde_json::from_str(SAMPLES[7]).expect("sample");
    let p = pa::funding_payment(&pa::FundingFields::from(&pf.position_fundings[0]), &btc()).expect("parses");
    assert_eq!((p.amount.0, p.rate.rate, p.position_qty.0), (d("-0.078"), d("0.000012"), d("0.1")));
}

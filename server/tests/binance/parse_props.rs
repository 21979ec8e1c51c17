//! Property tests: for every wire message type, arbitrary bytes, byte-mutated samples and
//! structurally mutated samples (values swapped for hostile ones, keys dropped) go through
//! decode *and* the parse layer without panicking. Valid samples must parse.

use app::market::FundingSnapshot;
use app::{FundingInterval, FundingRate, Price, Usd};
use proptest::prelude::*;
use serde_json::Value;
use server::venue::binance::parse::{self, MarketDefaults};
use server::venue::binance::wire::{self, decode};

type Parser = fn(&[u8]) -> bool;

fn rate() -> FundingRate {
    FundingRate::new(rust_decimal::Decimal::new(1, 4), FundingInterval::EIGHT_HOURS)
}

/// Each parser returns whether the input made it all the way to domain types.
const PARSERS: &[(&str, &str, Parser)] = &[
    ("code_msg", r#"{"code":-1121,"msg":"Invalid symbol."}"#, |b| decode::<wire::CodeMsg>(b).is_ok()),
    ("server_time", r#"{"serverTime":1499827319559}"#, |b| decode::<wire::ServerTime>(b).is_ok()),
    ("listen_key", r#"{"listenKey":"pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1"}"#, |b| {
        decode::<wire::ListenKey>(b).is_ok()
    }),
    ("exchange_info", include_str!("fixtures/exchange_info.json"), |b| {
        decode::<wire::ExchangeInfo>(b)
            .map(|i| !parse::exchange_info(&i, MarketDefaults::default()).markets.is_empty())
            .unwrap_or(false)
    }),
    (
        "premium_index",
        r#"{"symbol":"BTCUSDT","markPrice":"11793.63104562","indexPrice":"11781.80495970","estimatedSettlePrice":"11781.16138815","lastFundingRate":"0.00038246","interestRate":"0.00010000","nextFundingTime":1597392000000,"time":1597370495002}"#,
        |b| {
            decode::<wire::PremiumIndex>(b).ok().is_some_and(|p| {
                parse::mark_price(&p).is_ok()
                    && matches!(parse::funding_snapshot(&p, FundingInterval::FOUR_HOURS, None), Ok(Some(_)))
            })
        },
    ),
    (
        "premium_index_all",
        r#"[{"symbol":"BTCUSDT","markPrice":"1","indexPrice":"1","estimatedSettlePrice":"1","lastFundingRate":"0.0001","interestRate":"0.0001","nextFundingTime":1,"time":1},{"symbol":"BTCUSDT_260626","markPrice":"1","indexPrice":"1","estimatedSettlePrice":"1","lastFundingRate":"","interestRate":"","nextFundingTime":0,"time":1}]"#,
        |b| {
            decode::<Vec<wire::PremiumIndex>>(b).ok().is_some_and(|rows| {
                let snaps: Vec<Option<FundingSnapshot>> = rows
                    .iter()
                    .filter_map(|p| parse::funding_snapshot(p, FundingInterval::EIGHT_HOURS, None).ok())
                    .collect();
                snaps.iter().flatten().count() == 1
            })
        },
    ),
    (
        "funding_rate",
        r#"[{"symbol":"BTCUSDT","fundingRate":"-0.03750000","fundingTime":1570608000000,"markPrice":"34287.54619963"},{"symbol":"BTCUSDT","fundingRate":"0.00010000","fundingTime":1570636800000,"markPrice":""}]"#,
        |b| {
            decode::<Vec<wire::FundingRateRow>>(b)
                .ok()
                .is_some_and(|r| parse::settled_funding(&r, FundingInterval::EIGHT_HOURS).is_ok())
        },
    ),
    (
        "funding_info",
        r#"[{"symbol":"BLZUSDT","adjustedFundingRateCap":"0.02500000","adjustedFundingRateFloor":"-0.02500000","fundingIntervalHours":4,"disclaimer":false}]"#,
        |b| decode::<Vec<wire::FundingInfoRow>>(b).ok().is_some_and(|r| parse::funding_intervals(&r).len() == 1),
    ),
    (
        "book_ticker",
        r#"{"symbol":"BTCUSDT","bidPrice":"4.00000000","bidQty":"431.00000000","askPrice":"4.00000200","askQty":"9.00000000","time":1589437530011,"lastUpdateId":1027024}"#,
        |b| decode::<wire::BookTicker>(b).ok().is_some_and(|t| parse::top_of_book(&t).is_ok()),
    ),
    (
        "depth",
        r#"{"lastUpdateId":1027024,"E":1589436922972,"T":1589436922959,"bids":[["4.00000000","431.00000000"]],"asks":[["4.00000200","12.00000000"]]}"#,
        |b| {
            decode::<wire::Depth>(b)
                .map(|d| {
                    parse::order_book(&d, &app::Symbol::new("BTC").unwrap_or_else(|_| unreachable!()), 5).bids.len()
                        == 1
                })
                .unwrap_or(false)
        },
    ),
    (
        "account",
        r#"{"totalInitialMargin":"0.00000000","totalMaintMargin":"0.00000000","totalWalletBalance":"103.12345678","totalUnrealizedProfit":"0.00000000","totalMarginBalance":"103.12345678","totalPositionInitialMargin":"0.00000000","totalOpenOrderInitialMargin":"0.00000000","totalCrossWalletBalance":"103.12345678","totalCrossUnPnl":"0.00000000","availableBalance":"103.12345678","maxWithdrawAmount":"103.12345678","assets":[],"positions":[]}"#,
        |b| {
            decode::<wire::Account>(b)
                .map(|a| parse::balance(&a, 0).wallet == Usd(rust_decimal::Decimal::new(10312345678, 8)))
                .unwrap_or(false)
        },
    ),
    (
        "balance",
        r#"[{"accountAlias":"SgsR","asset":"USDT","balance":"122607.35137903","crossWalletBalance":"23.72469206","crossUnPnl":"0.00000000","availableBalance":"23.72469206","maxWithdrawAmount":"23.72469206","marginAvailable":true,"updateTime":1617939110373}]"#,
        |b| decode::<Vec<wire::AssetBalance>>(b).is_ok(),
    ),
    (
        "position_risk",
        r#"[{"entryPrice":"6563.66500","breakEvenPrice":"6570.2","marginType":"isolated","isAutoAddMargin":"false","isolatedMargin":"15517.54150468","leverage":"10","liquidationPrice":"5930.78","markPrice":"6679.50671178","maxNotionalValue":"20000000","positionAmt":"20.000","notional":"133590.13","isolatedWallet":"0","symbol":"BTCUSDT","unRealizedProfit":"2316.83423560","positionSide":"BOTH","updateTime":0},{"entryPrice":"0","marginType":"cross","isAutoAddMargin":"false","isolatedMargin":"0","leverage":"20","liquidationPrice":"0","markPrice":"1","positionAmt":"0","symbol":"ETHUSDT","unRealizedProfit":"0"}]"#,
        |b| {
            decode::<Vec<wire::PositionRisk>>(b)
                .ok()
                .is_some_and(|rows| rows.iter().filter_map(|r| parse::position(r).ok().flatten()).count() == 1)
        },
    ),
    ("leverage", r#"{"leverage":21,"maxNotionalValue":"1000000","symbol":"BTCUSDT"}"#, |b| {
        decode::<wire::LeverageChange>(b).is_ok()
    }),
    ("dual_side", r#"{"dualSidePosition":true}"#, |b| decode::<wire::DualSide>(b).is_ok()),
    (
        "order",
        r#"{"clientOrderId":"testOrder","cumQty":"0","cumQuote":"0","executedQty":"0","orderId":22542179,"avgPrice":"0.00000","origQty":"10","price":"0","reduceOnly":false,"side":"BUY","positionSide":"BOTH","status":"NEW","stopPrice":"0","closePosition":false,"symbol":"BTCUSDT","timeInForce":"GTC","type":"LIMIT","origType":"LIMIT","updateTime":1566818724722,"workingType":"CONTRACT_PRICE","priceProtect":false,"priceMatch":"NONE","selfTradePreventionMode":"NONE","goodTillDate":0}"#,
        |b| decode::<wire::Order>(b).ok().is_some_and(|o| parse::order_report(&o, Usd::ZERO).is_ok()),
    ),
    (
        "user_trades",
        r#"[{"buyer":false,"commission":"-0.07819010","commissionAsset":"USDT","id":698759,"maker":false,"orderId":25851813,"price":"7819.01","qty":"0.002","quoteQty":"15.63802","realizedPnl":"-0.91539999","side":"SELL","positionSide":"SHORT","symbol":"BTCUSDT","time":1569514978020}]"#,
        |b| {
            decode::<Vec<wire::UserTrade>>(b).ok().is_some_and(|ts| {
                ts.iter().all(|t| {
                    parse::fill(t, app::ClientOrderId::new("x").unwrap_or_else(|_| unreachable!()), Usd::ZERO).is_ok()
                })
            })
        },
    ),
    (
        "income",
        r#"[{"symbol":"BTCUSDT","incomeType":"FUNDING_FEE","income":"-0.37500000","asset":"USDT","info":"FUNDING_FEE","time":1570608000000,"tranId":9689322392,"tradeId":""}]"#,
        |b| {
            decode::<Vec<wire::Income>>(b).ok().is_some_and(|rows| {
                rows.iter()
                    .all(|i| parse::funding_payment(i, rate(), Price(rust_decimal::Decimal::from(60_000))).is_ok())
            })
        },
    ),
    (
        "market_frame",
        r#"{"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"0.00038167","T":1562306400000}}"#,
        market_frame,
    ),
    (
        "market_frame_array",
        r#"{"stream":"!markPrice@arr@1s","data":[{"e":"markPriceUpdate","E":1,"s":"BTCUSDT","p":"1","i":"1","P":"1","r":"0.0001","T":2},{"e":"markPriceUpdate","E":1,"s":"ETHUSDT","p":"2","i":"2","P":"2","r":"","T":0}]}"#,
        market_frame,
    ),
    (
        "book_frame",
        r#"{"e":"bookTicker","u":400900217,"E":1568014460893,"T":1568014460891,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}"#,
        market_frame,
    ),
    ("command_reply", r#"{"result":null,"id":1}"#, |b| {
        std::str::from_utf8(b).ok().is_some_and(|t| matches!(parse::market_frame(t), Ok(wire::MarketFrame::Reply(_))))
    }),
    (
        "order_trade_update",
        r#"{"e":"ORDER_TRADE_UPDATE","E":1568879465651,"T":1568879465650,"o":{"s":"BTCUSDT","c":"TEST","S":"SELL","o":"LIMIT","f":"GTC","q":"0.001","p":"7103.04","ap":"7103.04","sp":"0","x":"TRADE","X":"FILLED","i":8886774,"l":"0.001","z":"0.001","L":"7103.04","N":"USDT","n":"0.0035","T":1568879465650,"t":42,"b":"0","a":"9.91","m":false,"R":false,"wt":"CONTRACT_PRICE","ot":"LIMIT","ps":"BOTH","cp":false,"rp":"0","V":"NONE","pm":"NONE","gtd":0}}"#,
        user_event,
    ),
    (
        "account_update",
        r#"{"e":"ACCOUNT_UPDATE","E":1564745798939,"T":1564745798938,"a":{"m":"ORDER","B":[{"a":"USDT","wb":"122624.12345678","cw":"100.12345678","bc":"50.12345678"}],"P":[{"s":"BTCUSDT","pa":"-0.5","ep":"60000","bep":"0","cr":"200","up":"0","mt":"cross","iw":"0.00000000","ps":"BOTH"}]}}"#,
        user_event,
    ),
    (
        "listen_key_expired",
        r#"{"e":"listenKeyExpired","E":1576653824250,"listenKey":"OfYGbUzi3PraNagEkdKuFwUHn48brFsItTdsuiIXrucEvD0rhRXZ7I6URWfE8YE8"}"#,
        |b| {
            std::str::from_utf8(b)
                .ok()
                .is_some_and(|t| matches!(parse::user_event(t), Ok(wire::UserEvent::ListenKeyExpired {})))
        },
    ),
];

fn market_frame(b: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(b) else { return false };
    let payload = match parse::market_frame(text) {
        Ok(wire::MarketFrame::Combined { data, .. } | wire::MarketFrame::Raw(data)) => data,
        _ => return false,
    };
    let events = match payload {
        wire::MarketPayload::One(e) => vec![e],
        wire::MarketPayload::Many(es) => es,
    };
    events.iter().all(|e| match e {
        wire::MarketEvent::MarkPrice(u) => parse::mark_update(u, FundingInterval::EIGHT_HOURS, Some(rate())).is_ok(),
        wire::MarketEvent::BookTicker(u) => parse::book_update(u).is_ok(),
        wire::MarketEvent::Other => true,
    })
}

fn user_event(b: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(b) else { return false };
    match parse::user_event(text) {
        Ok(wire::UserEvent::OrderTradeUpdate(u)) => {
            let fee = Usd(u.order.commission.unwrap_or_default());
            let _ = parse::fee_in_usd(fee.0, u.order.commission_asset.as_deref().unwrap_or(""), |_| {
                Some(rust_decimal::Decimal::MAX)
            });
            matches!(parse::order_update(&u.order, u.event_time, fee, fee), Ok((_, Some(_))))
        }
        Ok(wire::UserEvent::AccountUpdate(u)) => u.data.positions.iter().all(|p| {
            parse::position_update(p, Some(Price(rust_decimal::Decimal::MAX)), Some(3)).is_ok()
                | parse::position_update(p, None, None).is_ok()
        }),
        _ => false,
    }
}

#[test]
fn every_sample_parses_to_domain_types() {
    for (name, sample, parser) in PARSERS {
        assert!(parser(sample.as_bytes()), "{name} sample did not parse");
    }
}

/// Values that break naive parsers: wrong types, empty and huge numbers, overflowing decimals.
fn hostile() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(Value::Bool(true)),
        Just(serde_json::json!([])),
        Just(serde_json::json!({})),
        Just(serde_json::json!("")),
        Just(serde_json::json!("-")),
        Just(serde_json::json!("NaN")),
        Just(serde_json::json!("1e400")),
        Just(serde_json::json!("79228162514264337593543950335")),
        Just(serde_json::json!("-79228162514264337593543950335")),
        Just(serde_json::json!("0.0000000000000000000000000001")),
        Just(serde_json::json!("0")),
        Just(serde_json::json!(i64::MAX)),
        Just(serde_json::json!(i64::MIN)),
        Just(serde_json::json!(u64::MAX)),
        Just(serde_json::json!(1e308)),
        Just(serde_json::json!(-1)),
        Just(serde_json::json!("USDT")),
        Just(serde_json::json!("btcusdt")),
        Just(serde_json::json!("BTCUSDT_260626")),
        Just(serde_json::json!("x".repeat(300))),
        any::<i64>().prop_map(Value::from),
        "[ -~]{0,12}".prop_map(Value::from),
    ]
}

/// Replace the `pick`-th value (depth-first) with `v`, or drop it if `drop` and it is a key.
fn mutate(root: &mut Value, pick: usize, v: Value, drop: bool) {
    fn walk(node: &mut Value, pick: usize, seen: &mut usize, v: &mut Option<Value>, drop: bool) -> bool {
        if *seen == pick {
            if let Some(v) = v.take() {
                *node = v;
            }
            return true;
        }
        *seen += 1;
        match node {
            Value::Object(map) => {
                let keys: Vec<String> = map.keys().cloned().collect();
                for k in keys {
                    if drop && *seen == pick {
                        map.remove(&k);
                        return true;
                    }
                    if let Some(child) = map.get_mut(&k)
                        && walk(child, pick, seen, v, drop)
                    {
                        return true;
                    }
                }
                false
            }
            Value::Array(items) => items.iter_mut().any(|c| walk(c, pick, seen, v, drop)),
            _ => false,
        }
    }
    let mut seen = 0;
    let mut v = Some(v);
    walk(root, pick, &mut seen, &mut v, drop);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        for (_, _, parser) in PARSERS {
            let _ = parser(&bytes);
        }
    }

    #[test]
    fn byte_mutated_samples_never_panic(which in 0..PARSERS.len(), edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..8)) {
        let (_, sample, parser) = PARSERS[which];
        let mut bytes = sample.as_bytes().to_vec();
        for (pos, byte, op) in edits {
            if bytes.is_empty() { break; }
            let i = pos % bytes.len();
            match op {
                0 => bytes[i] = byte,
                1 => { bytes.remove(i); }
                _ => bytes.insert(i, byte),
            }
        }
        let _ = parser(&bytes);
    }

    #[test]
    fn structurally_mutated_samples_never_panic(which in 0..PARSERS.len(), edits in proptest::collection::vec((0usize..64, hostile(), any::<bool>()), 1..4)) {
        let (_, sample, parser) = PARSERS[which];
        let Ok(mut value) = serde_json::from_str::<Value>(sample) else { return Ok(()) };
        for (pick, v, drop) in edits {
            mutate(&mut value, pick, v, drop);
        }
        let _ = parser(value.to_string().as_bytes());
    }

    #[test]
    fn truncated_samples_never_panic(which in 0..PARSERS.len(), cut in any::<usize>()) {
        let (_, sample, parser) = PARSERS[which];
        let bytes = sample.as_bytes();
        let _ = parser(&bytes[..cut % (bytes.len() + 1)]);
    }
}

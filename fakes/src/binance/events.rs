//! Stream payloads the fake pushes: markPriceUpdate and bookTicker on the market routes;
//! ORDER_TRADE_UPDATE, ACCOUNT_UPDATE and listenKeyExpired on `/private`.

use super::render::{fixed, plain};
use super::state::{Exchange, FakeOrder, SymbolState, Trade};
use rust_decimal::Decimal;
use serde_json::{Value, json};

pub fn mark_price_update(s: &SymbolState, now: i64) -> Value {
    json!({
        "e": "markPriceUpdate", "E": now, "s": s.spec.symbol, "p": fixed(s.spec.mark, 8),
        "i": fixed(s.index, 8), "P": fixed(s.index, 8), "r": fixed(s.spec.funding_rate, 8), "T": s.next_funding_ms
    })
}

pub fn book_ticker_update(s: &SymbolState, now: i64) -> Value {
    let (b, a) = (s.bids.first().copied().unwrap_or_default(), s.asks.first().copied().unwrap_or_default());
    json!({
        "e": "bookTicker", "u": s.book_update_id, "E": now, "T": now, "s": s.spec.symbol,
        "b": plain(b.0), "B": plain(b.1), "a": plain(a.0), "A": plain(a.1)
    })
}

/// `execution` is NEW, TRADE, CANCELED or EXPIRED; `trade` is the fill for TRADE.
pub fn order_trade_update(o: &FakeOrder, execution: &str, trade: Option<&Trade>, now: i64) -> String {
    let (l, big_l, n, t, m, rp) = match trade {
        Some(t) => (t.qty, t.price, t.commission, t.id, t.maker, t.realized_pnl),
        None => (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, 0, false, Decimal::ZERO),
    };
    json!({
        "e": "ORDER_TRADE_UPDATE", "E": now, "T": now,
        "o": {
            "s": o.symbol, "c": o.client_order_id, "S": o.side.as_str(), "o": o.order_type, "f": o.time_in_force,
            "q": plain(o.qty), "p": plain(o.price), "ap": fixed(o.avg_price(), 5), "sp": "0", "x": execution,
            "X": o.status, "i": o.order_id, "l": plain(l), "z": plain(o.executed), "L": plain(big_l),
            "N": "USDT", "n": fixed(n, 8), "T": now, "t": t, "b": "0", "a": "0", "m": m, "R": o.reduce_only,
            "wt": "CONTRACT_PRICE", "ot": o.order_type, "ps": "BOTH", "cp": false, "rp": fixed(rp, 8),
            "pP": false, "si": 0, "ss": 0, "V": "EXPIRE_MAKER", "pm": "NONE", "gtd": 0
        }
    })
    .to_string()
}

/// Balance and position rows after a change. Funding settlement of cross positions carries
/// only the balance row, as Binance sends it.
pub fn account_update(ex: &Exchange, reason: &str, symbols: &[String], change: Decimal, now: i64) -> String {
    let positions: Vec<Value> = symbols
        .iter()
        .filter_map(|sym| ex.symbols.get(sym))
        .map(|s| {
            let p = ex.position(&s.spec.symbol);
            json!({
                "s": s.spec.symbol, "pa": plain(p.qty), "ep": plain(p.entry), "bep": plain(p.entry), "cr": "0",
                "up": fixed(ex.unrealized(&s.spec.symbol), 8), "mt": if s.isolated { "isolated" } else { "cross" },
                "iw": "0", "ps": "BOTH"
            })
        })
        .collect();
    json!({
        "e": "ACCOUNT_UPDATE", "E": now, "T": now,
        "a": {"m": reason, "B": [{"a": "USDT", "wb": fixed(ex.wallet, 8), "cw": fixed(ex.wallet, 8), "bc": fixed(change, 8)}],
              "P": positions}
    })
    .to_string()
}

pub fn listen_key_expired(key: &str, now: i64) -> String {
    json!({"e": "listenKeyExpired", "E": now, "listenKey": key}).to_string()
}

//! The engine's main flows on healthy simulated venues.

use super::harness::*;
use crate::engine::{Command, Engine, Output};
use app::symbols::{Pattern, SymbolRules};
use app::trading::{CloseAllRequest, ClosePositionRequest, OrderPurpose, OrderStatus, PositionStatus};
use app::{Usd, Venue};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::collections::HashMap;

#[tokio::test]
async fn a_sliced_open_ends_hedged_at_the_target_in_four_slices() {
    let mut h = Harness::new(HashMap::new()).await;
    let ack = h.open("ETH", 5_000).await.unwrap();
    let id = ack.positions[0];
    h.settle(20).await;
    let p = h.position(id);
    assert_eq!(p.status, PositionStatus::Open, "{p:?}");
    let (long, short) = (p.legs[0].qty.0, p.legs[1].qty.0);
    assert_eq!(long, -short);
    assert_eq!(long, p.target_qty.0);
    assert!(long > Decimal::ZERO);
    // Four slices, two legs each, all filled, each sent once.
    let orders = h.engine.orders();
    assert_eq!(orders.len(), 8, "{orders:#?}");
    assert!(orders.iter().all(|o| o.status == OrderStatus::Filled && o.purpose == OrderPurpose::Open));
    let mut ids = h.sends.clone();
    ids.dedup();
    assert_eq!(ids.len(), h.sends.len());
    // Our books equal the venues' (the direction is whichever the spread pays).
    for leg in &p.legs {
        assert_eq!(h.venue_qty(leg.venue, "ETH").await, leg.qty.0, "{}", leg.venue);
    }
    // Never more than one slice naked at any point.
    let slice = h.slice_bound(id);
    assert!(h.max_naked() <= slice, "naked {} > slice {slice}", h.max_naked());
    // P&L: fees on Binance only; no funding yet.
    assert!(p.pnl.fees > Usd::ZERO);
    assert_eq!(p.legs.iter().find(|l| l.venue == Venue::Lighter).unwrap().pnl.fees, Usd::ZERO);
}

#[tokio::test]
async fn close_half_then_close_all() {
    let mut h = Harness::new(HashMap::new()).await;
    let id = h.open("SOL", 4_000).await.unwrap().positions[0];
    h.settle(20).await;
    let size = h.position(id).legs[0].qty.0;
    h.command(Command::Close(ClosePositionRequest { position_id: id, percent: dec!(50) })).await.unwrap();
    h.settle(20).await;
    let half = h.position(id);
    assert_eq!(half.status, PositionStatus::Open);
    assert!(half.legs[0].qty.0 < size && half.legs[0].qty.0 >= size / Decimal::TWO - dec!(0.1), "{:?}", half.legs);
    assert_eq!(half.legs[0].qty.0, -half.legs[1].qty.0);
    assert!(half.pnl.price_realized != Usd::ZERO || half.pnl.fees > Usd::ZERO);

    let ack = h.command(Command::CloseAll(CloseAllRequest::default())).await.unwrap();
    assert_eq!(ack.positions, vec![id]);
    h.settle(20).await;
    let closed = h.position(id);
    assert_eq!(closed.status, PositionStatus::Closed);
    assert!(closed.legs.iter().all(|l| l.qty.0.is_zero()));
    assert_eq!(h.venue_qty(Venue::Binance, "SOL").await, Decimal::ZERO);
    assert_eq!(h.venue_qty(Venue::Lighter, "SOL").await, Decimal::ZERO);
    // Everything realised now: net equals realised price P&L + funding - fees.
    assert_eq!(closed.pnl.net, closed.pnl.price_realized + closed.pnl.funding_settled - closed.pnl.fees);
    assert!(h.engine.orders().iter().filter(|o| o.purpose == OrderPurpose::Close).all(|o| o.reduce_only));
}

#[tokio::test]
async fn refusals_carry_their_reason() {
    let mut h = Harness::new(HashMap::new()).await;
    let err = h.open("BTC", 1).await.unwrap_err();
    assert!(err.contains("pre-flight failed"), "{err}");
    h.command(Command::Pause).await.unwrap();
    let err = h.open("BTC", 2_000).await.unwrap_err();
    assert!(err.contains("opening is paused"), "{err}");
    h.command(Command::Resume).await.unwrap();
    let err = h.open("BTC", 100_000).await.unwrap_err();
    assert!(err.contains("per-symbol cap"), "{err}");
    // The market-data owner judges Binance's data stale: the refusal carries its reason.
    let reason = "binance market data is stale or disconnected: no market update for over 30 s";
    let verdict = app::market::Freshness { venue: app::Venue::Binance, stale: Some(reason.into()) };
    h.feed(crate::engine::EngineEvent::Freshness(vec![verdict])).await;
    let err = h.open("BTC", 2_000).await.unwrap_err();
    assert_eq!(err, format!("cannot open: {reason}"));
    assert_eq!(h.engine.status().blocked, [reason]);
}

#[tokio::test]
async fn kill_switch_closes_everything_and_only_reduces() {
    let mut h = Harness::new(HashMap::new()).await;
    let id = h.open("ETH", 3_000).await.unwrap().positions[0];
    h.settle(20).await;
    h.command(Command::Kill).await.unwrap();
    h.settle(20).await;
    assert_eq!(h.position(id).status, PositionStatus::Closed);
    assert!(h.open("ETH", 3_000).await.unwrap_err().contains("kill switch"));
    assert!(h.command(Command::Resume).await.is_err());
}

#[tokio::test]
async fn replaying_the_log_reproduces_positions_and_pnl_exactly() {
    // Hold through the funding settlements whatever the spread does.
    let held = app::params::StrategyParams { exit_below_apr: dec!(-1), ..params() };
    let mut h = Harness::with_params(HashMap::new(), held.clone()).await;
    let id = h.open("ETH", 5_000).await.unwrap().positions[0];
    h.settle(20).await;
    // Let funding settle a few times on both venues, then close part.
    for _ in 0..10 {
        h.advance(3_600_000).await;
    }
    h.command(Command::Close(ClosePositionRequest { position_id: id, percent: dec!(40) })).await.unwrap();
    h.settle(20).await;
    let live = (h.engine.positions(), h.engine.orders());
    assert!(live.0[0].pnl.funding_settled != Usd::ZERO, "funding should have settled");

    let mut replay = Engine::new(held, 1);
    let mut replay_outputs = Vec::new();
    for e in &h.log {
        replay_outputs.extend(replay.process(e));
    }
    assert_eq!((replay.positions(), replay.orders()), live);
    let sends = |o: &[Output]| o.iter().filter(|x| matches!(x, Output::Send(..))).count();
    assert_eq!(sends(&replay_outputs), sends(&h.outputs));
}

fn rules(include: &[&str], ignore: &[&str]) -> SymbolRules {
    let list = |v: &[&str]| v.iter().map(|s| Pattern::new(s).unwrap()).collect();
    SymbolRules { include: list(include), ignore: list(ignore) }
}

#[tokio::test]
async fn symbol_rules_gate_manual_and_automatic_opens() {
    let mut h = Harness::new(HashMap::new()).await;
    h.command(Command::SetSymbolRules { version: 1, rules: rules(&["*"], &["*TH"]) }).await.unwrap();
    assert_eq!(h.open("ETH", 2_000).await.unwrap_err(), "symbol ETH is excluded by rule ignore *TH");
    // A late, older version does not undo a newer one.
    let stale = h.command(Command::SetSymbolRules { version: 1, rules: SymbolRules::default() }).await;
    assert!(stale.unwrap_err().contains("not newer"));
    // Excluded symbols stay ranked, marked as not trading.
    let opps = h.engine.opportunities();
    let trading = |s: &str| opps.iter().find(|o| o.symbol.as_str() == s).map(|o| o.trading);
    assert_eq!((trading("ETH"), trading("BTC")), (Some(false), Some(true)));

    // The strategy enters on every observation of any edge, so only the rules hold it back.
    h.command(Command::SetSymbolRules { version: 2, rules: rules(&["ETH", "SOL"], &["ETH"]) }).await.unwrap();
    h.engine.params.auto_open = true;
    h.engine.params.entry_min_apr = dec!(-100);
    h.engine.params.entry_confirmations = 1;
    for _ in 0..3 {
        h.advance(60_000).await;
    }
    h.settle(20).await;
    let symbols: Vec<String> = h.engine.positions().iter().map(|p| p.symbol.to_string()).collect();
    assert_eq!(symbols, ["SOL"], "only SOL is both included and not ignored");
    assert!(h.open("BTC", 2_000).await.unwrap_err().contains("matches no include rule"));
}

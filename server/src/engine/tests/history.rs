//! History's records: every fill and funding payment the engine books comes out once, adds up
//! to the position's ledgers, and is stored once by the runner — across a replay of the event
//! log (a crash before the commit) and a restart that hears the venues' reports again.

use super::harness::*;
use crate::db;
use crate::engine::event_log::EventLog;
use crate::engine::{Command, Engine, EngineEvent, Output, run};
use crate::venue::VenueEvent;
use app::history::{FillRecord, FundingRecord};
use app::trading::{ClosePositionRequest, PositionId, PositionStatus};
use app::{Qty, Usd};
use rust_decimal_macros::dec;
use std::collections::{HashMap, HashSet};

const HOUR: i64 = 3_600_000;

/// Open ETH, hold it over three hourly settlements, close it.
async fn session() -> (Harness, PositionId) {
    let mut h = Harness::new(HashMap::new()).await;
    let id = h.open("ETH", 4_000).await.expect("open").positions[0];
    h.settle(20).await;
    for _ in 0..3 {
        h.advance(HOUR).await;
    }
    h.command(Command::Close(ClosePositionRequest { position_id: id, percent: dec!(100) })).await.expect("close");
    h.settle(20).await;
    assert_eq!(h.position(id).status, PositionStatus::Closed);
    (h, id)
}

fn fills(outputs: &[Output]) -> Vec<FillRecord> {
    outputs.iter().filter_map(|o| if let Output::Fill(f) = o { Some(f.clone()) } else { None }).collect()
}

fn payments(outputs: &[Output]) -> Vec<FundingRecord> {
    outputs.iter().filter_map(|o| if let Output::FundingBooked(p) = o { Some(p.clone()) } else { None }).collect()
}

/// The reports and payments the venues pushed, as a reconnecting stream would push them again.
fn account_events(log: &[EngineEvent]) -> Vec<EngineEvent> {
    log.iter()
        .filter(|e| matches!(e, EngineEvent::Venue(VenueEvent::Order(_) | VenueEvent::FundingPaid(_))))
        .cloned()
        .collect()
}

#[tokio::test]
async fn fills_and_payments_add_up_to_the_ledgers_and_are_booked_once() {
    let (mut h, id) = session().await;
    let (f, p) = (fills(&h.outputs), payments(&h.outputs));
    assert!(f.len() >= 16, "4 slices x 2 legs to open and to close: {}", f.len());
    assert!(p.len() >= 3, "three hourly settlements on Lighter: {p:?}");

    let pos = h.position(id);
    assert_eq!(f.iter().map(|x| x.realized_pnl).sum::<Usd>(), pos.pnl.price_realized);
    assert_eq!(f.iter().map(|x| x.fee).sum::<Usd>(), pos.pnl.fees);
    assert_eq!(p.iter().map(|x| x.amount).sum::<Usd>(), pos.pnl.funding_settled);
    assert!(pos.pnl.funding_settled != Usd::ZERO);
    for o in h.engine.orders() {
        let mine: Vec<_> = f.iter().filter(|x| x.client_order_id == o.client_order_id).collect();
        assert_eq!(mine.iter().map(|x| x.qty).sum::<Qty>(), o.filled_qty, "{}", o.client_order_id);
        assert_eq!(mine.last().map(|x| x.filled_qty).unwrap_or_default(), o.filled_qty, "keyed by the cumulative qty");
        assert!(mine.iter().all(|x| x.purpose == o.purpose && x.side == o.side && x.position_id == id));
    }
    let keys: HashSet<String> = f.iter().map(FillRecord::row_id).collect();
    assert_eq!(keys.len(), f.len());

    // Every report and payment heard again books nothing.
    let before = h.outputs.len();
    for e in account_events(&h.log) {
        h.feed(e).await;
    }
    assert!(fills(&h.outputs[before..]).is_empty());
    assert!(payments(&h.outputs[before..]).is_empty());
}

async fn stored(conn: &sea_orm::DatabaseConnection) -> (Vec<FillRecord>, Vec<FundingRecord>) {
    let fills = db::page::between::<db::fills::Fills>(conn, None, i64::MIN, i64::MAX).await.expect("fills");
    let payments = db::page::between::<db::payments::Payments>(conn, None, i64::MIN, i64::MAX).await.expect("payments");
    (fills, payments)
}

#[tokio::test]
async fn the_runner_stores_each_fill_and_payment_once_across_replay_and_restart() {
    let (h, _) = session().await;
    let (want_fills, want_payments) = (fills(&h.outputs), payments(&h.outputs));
    let dir = tempfile::tempdir().expect("dir");
    let conn = db::connect(&format!("sqlite://{}/arb.db?mode=rwc", dir.path().display())).await.expect("db");
    let log = |n| EventLog::create(&dir.path().join(format!("events{n}")), 0).expect("log");

    let (mut first, _) = run::runner(Engine::new(params(), 1), vec![], conn.clone(), log(1));
    for e in &h.log {
        first.process(e.clone()).await;
    }
    let (got_fills, got_payments) = stored(&conn).await;
    assert_eq!(got_fills, want_fills, "stored as booked, in order");
    assert_eq!(got_payments, want_payments);

    // The whole log replayed by a fresh engine (a crash lost what followed the last commit):
    // the same fills and payments, with the same keys, are not stored again.
    let (mut replay, _) = run::runner(Engine::new(params(), 1), vec![], conn.clone(), log(2));
    for e in &h.log {
        replay.process(e.clone()).await;
    }
    assert_eq!(stored(&conn).await, (want_fills.clone(), want_payments.clone()));

    // A restart from the stored books; the venues' streams deliver everything again.
    let mut engine = Engine::new(params(), 1);
    engine.restore(
        db::trading::position_states(&conn).await.expect("states"),
        db::trading::orders(&conn).await.expect("orders"),
    );
    let (mut restarted, _) = run::runner(engine, vec![], conn.clone(), log(3));
    for e in account_events(&h.log) {
        restarted.process(e).await;
    }
    assert_eq!(stored(&conn).await, (want_fills, want_payments));
}

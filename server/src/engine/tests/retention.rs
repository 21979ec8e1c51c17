//! The engine lets go of closed positions and finished orders once their keeping time has
//! passed (they are stored by then), and of nothing that is still active.

use super::harness::{Harness, params};
use crate::engine::Command;
use crate::engine::retention::{KEEP_CLOSED_MS, KEEP_FINISHED_ORDERS_MS};
use app::Fraction;
use app::params::StrategyParams;
use app::trading::{ClosePositionRequest, PositionId, PositionStatus};
use rust_decimal_macros::dec;
use std::collections::HashMap;

const MINUTE: i64 = 60_000;

/// Positions that nothing but our commands close.
fn held() -> StrategyParams {
    StrategyParams {
        exit_below_apr: dec!(-1),
        stop_loss: Fraction::from_percent(100),
        take_profit: Fraction::from_percent(1000),
        max_holding_hours: 24 * 60,
        liquidation_buffer: Fraction::new(dec!(0.001)).expect("a share"),
        ..params()
    }
}

#[tokio::test]
async fn finished_positions_and_orders_are_let_go_after_their_keeping_time() {
    let mut h = Harness::with_params(HashMap::new(), held()).await;
    let closed = h.open("SOL", 4_000).await.unwrap().positions[0];
    let open = h.open("ETH", 3_000).await.unwrap().positions[0];
    h.settle(20).await;
    h.command(Command::Close(ClosePositionRequest { position_id: closed, percent: dec!(100) })).await.unwrap();
    h.settle(20).await;
    assert_eq!(h.engine.position(closed).map(|p| p.status), Some(PositionStatus::Closed));
    let orders = h.engine.order_count();
    assert!(orders >= 12, "both positions' orders are held: {orders}");

    // Finished orders go after an hour; the closed position stays for late settlements.
    h.advance(KEEP_FINISHED_ORDERS_MS + MINUTE).await;
    assert_eq!(h.engine.order_count(), 0, "{:?}", h.engine.orders());
    assert!(h.engine.position(closed).is_some(), "kept for payments reported after the close");

    // The closed position goes once its keeping time has passed; the open one stays.
    for _ in 0..(KEEP_CLOSED_MS / (30 * MINUTE)) {
        h.advance(30 * MINUTE).await;
    }
    assert!(h.engine.position(closed).is_none());
    assert_eq!(h.engine.position(open).map(|p| p.status), Some(PositionStatus::Open));
    assert_eq!(h.engine.positions().len(), 1);

    // Ids are never handed out again.
    let next = h.open("BTC", 3_000).await.unwrap().positions[0];
    assert!(next > open, "{next} after {open}");
}

#[test]
fn a_restart_does_not_reuse_the_ids_of_positions_it_did_not_restore() {
    let mut engine = crate::engine::Engine::new(params(), 1);
    engine.reserve_position_ids(PositionId::new(41));
    assert_eq!(engine.next_position_id, PositionId::new(42));
}

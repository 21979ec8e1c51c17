//! Write-ahead persistence: everything one event changed (orders, positions, fills, funding
//! payments, signals) is stored in one transaction before any order it produced is sent. A kill between two writes must not leave an order's fill
//! recorded without the leg it moved (or the reverse), and nothing is sent that is not on
//! record. Fills and payments are keyed, so an event replayed after a crash that lost the
//! commit stores each of them once.

use super::{Engine, Output};
use crate::db;
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use std::collections::BTreeMap;

/// Store the orders, positions, fills and funding payments among `outputs`, in one
/// transaction. Nothing to store: no transaction at all.
pub async fn store(db: &DatabaseConnection, engine: &Engine, outputs: &[Output]) -> Result<(), DbErr> {
    let mut orders = BTreeMap::new();
    let mut positions = BTreeMap::new();
    let (mut fills, mut payments) = (Vec::new(), Vec::new());
    let mut signals = BTreeMap::new();
    for o in outputs {
        match o {
            // The last view of each wins: an event may change one order several times.
            Output::Order(v) => {
                orders.insert(v.client_order_id.clone(), v);
            }
            Output::Position(v) => {
                positions.insert(v.id, v);
            }
            Output::Fill(f) => fills.push(f),
            Output::FundingBooked(p) => payments.push(p),
            Output::Signal(r) => {
                signals.insert(r.id, r);
            }
            _ => {}
        }
    }
    if orders.is_empty() && positions.is_empty() && fills.is_empty() && payments.is_empty() && signals.is_empty() {
        return Ok(());
    }
    let now = engine.now_ms();
    let txn = db.begin().await?;
    db::trading::upsert_orders(&txn, orders.values().copied()).await?;
    for v in positions.values() {
        let state = engine.position_state(v.id).unwrap_or_default();
        db::trading::upsert_position(&txn, v, &state, now).await?;
    }
    for f in fills {
        db::fills::insert(&txn, f).await?;
    }
    for p in payments {
        db::payments::insert(&txn, p).await?;
    }
    for r in signals.values() {
        let state = engine.signal_state(r.id).unwrap_or_default();
        db::signals::upsert(&txn, r, &state).await?;
    }
    txn.commit().await
}

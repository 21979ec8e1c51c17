//! Reconciliation against the simulated venues: both directions, the venue wins, and a
//! symbol with an order in flight is left for the next run.

use super::harness::*;
use crate::engine::{EngineEvent, Output, VenueSnapshot};
use crate::venue::VenueClient;
use app::order::{OrderRequest, OrderType, Side, TimeInForce};
use app::reconcile::{DifferenceKind, ReconcileReport};
use app::trading::{OrderPurpose, PositionStatus};
use app::{ClientOrderId, Qty, Symbol, Venue};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::collections::HashMap;

impl Harness {
    /// Read both venues and reconcile, as the runner does.
    pub async fn reconcile(&mut self) -> ReconcileReport {
        // Orders touched at or after the snapshot's start are left pending: let a moment pass.
        self.advance(1_000).await;
        let since_ms = self.engine.now_ms();
        let mut snapshots = Vec::new();
        for v in Venue::ALL {
            let sim = &self.venues[&v];
            let result = Ok((sim.positions().await.unwrap(), sim.open_orders().await.unwrap()));
            snapshots.push(VenueSnapshot { venue: v, since_ms, result });
        }
        let before = self.outputs.len();
        self.feed(EngineEvent::Reconcile { request: 7, trigger: "manual".into(), snapshots }).await;
        self.outputs[before..]
            .iter()
            .find_map(|o| match o {
                Output::Reconciled { request: 7, report } => Some(report.clone()),
                _ => None,
            })
            .expect("a report")
    }
}

fn market(id: &str, symbol: &str, side: Side, qty: Decimal) -> OrderRequest {
    OrderRequest {
        client_order_id: ClientOrderId::new(id).unwrap(),
        symbol: Symbol::new(symbol).unwrap(),
        side,
        qty: Qty(qty),
        order_type: OrderType::Market,
        price: None,
        time_in_force: TimeInForce::Ioc,
        reduce_only: false,
    }
}

#[tokio::test]
async fn matching_books_reconcile_clean() {
    let mut h = Harness::new(HashMap::new()).await;
    let id = h.open("ETH", 5_000).await.unwrap().positions[0];
    h.settle(20).await;
    assert_eq!(h.position(id).status, PositionStatus::Open);
    let report = h.reconcile().await;
    assert!(report.clean(), "{report:#?}");
    assert_eq!(report.venues.iter().map(|v| v.positions).sum::<usize>(), 2);
}

#[tokio::test]
async fn the_venue_wins_both_ways_and_the_legs_are_trimmed_back_to_hedged() {
    let mut h = Harness::new(HashMap::new()).await;
    let id = h.open("ETH", 5_000).await.unwrap().positions[0];
    h.settle(20).await;
    let p = h.position(id);
    let (long_v, size) = (p.legs[0].venue, p.legs[0].qty.0);
    // Behind our back: a third of the long leg is sold on its venue, and a SOL position appears.
    let cut = (size / dec!(3)).round_dp(2);
    h.venues[&long_v].place_order(&market("manual-1", "ETH", Side::Sell, cut)).await.unwrap();
    h.venues[&Venue::Binance].place_order(&market("manual-2", "SOL", Side::Buy, dec!(3))).await.unwrap();

    let report = h.reconcile().await;
    let eth = report.differences.iter().find(|d| d.symbol.as_ref().is_some_and(|s| s.as_str() == "ETH")).unwrap();
    assert_eq!(eth.kind, DifferenceKind::SizeMismatch);
    assert_eq!((eth.ours, eth.theirs), (Some(Qty(size)), Some(Qty(size - cut))));
    assert!(eth.action.contains("set to the venue's"), "{}", eth.action);
    let sol = report.differences.iter().find(|d| d.symbol.as_ref().is_some_and(|s| s.as_str() == "SOL")).unwrap();
    assert_eq!(sol.kind, DifferenceKind::VenueOnlyPosition);
    assert!(sol.action.contains("alert only"), "{}", sol.action);
    assert!(h.outputs.iter().any(|o| matches!(o, Output::Notify(n) if n.title.contains("2 difference"))));

    // The executor trims the other leg; afterwards books and venues agree on ETH.
    h.settle(20).await;
    let p = h.position(id);
    assert_eq!(p.legs[0].qty.0, size - cut);
    assert_eq!(p.legs[0].qty.0, -p.legs[1].qty.0);
    assert_eq!(h.venue_qty(p.legs[1].venue, "ETH").await, p.legs[1].qty.0);
    let again = h.reconcile().await;
    assert_eq!(again.differences.len(), 1, "only the foreign SOL position remains: {again:#?}");
    assert_eq!(again.differences[0].kind, DifferenceKind::VenueOnlyPosition);

    // The adjusted leg has a fill marked as a reconciliation adjustment, so the position's
    // fills still add up to its legs and its P&L.
    let fills: Vec<_> = h
        .outputs
        .iter()
        .filter_map(|o| match o {
            Output::Fill(f) if f.position_id == id => Some(f.clone()),
            _ => None,
        })
        .collect();
    let adjustment = fills.iter().find(|f| f.purpose == OrderPurpose::Reconciliation).expect("the adjustment's fill");
    assert_eq!((adjustment.venue, adjustment.side, adjustment.qty.0), (long_v, Side::Sell, cut));
    assert!(adjustment.fee.is_zero());
    let p = h.position(id);
    assert_eq!(fills.iter().map(|f| f.realized_pnl.0).sum::<Decimal>(), p.pnl.price_realized.0);
    assert_eq!(fills.iter().map(|f| f.fee.0).sum::<Decimal>(), p.pnl.fees.0);
    for leg in &p.legs {
        let booked: Decimal = fills.iter().filter(|f| f.venue == leg.venue).map(|f| f.side.sign() * f.qty.0).sum();
        assert_eq!(booked, leg.qty.0, "{} leg", leg.venue);
    }
}

#[tokio::test]
async fn a_symbol_with_an_order_in_flight_is_left_for_later() {
    let mut h = Harness::new(HashMap::new()).await;
    let id = h.open("ETH", 5_000).await.unwrap().positions[0];
    h.settle(20).await;
    // A snapshot taken before a fill we have already booked must not look like a difference.
    let stale_since = h.engine.now_ms();
    let mut snapshots = Vec::new();
    for v in Venue::ALL {
        let sim = &h.venues[&v];
        snapshots.push(VenueSnapshot {
            venue: v,
            since_ms: stale_since,
            result: Ok((sim.positions().await.unwrap(), sim.open_orders().await.unwrap())),
        });
    }
    h.command(crate::engine::Command::Close(app::trading::ClosePositionRequest { position_id: id, percent: dec!(50) }))
        .await
        .unwrap();
    h.feed(EngineEvent::Reconcile { request: 9, trigger: "manual".into(), snapshots }).await;
    let report = h
        .outputs
        .iter()
        .find_map(|o| match o {
            Output::Reconciled { request: 9, report } => Some(report.clone()),
            _ => None,
        })
        .unwrap();
    assert!(report.differences.is_empty(), "{report:#?}");
    assert!(report.venues.iter().all(|v| v.pending.iter().any(|s| s.as_str() == "ETH")), "{report:#?}");
}

//! Reconciliation: our books against each venue's positions and open orders, in both
//! directions. The venue is the truth. A symbol with one of our orders still in flight is left
//! for the next run (the difference is explained, not yet settled). A leg whose size differs is
//! set to the venue's size and the executor trims the other leg back to hedged; a venue
//! position or order we know nothing of is reported and alerted, never traded on our own.

use super::Engine;
use super::event::{Output, VenueSnapshot};
use super::executor::ExecKind;
use app::history::FillRecord;
use app::order::Side;
use app::reconcile::{Difference, DifferenceKind, ReconcileReport, VenueCheck};
use app::trading::{Kind, Level, OrderPurpose, OrderStatus, PositionId};
use app::{ClientOrderId, Qty, Symbol, Usd, Venue};
use std::collections::{BTreeMap, BTreeSet};

impl Engine {
    pub(super) fn reconcile(
        &mut self,
        request: u64,
        trigger: &str,
        snapshots: &[VenueSnapshot],
        out: &mut Vec<Output>,
    ) {
        let mut report =
            ReconcileReport { time_ms: self.now_ms, trigger: trigger.to_owned(), venues: vec![], differences: vec![] };
        for snap in snapshots {
            match &snap.result {
                Ok((positions, orders)) => {
                    self.reconcile_venue(snap.venue, snap.since_ms, positions, orders, &mut report, out)
                }
                Err(e) => {
                    report.venues.push(VenueCheck {
                        venue: snap.venue,
                        reachable: false,
                        positions: 0,
                        open_orders: 0,
                        pending: vec![],
                    });
                    report.differences.push(Difference {
                        venue: snap.venue,
                        kind: DifferenceKind::Unreachable,
                        symbol: None,
                        order: None,
                        ours: None,
                        theirs: None,
                        action: format!("not compared: {e}"),
                    });
                }
            }
        }
        if !report.differences.is_empty() {
            let positions = report.differences.iter().any(|d| {
                matches!(
                    d.kind,
                    DifferenceKind::VenueOnlyPosition | DifferenceKind::OursOnlyPosition | DifferenceKind::SizeMismatch
                )
            });
            let summary: Vec<String> = report
                .differences
                .iter()
                .map(|d| {
                    let what = d.symbol.as_ref().map(|s| s.to_string()).or(d.order.as_ref().map(|o| o.to_string()));
                    format!("{} {:?} {}: {}", d.venue, d.kind, what.unwrap_or_default(), d.action)
                })
                .collect();
            let level = if positions { Level::Critical } else { Level::Warning };
            let title = format!("Reconciliation ({trigger}): {} difference(s)", report.differences.len());
            let n = self.note(level, Kind::ReconciliationDifference, title, summary.join("; "));
            self.notify(n, out);
        }
        out.push(Output::Reconciled { request, report });
    }

    fn reconcile_venue(
        &mut self,
        venue: Venue,
        since_ms: app::TimestampMs,
        positions: &[app::order::VenuePosition],
        orders: &[app::order::OrderReport],
        report: &mut ReconcileReport,
        out: &mut Vec<Output>,
    ) {
        // Symbols whose outcome is still being learned, or whose orders moved while the venue
        // was being read (the snapshot may predate them): compare them next time.
        let pending: BTreeSet<Symbol> = self
            .orders
            .values()
            .filter(|o| o.view.venue == venue)
            .filter(|o| {
                matches!(o.view.status, OrderStatus::Created | OrderStatus::Sent | OrderStatus::Unknown)
                    || o.view.updated_ms >= since_ms
            })
            .map(|o| o.view.symbol.clone())
            .collect();
        let mut ours: BTreeMap<Symbol, Qty> = BTreeMap::new();
        for p in self.positions.values().filter(|p| p.status.is_active()) {
            *ours.entry(p.symbol.clone()).or_default() += p.leg(venue).ledger.qty;
        }
        let theirs: BTreeMap<Symbol, Qty> =
            positions.iter().filter(|p| !p.qty.is_zero()).map(|p| (p.symbol.clone(), p.qty)).collect();
        let symbols: BTreeSet<Symbol> = ours.keys().chain(theirs.keys()).cloned().collect();
        for symbol in symbols.iter().filter(|s| !pending.contains(*s)) {
            let (o, t) =
                (ours.get(symbol).copied().unwrap_or_default(), theirs.get(symbol).copied().unwrap_or_default());
            if o == t {
                continue;
            }
            let kind = if o.is_zero() {
                DifferenceKind::VenueOnlyPosition
            } else if t.is_zero() {
                DifferenceKind::OursOnlyPosition
            } else {
                DifferenceKind::SizeMismatch
            };
            let action = self.adopt(venue, symbol, o, t, out);
            report.differences.push(Difference {
                venue,
                kind,
                symbol: Some(symbol.clone()),
                order: None,
                ours: Some(o),
                theirs: Some(t),
                action,
            });
        }

        // Resting orders, both ways.
        let venue_open: BTreeSet<_> = orders.iter().map(|o| o.client_order_id.clone()).collect();
        for o in orders {
            let known_open = self.orders.get(&o.client_order_id).is_some_and(|x| !x.is_final());
            if !known_open {
                let action = if self.orders.contains_key(&o.client_order_id) {
                    self.query(&o.client_order_id, out);
                    "ours but recorded as final: queried".to_owned()
                } else {
                    "not placed by this platform: alert only".to_owned()
                };
                report.differences.push(Difference {
                    venue,
                    kind: DifferenceKind::VenueOnlyOrder,
                    symbol: Some(o.symbol.clone()),
                    order: Some(o.client_order_id.clone()),
                    ours: None,
                    theirs: Some(o.qty - o.filled_qty),
                    action,
                });
            }
        }
        let resting: Vec<_> = self
            .orders
            .values()
            .filter(|o| o.view.venue == venue)
            .filter(|o| matches!(o.view.status, OrderStatus::Accepted | OrderStatus::PartiallyFilled))
            .filter(|o| !venue_open.contains(&o.view.client_order_id))
            .map(|o| (o.view.client_order_id.clone(), o.view.symbol.clone()))
            .collect();
        for (id, symbol) in resting {
            self.query(&id, out);
            report.differences.push(Difference {
                venue,
                kind: DifferenceKind::OursOnlyOrder,
                symbol: Some(symbol),
                order: Some(id),
                ours: None,
                theirs: None,
                action: "queried for its final state".into(),
            });
        }
        report.venues.push(VenueCheck {
            venue,
            reachable: true,
            positions: theirs.len(),
            open_orders: orders.len(),
            pending: pending.into_iter().collect(),
        });
    }

    /// The venue's size wins. With exactly one position of ours on the symbol, its leg takes
    /// the venue's size (booked at the mark, no fee, as a fill marked `reconciliation` so the
    /// position's fills still add up to its P&L) and the executor trims the other leg back to
    /// hedged. Anything else is for the operator.
    fn adopt(&mut self, venue: Venue, symbol: &Symbol, ours: Qty, theirs: Qty, out: &mut Vec<Output>) -> String {
        let ids: Vec<PositionId> =
            self.positions.values().filter(|p| p.status.is_active() && &p.symbol == symbol).map(|p| p.id).collect();
        let [pid] = ids[..] else {
            return if ids.is_empty() {
                "alert only: no position of ours on this symbol (close it on the venue or leave it)".into()
            } else {
                "alert only: several of our positions share this symbol".into()
            };
        };
        let price = self.market.mark(venue, symbol);
        let Some(pos) = self.positions.get_mut(&pid) else { return "position vanished".into() };
        let strategy = pos.strategy.clone();
        let leg = pos.leg_mut(venue);
        let price = price.unwrap_or(leg.ledger.entry);
        let delta = theirs - ours;
        let before = leg.ledger.realized;
        leg.ledger.apply_fill(delta, price, Usd::ZERO);
        let realized = leg.ledger.realized - before;
        let tag = if venue == Venue::Binance { 'b' } else { 'l' };
        if let Ok(id) = ClientOrderId::new(&format!("rc-{pid}-{tag}-{}", self.now_ms)) {
            out.push(Output::Fill(FillRecord {
                client_order_id: id,
                filled_qty: delta.abs(),
                position_id: pid,
                strategy,
                venue,
                symbol: symbol.clone(),
                side: if delta.is_sign_positive() { Side::Buy } else { Side::Sell },
                purpose: OrderPurpose::Reconciliation,
                qty: delta.abs(),
                price,
                fee: Usd::ZERO,
                realized_pnl: realized,
                time_ms: self.now_ms,
            }));
        }
        pos.note = Some(format!("{venue} leg set to the venue's size {theirs} by reconciliation"));
        self.dirty_positions.insert(pid);
        let (a, b) = pos.sizes();
        if a != b && !self.executions.contains_key(&pid) {
            let cap = self.params.slippage_cap_bps;
            self.start_execution(pid, ExecKind::Close, a.min(b), 1, cap);
        }
        format!("position {pid}: {venue} leg set to the venue's {theirs} (was {ours}); legs trimmed to hedged")
    }
}

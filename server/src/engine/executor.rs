//! The executor: opens and closes a position in slices. Both legs of a slice go out together
//! as IOC limits with a slippage cap; the next slice waits until both are final and the legs
//! are equal again, so naked exposure never exceeds one slice. The lagging leg is topped up;
//! after three failed top-ups the leading leg is trimmed back to hedged.

use super::order::{Order, OrderEvent};
use super::{Engine, Output};
use app::market::common_step;
use app::order::{OrderRequest, OrderType, Side, TimeInForce};
use app::sizing::limit_price;
use app::trading::{Kind, Level, OrderPurpose, PositionId, PositionStatus};
use app::{ClientOrderId, Qty, TimestampMs, Venue};
use serde::{Deserialize, Serialize};

const MAX_REPAIRS: u32 = 3;
const MAX_FAILED_SLICES: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExecKind {
    Open,
    Close,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Execution {
    pub kind: ExecKind,
    /// Which execution of the position this is; part of every client order id.
    pub seq: u32,
    /// The absolute quantity both legs end at.
    pub goal: Qty,
    pub slice_qty: Qty,
    pub slice_no: u32,
    pub next_at: TimestampMs,
    pub pause_ms: i64,
    pub slippage_cap_bps: u32,
    pub inflight: Vec<ClientOrderId>,
    pub order_no: u32,
    pub repairs: u32,
    pub failed_slices: u32,
    /// Leg sizes when the current slice went out; compared once the legs are equal again
    /// (after any repair or unwind) to tell a slice that made no progress.
    pub slice_start: Option<(Qty, Qty)>,
}

impl Engine {
    pub(super) fn start_execution(&mut self, pid: PositionId, kind: ExecKind, goal: Qty, slices: u32, cap_bps: u32) {
        let step = self.step(pid);
        let Some(pos) = self.positions.get_mut(&pid) else { return };
        let (a, _) = pos.sizes();
        let distance = (goal - a).abs();
        // The preview's slice: rounded up so that `slices` slices cover the distance.
        let slice_qty = app::sizing::slice_qty(distance, slices, step);
        pos.executions += 1;
        let seq = pos.executions;
        let exec = Execution {
            kind,
            seq,
            goal,
            slice_qty,
            slice_no: 0,
            next_at: self.now_ms,
            pause_ms: self.params.slice_pause_ms as i64,
            slippage_cap_bps: cap_bps,
            inflight: Vec::new(),
            order_no: 0,
            repairs: 0,
            failed_slices: 0,
            slice_start: None,
        };
        self.executions.insert(pid, exec);
    }

    /// The coarser of the two venues' steps: one quantity valid on both legs.
    pub(super) fn step(&self, pid: PositionId) -> Qty {
        let Some(pos) = self.positions.get(&pid) else { return Qty(rust_decimal::Decimal::ONE) };
        let s = |v: Venue| self.market.market(v, &pos.symbol).map_or(Qty::ZERO, |m| m.filters.step_size);
        Qty(common_step(s(Venue::Binance).value(), s(Venue::Lighter).value()))
    }

    pub(super) fn drive_all(&mut self, out: &mut Vec<Output>) {
        // Most events come with nothing being executed: no list to make.
        if self.executions.is_empty() {
            return;
        }
        let ids: Vec<PositionId> = self.executions.keys().copied().collect();
        for pid in ids {
            self.drive(pid, out);
        }
    }

    fn drive(&mut self, pid: PositionId, out: &mut Vec<Output>) {
        let Some(exec) = self.executions.get(&pid) else { return };
        if exec.inflight.iter().any(|id| self.orders.get(id).is_some_and(|o| !o.is_final())) {
            return;
        }
        let Some(pos) = self.positions.get(&pid) else { return };
        let (a, b) = pos.sizes();
        let (long_v, short_v) = (pos.legs[0].venue, pos.legs[1].venue);
        if let Some(e) = self.executions.get_mut(&pid) {
            e.inflight.clear();
        }
        let Some(exec) = self.executions.get(&pid).cloned() else { return };
        if a != b {
            return self.repair(pid, &exec, a, b, out);
        }
        if exec.slice_start.is_some() {
            self.finish_slice(pid, a);
        }
        let Some(exec) = self.executions.get(&pid).cloned() else { return };
        let done = match exec.kind {
            ExecKind::Open => a >= exec.goal,
            ExecKind::Close => a <= exec.goal,
        };
        if done {
            return self.complete(pid, exec.kind, out);
        }
        if exec.failed_slices >= MAX_FAILED_SLICES {
            return self.abort(pid, exec.kind, a, out);
        }
        if self.now_ms < exec.next_at {
            return;
        }
        let qty = exec.slice_qty.min((exec.goal - a).abs());
        let (long_side, reduce) = match exec.kind {
            ExecKind::Open => (Side::Buy, false),
            ExecKind::Close => (Side::Sell, true),
        };
        let purpose = if exec.kind == ExecKind::Open { OrderPurpose::Open } else { OrderPurpose::Close };
        if let Some(e) = self.executions.get_mut(&pid) {
            e.slice_no += 1;
            e.next_at = self.now_ms + e.pause_ms;
            e.slice_start = Some((a, b));
        }
        self.send(pid, long_v, long_side, qty, reduce, purpose, exec.slippage_cap_bps, out);
        self.send(pid, short_v, long_side.opposite(), qty, reduce, purpose, exec.slippage_cap_bps, out);
    }

    /// The slice and its repairs are done and the legs are equal: did it move toward the goal?
    fn finish_slice(&mut self, pid: PositionId, size: Qty) {
        let Some(e) = self.executions.get_mut(&pid) else { return };
        let Some((start, _)) = e.slice_start.take() else { return };
        e.repairs = 0;
        let progressed = match e.kind {
            ExecKind::Open => size > start,
            ExecKind::Close => size < start,
        };
        if progressed {
            e.failed_slices = 0;
        } else {
            e.failed_slices += 1;
            // Back off before trying again.
            e.next_at = self.now_ms + e.pause_ms.max(1_000) * i64::from(e.failed_slices);
        }
    }

    /// Legs differ: top up the lagging leg; after three tries trim the leading leg instead.
    fn repair(&mut self, pid: PositionId, exec: &super::executor::Execution, a: Qty, b: Qty, out: &mut Vec<Output>) {
        let Some(pos) = self.positions.get(&pid) else { return };
        let (long_v, short_v) = (pos.legs[0].venue, pos.legs[1].venue);
        let diff = (a - b).abs();
        let growing = exec.kind == ExecKind::Open;
        // The lagging leg is the smaller one when opening, the larger one when closing.
        let long_lags = if growing { a < b } else { a > b };
        let (lag_v, lead_v) = if long_lags { (long_v, short_v) } else { (short_v, long_v) };
        let open_side = |v: Venue| if v == long_v { Side::Buy } else { Side::Sell };
        let repairs = exec.repairs + 1;
        if repairs > MAX_REPAIRS && self.now_ms < exec.next_at {
            return; // backing off between further attempts
        }
        let now = self.now_ms;
        if let Some(e) = self.executions.get_mut(&pid) {
            e.repairs = repairs;
            if repairs > MAX_REPAIRS {
                e.next_at = now + 1_000 * i64::from(repairs - MAX_REPAIRS).min(30);
            }
        }
        let cap = exec.slippage_cap_bps * 2;
        if repairs <= MAX_REPAIRS {
            let side = if growing { open_side(lag_v) } else { open_side(lag_v).opposite() };
            self.send(pid, lag_v, side, diff, !growing, OrderPurpose::Repair, cap, out);
        } else if growing {
            // Unwind the leading leg to the lagging one: hedged again, smaller.
            self.send(pid, lead_v, open_side(lead_v).opposite(), diff, true, OrderPurpose::Unwind, cap, out);
        } else {
            // A close that cannot finish one leg: keep trying, with back-off, loudly once.
            if repairs == MAX_REPAIRS + 1 {
                let n = self.note(
                    Level::Critical,
                    Kind::LegImbalance,
                    "Close cannot complete a leg",
                    format!("position {pid}: {lag_v} leg still differs by {diff}; retrying"),
                );
                let n = match self.positions.get(&pid) {
                    Some(p) => n.symbol(&p.symbol),
                    None => n,
                };
                self.notify(n.position(pid), out);
            }
            let side = open_side(lag_v).opposite();
            self.send(pid, lag_v, side, diff, true, OrderPurpose::Repair, cap * 2, out);
        }
    }

    fn complete(&mut self, pid: PositionId, kind: ExecKind, out: &mut Vec<Output>) {
        self.executions.remove(&pid);
        let now = self.now_ms;
        let Some(pos) = self.positions.get_mut(&pid) else { return };
        let (a, _) = pos.sizes();
        pos.status = if a.is_zero() { PositionStatus::Closed } else { PositionStatus::Open };
        if pos.status == PositionStatus::Closed {
            pos.closed_ms = Some(now);
        }
        self.dirty_positions.insert(pid);
        let (what, k) = if kind == ExecKind::Open {
            ("opened", Kind::PositionOpened)
        } else if a.is_zero() {
            ("closed", Kind::PositionClosed)
        } else {
            // A partial close that completed: the position stays open, smaller.
            ("closed", Kind::PositionClosing)
        };
        let symbol = pos.symbol.clone();
        let n = self.note(Level::Info, k, format!("Position {pid} {what}"), format!("legs at {a} each"));
        self.notify(n.symbol(&symbol).position(pid), out);
    }

    fn abort(&mut self, pid: PositionId, kind: ExecKind, size: Qty, out: &mut Vec<Output>) {
        self.executions.remove(&pid);
        let Some(pos) = self.positions.get_mut(&pid) else { return };
        let note = format!(
            "{} stopped after {MAX_FAILED_SLICES} failed slices; legs hedged at {size}",
            if kind == ExecKind::Open { "open" } else { "close" }
        );
        pos.status = match (kind, size.is_zero()) {
            (ExecKind::Open, true) => PositionStatus::Failed,
            (_, true) => PositionStatus::Closed,
            _ => PositionStatus::Open,
        };
        // History lists finished positions by the time they ended.
        if !pos.status.is_active() {
            pos.closed_ms = Some(self.now_ms);
        }
        pos.note = Some(note.clone());
        let symbol = pos.symbol.clone();
        self.dirty_positions.insert(pid);
        let n = self.note(Level::Warning, Kind::ExecutionAborted, format!("Position {pid} execution aborted"), note);
        self.notify(n.symbol(&symbol).position(pid), out);
    }

    /// Record the order, pass it through the risk gate, and hand it to the venue.
    #[allow(clippy::too_many_arguments)]
    fn send(
        &mut self,
        pid: PositionId,
        venue: Venue,
        side: Side,
        qty: Qty,
        reduce_only: bool,
        purpose: OrderPurpose,
        cap_bps: u32,
        out: &mut Vec<Output>,
    ) {
        let Some(pos) = self.positions.get(&pid) else { return };
        let symbol = pos.symbol.clone();
        let Some(exec) = self.executions.get_mut(&pid) else { return };
        exec.order_no += 1;
        let leg = if venue == Venue::Binance { 'b' } else { 'l' };
        let raw = format!("arb{pid}-{}-{}{leg}", exec.seq, exec.order_no);
        let Ok(id) = ClientOrderId::new(&raw) else { return };
        exec.inflight.push(id.clone());
        let leverage = pos.leg(venue).leverage;
        let price = self.market.quote(venue, &symbol, leverage).map(|q| limit_price(side, &q, cap_bps));
        let mut order = Order::new(
            id.clone(),
            (pid, pos.strategy.clone()),
            venue,
            symbol.clone(),
            side,
            qty,
            price,
            reduce_only,
            purpose,
            self.executions.get(&pid).map_or(0, |e| e.slice_no),
            self.now_ms,
        );
        let request = OrderRequest {
            client_order_id: id.clone(),
            symbol,
            side,
            qty,
            order_type: if price.is_some() { OrderType::Limit } else { OrderType::Market },
            price,
            time_in_force: TimeInForce::Ioc,
            reduce_only,
        };
        let approved = match price {
            None => Err(super::Refusal(format!("{venue}: no book to price the order"))),
            Some(_) => self.risk.approve_order(request),
        };
        match approved {
            Ok(approved) => {
                let _ = order.apply(OrderEvent::Send, self.now_ms);
                self.orders.insert(id.clone(), order);
                self.dirty_orders.insert(id);
                // The order and the execution that issued it (its order number, what is in
                // flight) are persisted through the outputs flushed here before it is sent, so
                // a restart neither forgets it nor issues it again.
                self.dirty_positions.insert(pid);
                self.flush_dirty(out);
                out.push(Output::Send(approved, venue));
            }
            Err(refusal) => {
                let _ = order.apply(OrderEvent::Reject, self.now_ms);
                order.view.error = Some(refusal.0.clone());
                self.orders.insert(id.clone(), order);
                self.dirty_orders.insert(id);
                let n = self.note(Level::Warning, Kind::OrderRefused, "Order refused", refusal.0);
                let n = match self.positions.get(&pid) {
                    Some(p) => n.symbol(&p.symbol),
                    None => n,
                };
                self.notify(n.position(pid), out);
            }
        }
    }
}

//! Signals from outside programs, worked by the pure engine. The intake has stored each signal
//! before the engine sees it; here it waits for its turn (one at a time per strategy and
//! symbol, in arrival order), then opens or closes through the same `open`/`close`, risk gate
//! and executor as every other request.
//!
//! - An open that meets a passing condition (stale or missing market data, the symbol's
//!   position still closing) or whose execution fails at the venues is tried again with
//!   back-off until its expiry (then `expired`, or `failed` when the venues refused every
//!   attempt); any other refusal rejects it, with the refusal's words.
//! - A close never expires: an execution that stops short is alerted and started again with
//!   back-off until the position reaches the goal or a person cancels the signal.
//!
//! Every change comes out as `Output::Signal` and is stored in the same transaction as the
//! positions and orders it moved, before any order is sent: after a restart a signal resumes
//! from exactly there, and nothing is executed twice. Back-off and expiry are wall-clock times
//! (`wall_ms`, from the timer), as the sources that send signals keep them.

use super::commands::Origin;
use super::{Engine, Output, Refusal};
use app::signal::{SignalAction, SignalRecord, SignalStatus, SourceLimits};
use app::trading::{CommandAck, Kind, Level, OpenPositionRequest, PositionId, PositionStatus};
use app::{Qty, StrategyId, Symbol, TimestampMs};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// First retry after a second, doubling, at most a minute apart.
const FIRST_BACKOFF_MS: i64 = 1_000;
const MAX_BACKOFF_MS: i64 = 60_000;

/// A signal as the engine works it: the record everyone sees, its source's limits, and where
/// its execution stands. Stored whole, so a restart carries on from here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signal {
    pub record: SignalRecord,
    pub limits: SourceLimits,
    /// Not tried again before this wall time.
    #[serde(default)]
    pub retry_at_ms: TimestampMs,
    /// The position the current attempt opens or closes.
    #[serde(default)]
    pub working: Option<PositionId>,
    /// A close's goal: the size both legs end at.
    #[serde(default)]
    pub goal: Option<Qty>,
}

impl Signal {
    pub fn new(record: SignalRecord, limits: SourceLimits) -> Self {
        Self { record, limits, retry_at_ms: 0, working: None, goal: None }
    }
}

/// The wait before try number `attempt + 1`.
fn backoff(attempt: u32) -> i64 {
    (FIRST_BACKOFF_MS << attempt.min(6)).min(MAX_BACKOFF_MS)
}

impl Engine {
    /// A stored signal arrives: keep it (once: a signal seen again is left as it is) and let
    /// `drive_signals` start it in its turn.
    pub(super) fn receive_signal(&mut self, signal: &Signal, out: &mut Vec<Output>) -> Result<CommandAck, Refusal> {
        let id = signal.record.id;
        let ack = |message: String| CommandAck { positions: Vec::new(), message };
        if self.signals.contains_key(&id) {
            return Ok(ack(format!("signal {id} is already known")));
        }
        self.wall_ms = self.wall_ms.max(signal.record.received_ms);
        let mut signal = signal.clone();
        // A close of a position runs in its symbol's turn.
        if let Some(pid) = signal.record.position_id {
            match self.positions.get(&pid).map(|p| p.symbol.clone()) {
                Some(symbol) if signal.record.symbol.as_ref().is_none_or(|s| *s == symbol) => {
                    signal.record.symbol = Some(symbol)
                }
                Some(symbol) => {
                    let reason = format!(
                        "position {pid} is on {symbol}, not {}",
                        signal.record.symbol.clone().unwrap_or(symbol.clone())
                    );
                    return self.reject_on_arrival(signal, reason, out);
                }
                None => {
                    let reason = format!("no active position {pid}");
                    return self.reject_on_arrival(signal, reason, out);
                }
            }
        }
        self.pending_signals.insert(id);
        out.push(Output::Signal(signal.record.clone()));
        self.signals.insert(id, signal);
        Ok(ack(format!("signal {id} received")))
    }

    fn reject_on_arrival(
        &mut self,
        signal: Signal,
        reason: String,
        out: &mut Vec<Output>,
    ) -> Result<CommandAck, Refusal> {
        let id = signal.record.id;
        self.signals.insert(id, signal);
        self.finish_signal(id, SignalStatus::Rejected, Some(reason), out);
        Ok(CommandAck { positions: Vec::new(), message: format!("signal {id} rejected") })
    }

    /// A person stops a pending signal. A running open or close of its position carries on to
    /// the end of its execution (half a hedge is never abandoned); nothing more is started.
    pub(super) fn cancel_signal(&mut self, id: i64, by: &str, out: &mut Vec<Output>) -> Result<CommandAck, Refusal> {
        let Some(signal) = self.signals.get(&id) else {
            return Err(Refusal(format!("signal {id} is not pending")));
        };
        if signal.record.status.is_final() {
            return Err(Refusal(format!("signal {id} is already {}", signal.record.status.name())));
        }
        let running = signal.working.filter(|pid| self.executions.contains_key(pid));
        let mut reason = format!("cancelled by {by}");
        if let Some(pid) = running {
            reason.push_str(&format!("; position {pid} finishes the execution already running"));
        }
        self.finish_signal(id, SignalStatus::Cancelled, Some(reason), out);
        let positions = running.into_iter().collect();
        Ok(CommandAck { positions, message: format!("signal {id} cancelled") })
    }

    /// Move each strategy-and-symbol queue's first pending signal on.
    pub(super) fn drive_signals(&mut self, out: &mut Vec<Output>) {
        if self.pending_signals.is_empty() {
            return;
        }
        let mut turns: BTreeSet<(StrategyId, Option<Symbol>)> = BTreeSet::new();
        let ids: Vec<i64> = self.pending_signals.iter().copied().collect();
        for id in ids {
            let Some(s) = self.signals.get(&id) else { continue };
            // An earlier signal of the same strategy and symbol is still pending: wait.
            if !turns.insert((s.record.strategy.clone(), s.record.symbol.clone())) {
                continue;
            }
            match s.record.action {
                SignalAction::Open => self.step_open(id, out),
                SignalAction::Close => self.step_close(id, out),
            }
        }
    }

    fn step_open(&mut self, id: i64, out: &mut Vec<Output>) {
        let wall = self.wall_ms;
        let Some(s) = self.signals.get(&id) else { return };
        if let Some(pid) = s.working {
            let (status, note) = match self.positions.get(&pid) {
                Some(p) => (p.status, p.note.clone()),
                None => (PositionStatus::Closed, None),
            };
            match status {
                PositionStatus::Opening => {}
                PositionStatus::Failed => {
                    // The venues would not fill it (the execution unwound to flat): a passing
                    // failure, tried again until the signal expires.
                    let reason = note.unwrap_or_else(|| format!("the open of position {pid} failed"));
                    let attempts = s.record.attempts;
                    self.update_signal(id, out, |s| {
                        s.working = None;
                        s.retry_at_ms = wall + backoff(attempts);
                        s.record.reason = Some(reason);
                    });
                }
                _ => self.finish_signal(id, SignalStatus::Done, None, out),
            }
            return;
        }
        if s.record.expires_at_ms.is_some_and(|t| wall >= t) {
            let why = s.record.reason.clone().unwrap_or_else(|| "it never had its turn".into());
            // Tried at the venues and failed each time: `failed`; never tried: `expired`.
            return match s.record.attempts {
                0 => self.finish_signal(id, SignalStatus::Expired, Some(format!("expired: {why}")), out),
                n => self.finish_signal(
                    id,
                    SignalStatus::Failed,
                    Some(format!("failed after {n} attempt(s): {why}")),
                    out,
                ),
            };
        }
        if wall < s.retry_at_ms {
            return;
        }
        let (Some(symbol), Some(direction), Some(notional)) =
            (s.record.symbol.clone(), s.record.direction, s.record.notional)
        else {
            return self.finish_signal(
                id,
                SignalStatus::Rejected,
                Some("an open needs symbol, direction and notional".into()),
                out,
            );
        };
        if let Some(reason) = self.passing_block(&symbol) {
            let attempts = s.record.attempts;
            let changed = s.record.reason.as_deref() != Some(reason.as_str());
            if changed {
                self.update_signal(id, out, |s| s.record.reason = Some(reason));
            }
            if let Some(s) = self.signals.get_mut(&id) {
                s.retry_at_ms = wall + backoff(attempts);
            }
            return;
        }
        let req = OpenPositionRequest {
            symbol,
            direction,
            notional,
            leverage_binance: None,
            leverage_lighter: None,
            slices: s.record.slices,
            slippage_cap_bps: s.record.slippage_cap_bps,
            exit_on_reversal: false,
            close_after_hours: None,
        };
        let origin = Origin {
            strategy: s.record.strategy.clone(),
            exits: s.limits.exits,
            signal_limit: s.limits.max_total_notional.map(|cap| (s.limits.strategies.clone(), cap)),
        };
        match self.open(&req, &origin, out) {
            Ok(pid) => self.update_signal(id, out, |s| {
                s.working = Some(pid);
                s.record.positions.push(pid);
                s.record.attempts += 1;
                s.record.status = SignalStatus::Executing;
                s.record.reason = None;
            }),
            Err(refusal) => self.finish_signal(id, SignalStatus::Rejected, Some(refusal.0), out),
        }
    }

    /// What stops an open now but will pass: data that is stale or missing (a venue's balance
    /// too, right after a start), or the symbol's position still closing. Worded as `open`
    /// would refuse it.
    fn passing_block(&self, symbol: &Symbol) -> Option<String> {
        if let Some(reason) = self.market.stale_reasons().into_iter().next() {
            return Some(format!("cannot open: {reason}"));
        }
        if let Some(v) = app::Venue::ALL.into_iter().find(|v| !self.market.balances.contains_key(v)) {
            return Some(format!("no balance from {v} yet"));
        }
        if self.quotes(symbol, (None, None)).is_none() {
            return Some(format!("no complete market data for {symbol} on both venues"));
        }
        let closing = self.positions.values().find(|p| &p.symbol == symbol && p.status == PositionStatus::Closing);
        closing.map(|p| format!("position {} on {symbol} is still active; close it first", p.id))
    }

    fn step_close(&mut self, id: i64, out: &mut Vec<Output>) {
        let wall = self.wall_ms;
        let Some(s) = self.signals.get(&id) else { return };
        if let Some(pid) = s.working {
            let Some(p) = self.positions.get(&pid) else {
                return self.finish_signal(id, SignalStatus::Done, None, out);
            };
            let size = {
                let (a, b) = p.sizes();
                a.max(b)
            };
            let goal = s.goal.unwrap_or(Qty::ZERO);
            if !p.status.is_active() || (size <= goal && !self.executions.contains_key(&pid)) {
                return self.finish_signal(id, SignalStatus::Done, None, out);
            }
            if self.executions.contains_key(&pid) {
                return;
            }
            // The close stopped short of its goal (the venues refused its slices): say so, and
            // start it again after a pause, for as long as it takes.
            if s.retry_at_ms == 0 {
                let attempts = s.record.attempts;
                let why = p.note.clone().unwrap_or_else(|| "the close stopped".into());
                let reason = format!("close of position {pid} stopped at {size} (goal {goal}): {why}; retrying");
                let n = self
                    .note(
                        Level::Warning,
                        Kind::SignalFailed,
                        format!("Close signal {} retrying", s.record.signal_id),
                        &reason,
                    )
                    .symbol(&p.symbol)
                    .position(pid)
                    .about(id);
                self.notify(n, out);
                return self.update_signal(id, out, |s| {
                    s.retry_at_ms = wall + backoff(attempts);
                    s.record.reason = Some(reason);
                });
            }
            if wall < s.retry_at_ms {
                return;
            }
            let why = format!("signal {}/{} (attempt {})", s.record.source, s.record.signal_id, s.record.attempts + 1);
            self.close_to(pid, goal, &format!("to {goal}: {why}"), why, out);
            return self.update_signal(id, out, |s| {
                s.retry_at_ms = 0;
                s.record.attempts += 1;
            });
        }
        let target = match s.record.position_id {
            Some(pid) => self.positions.get(&pid).map(|p| (pid, p.strategy.clone(), p.status)),
            None => s.record.symbol.as_ref().and_then(|sym| {
                self.positions
                    .values()
                    .find(|p| &p.symbol == sym && p.strategy == s.record.strategy && p.status.is_active())
                    .map(|p| (p.id, p.strategy.clone(), p.status))
            }),
        };
        let Some((pid, owner, status)) = target.filter(|t| t.2.is_active()) else {
            let what = match (s.record.position_id, &s.record.symbol) {
                (Some(pid), _) => format!("no active position {pid}"),
                (None, Some(sym)) => format!("strategy {} has no active position on {sym}", s.record.strategy),
                (None, None) => "a close needs a position_id or a symbol".into(),
            };
            return self.finish_signal(id, SignalStatus::Rejected, Some(what), out);
        };
        if owner != s.record.strategy {
            let reason = format!("position {pid} belongs to strategy {owner}, not {}", s.record.strategy);
            return self.finish_signal(id, SignalStatus::Rejected, Some(reason), out);
        }
        let percent = s.record.percent.unwrap_or(Decimal::ONE_HUNDRED);
        let why = format!("signal {}/{}", s.record.source, s.record.signal_id);
        // A whole close already running (a risk exit, a person) is the same close: follow it.
        let already = status == PositionStatus::Closing
            && percent == Decimal::ONE_HUNDRED
            && self.positions.get(&pid).is_some_and(|p| p.target_qty.is_zero());
        let result = if already { Ok(()) } else { self.close(pid, percent, why, out) };
        match result {
            Ok(()) => {
                let goal = self.positions.get(&pid).map_or(Qty::ZERO, |p| p.target_qty);
                self.update_signal(id, out, |s| {
                    s.working = Some(pid);
                    s.goal = Some(goal);
                    if !s.record.positions.contains(&pid) {
                        s.record.positions.push(pid);
                    }
                    s.record.attempts += 1;
                    s.record.status = SignalStatus::Executing;
                    s.record.reason = None;
                })
            }
            Err(refusal) => self.finish_signal(id, SignalStatus::Rejected, Some(refusal.0), out),
        }
    }

    /// Change a signal and put the change out for storage.
    fn update_signal(&mut self, id: i64, out: &mut Vec<Output>, change: impl FnOnce(&mut Signal)) {
        let wall = self.wall_ms;
        let Some(s) = self.signals.get_mut(&id) else { return };
        change(s);
        s.record.updated_ms = s.record.updated_ms.max(wall);
        out.push(Output::Signal(s.record.clone()));
    }

    /// A signal reaches its final status; failures are told to people.
    fn finish_signal(&mut self, id: i64, status: SignalStatus, reason: Option<String>, out: &mut Vec<Output>) {
        self.pending_signals.remove(&id);
        self.update_signal(id, out, |s| {
            s.record.status = status;
            s.record.reason = reason;
            s.retry_at_ms = 0;
        });
        let Some(r) = self.signals.get(&id).map(|s| s.record.clone()) else { return };
        if matches!(status, SignalStatus::Failed | SignalStatus::Expired | SignalStatus::Rejected) {
            let title = format!("Signal {}/{} {}", r.source, r.signal_id, status.name());
            let n =
                self.note(Level::Warning, Kind::SignalFailed, title, r.reason.clone().unwrap_or_default()).about(id);
            let n = match &r.symbol {
                Some(s) => n.symbol(s),
                None => n,
            };
            self.notify(n, out);
        }
    }

    /// Resume the stored signals at start-up: pending ones carry on where they were.
    pub fn restore_signals(&mut self, states: Vec<serde_json::Value>) {
        for value in states {
            match serde_json::from_value::<Signal>(value) {
                Ok(s) => {
                    if !s.record.status.is_final() {
                        self.pending_signals.insert(s.record.id);
                    }
                    self.signals.insert(s.record.id, s);
                }
                Err(e) => tracing::error!(error = %e, "a stored signal could not be restored"),
            }
        }
    }

    /// What a restart needs to resume a signal exactly.
    pub fn signal_state(&self, id: i64) -> Option<serde_json::Value> {
        serde_json::to_value(self.signals.get(&id)?).ok()
    }

    /// The signals the engine holds: every pending one and those finished recently.
    pub fn signal_records(&self) -> Vec<SignalRecord> {
        self.signals.values().map(|s| s.record.clone()).collect()
    }

    pub fn wall_ms(&self) -> TimestampMs {
        self.wall_ms
    }
}

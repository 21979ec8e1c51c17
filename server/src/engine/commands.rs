//! Operator, strategy and signal actions: open (through the same checks whoever asks, each
//! position attributed to its strategy with that strategy's exits), close a percentage, close
//! all (optionally one venue's or one strategy's), pause, resume, kill, new parameters, new
//! symbol rules (they gate opens only: positions on a newly excluded symbol run to their
//! exits), each strategy's exposure cap, and signals (`signals`).

use super::executor::ExecKind;
use super::position::Position;
use super::{Command, Engine, Output, Refusal};
use app::sizing::{OpenRequest, preview};
use app::strategy::{ExitRules, StrategyId};
use app::trading::{CloseAllRequest, CommandAck, Kind, Level, OpenPositionRequest, PositionId, PositionStatus};
use app::{Qty, Usd};
use rust_decimal::Decimal;

impl Engine {
    pub(super) fn on_command(&mut self, command: &Command, out: &mut Vec<Output>) -> Result<CommandAck, Refusal> {
        match command {
            Command::Open(req) => {
                let origin = Origin { strategy: StrategyId::manual(), exits: req.exits(), signal_limit: None };
                self.open(req, &origin, out).map(|id| ack(vec![id], format!("opening position {id}")))
            }
            Command::Close(req) => {
                self.close(req.position_id, req.percent, "manual close".into(), out)?;
                Ok(ack(vec![req.position_id], format!("closing {}% of position {}", req.percent, req.position_id)))
            }
            Command::CloseAll(req) => {
                let ids = self.close_all(req, "close-all", out);
                Ok(ack(ids.clone(), format!("closing {} position(s)", ids.len())))
            }
            Command::Pause => {
                self.risk.paused = true;
                let n =
                    self.note(Level::Warning, Kind::EnginePaused, "Opening paused", "no new positions until resumed");
                self.notify(n, out);
                Ok(ack(vec![], "paused".into()))
            }
            Command::Resume => {
                if self.risk.killed {
                    return Err(Refusal("the kill switch is on; it stays on until the server restarts".into()));
                }
                self.risk.paused = false;
                self.risk.breaker = false;
                let n = self.note(Level::Info, Kind::EngineResumed, "Opening resumed", "new positions allowed");
                self.notify(n, out);
                Ok(ack(vec![], "resumed".into()))
            }
            Command::Kill => {
                self.risk.killed = true;
                self.risk.paused = true;
                let ids = self.close_all(&CloseAllRequest::default(), "kill switch", out);
                let n = self.note(
                    Level::Critical,
                    Kind::KillSwitch,
                    "Kill switch",
                    format!("closing {} position(s); only reducing orders allowed", ids.len()),
                );
                self.notify(n, out);
                Ok(ack(ids, "kill switch on".into()))
            }
            Command::SetParams { version, params } => {
                params.validate().map_err(|e| Refusal(format!("invalid parameters: {}", e[0].message)))?;
                self.params = params.clone();
                self.params_version = *version;
                self.entries.reprice_all();
                // `auto` positions follow the parameters' exits, as they always did.
                let exits = self.auto_exits();
                for p in self.positions.values_mut().filter(|p| p.strategy.as_str() == StrategyId::AUTO) {
                    if p.exits != exits && p.status.is_active() {
                        p.exits = exits;
                        self.dirty_positions.insert(p.id);
                    }
                }
                Ok(ack(vec![], format!("parameters version {version} in effect")))
            }
            Command::SetStrategyCaps(caps) => {
                self.strategy_caps = caps.clone();
                Ok(ack(vec![], format!("{} strategy cap(s) in effect", caps.len())))
            }
            Command::Signal(signal) => self.receive_signal(signal, out),
            Command::CancelSignal { id, by } => self.cancel_signal(*id, by, out),
            Command::SetSymbolRules { version, rules } => {
                // Versions come from the database's primary key; an older one arriving late
                // must not undo a newer rule set.
                if *version <= self.symbol_rules_version {
                    return Err(Refusal(format!(
                        "symbol rules version {version} is not newer than version {} in effect",
                        self.symbol_rules_version
                    )));
                }
                self.symbol_rules = rules.clone();
                self.symbol_rules_version = *version;
                self.entries.reprice_all();
                self.refresh_opportunities();
                let list = |v: &[app::symbols::Pattern]| v.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ");
                let n = self.note(
                    Level::Info,
                    Kind::SymbolRules,
                    format!("Symbol rules version {version}"),
                    format!("include: {}; ignore: {}", list(&rules.include), list(&rules.ignore)),
                );
                self.notify(n, out);
                Ok(ack(vec![], format!("symbol rules version {version} in effect")))
            }
        }
    }

    /// The exits of an `auto` position: the strategy parameters' reversal and holding time.
    pub(super) fn auto_exits(&self) -> ExitRules {
        ExitRules { spread_reversal: true, close_after_hours: Some(self.params.max_holding_hours) }
    }

    /// Open a hedged position: the same sizing, pre-flight and risk checks for a manual open,
    /// the strategy's and a signal's; the position belongs to `origin`'s strategy.
    pub(super) fn open(
        &mut self,
        req: &OpenPositionRequest,
        origin: &Origin,
        out: &mut Vec<Output>,
    ) -> Result<PositionId, Refusal> {
        // First, so the operator reads the rule rather than some market-data complaint.
        if let Some(reason) = self.symbol_rules.refusal(&req.symbol) {
            return Err(Refusal(reason));
        }
        if let Some(id) = self.active_on(&req.symbol) {
            return Err(Refusal(format!("position {id} on {} is still active; close it first", req.symbol)));
        }
        // The same quotes `GET /quotes/{symbol}` answers, so the browser's preview sizes alike.
        let Some([qb, ql]) = self.quotes(&req.symbol, (req.leverage_binance, req.leverage_lighter)) else {
            return Err(Refusal(format!("no complete market data for {} on both venues", req.symbol)));
        };
        let (lev_b, lev_l) = (qb.leverage, ql.leverage);
        let sizing = OpenRequest {
            direction: req.direction,
            notional: req.notional,
            slices: req.slices.unwrap_or(self.params.slices),
            max_slice_notional: self.params.max_slice_notional,
            slippage_cap_bps: req.slippage_cap_bps.unwrap_or(self.params.slippage_cap_bps),
        };
        let plan = preview(&sizing, &qb, &ql);
        let exposure = self.exposure(&req.symbol);
        self.risk.approve_open(&self.market, &self.params, &plan, &req.symbol, exposure)?;
        let held = self.exposure_of(|s| *s == origin.strategy);
        super::risk::approve_cap(
            &format!("strategy {}", origin.strategy),
            held,
            plan.notional,
            self.strategy_caps.get(&origin.strategy).copied(),
        )?;
        if let Some((strategies, cap)) = &origin.signal_limit {
            let held = self.exposure_of(|s| strategies.contains(s));
            super::risk::approve_cap("the source's strategies", held, plan.notional, Some(*cap))?;
        }
        let id = self.next_position_id;
        self.next_position_id = id.next();
        let owner = (origin.strategy.clone(), origin.exits);
        let mut pos = Position::new(id, owner, req.symbol.clone(), req.direction, (lev_b, lev_l), self.now_ms);
        pos.target_qty = plan.qty;
        self.positions.insert(id, pos);
        self.dirty_positions.insert(id);
        self.start_execution(id, ExecKind::Open, plan.qty, plan.slices, sizing.slippage_cap_bps);
        let n = self.note(
            Level::Info,
            Kind::PositionOpening,
            format!("Opening position {id}"),
            format!(
                "{} {} x{} slices, {} USD, strategy {}",
                req.symbol,
                req.direction.label(),
                plan.slices,
                plan.notional.0.round_dp(2),
                origin.strategy
            ),
        );
        self.notify(n.symbol(&req.symbol).position(id), out);
        Ok(id)
    }

    /// Close `percent` of a position (100 closes it).
    pub(super) fn close(
        &mut self,
        id: PositionId,
        percent: Decimal,
        reason: String,
        out: &mut Vec<Output>,
    ) -> Result<(), Refusal> {
        if percent <= Decimal::ZERO || percent > Decimal::ONE_HUNDRED {
            return Err(Refusal("percent must be above 0 and at most 100".into()));
        }
        let step = self.step(id);
        let Some(pos) = self.positions.get_mut(&id) else { return Err(Refusal(format!("no position {id}"))) };
        if !pos.status.is_active() {
            return Err(Refusal(format!("position {id} is already {:?}", pos.status).to_lowercase()));
        }
        let (a, b) = pos.sizes();
        let size = a.max(b);
        let goal = if percent == Decimal::ONE_HUNDRED {
            Qty::ZERO
        } else {
            size - (size * percent / Decimal::ONE_HUNDRED).round_down_to(step)
        };
        if goal >= size && !size.is_zero() {
            return Err(Refusal(format!("{percent}% of {size} is below one step ({step})")));
        }
        self.close_to(id, goal, &format!("{percent}%: {reason}"), reason, out);
        Ok(())
    }

    /// Start closing an active position down to `goal` on both legs.
    pub(super) fn close_to(&mut self, id: PositionId, goal: Qty, what: &str, reason: String, out: &mut Vec<Output>) {
        let Some(pos) = self.positions.get_mut(&id) else { return };
        pos.status = PositionStatus::Closing;
        pos.target_qty = goal;
        pos.note = Some(reason.clone());
        self.dirty_positions.insert(id);
        let slices = self.params.slices;
        let cap = self.params.slippage_cap_bps;
        self.start_execution(id, ExecKind::Close, goal, slices, cap);
        let n = self.note(Level::Info, Kind::PositionClosing, format!("Closing position {id}"), what);
        let symbol = self.positions.get(&id).map(|p| p.symbol.clone());
        self.notify(if let Some(s) = &symbol { n.symbol(s) } else { n }.position(id), out);
    }

    fn close_all(&mut self, req: &CloseAllRequest, reason: &str, out: &mut Vec<Output>) -> Vec<PositionId> {
        let ids: Vec<PositionId> = self
            .positions
            .values()
            .filter(|p| p.status.is_active())
            .filter(|p| req.venue.is_none_or(|v| p.legs.iter().any(|l| l.venue == v)))
            .filter(|p| req.strategy.as_ref().is_none_or(|s| *s == p.strategy))
            .map(|p| p.id)
            .collect();
        ids.into_iter().filter(|id| self.close(*id, Decimal::ONE_HUNDRED, reason.to_owned(), out).is_ok()).collect()
    }

    /// Notional already held on `symbol` and in total (at entry), for the caps.
    fn exposure(&self, symbol: &app::Symbol) -> (Usd, Usd) {
        let notional = |p: &Position| p.legs[0].ledger.notional(p.legs[0].ledger.entry);
        let active = self.positions.values().filter(|p| p.status.is_active());
        let total = active.clone().map(notional).sum();
        let on_symbol = active.filter(|p| &p.symbol == symbol).map(notional).sum();
        (on_symbol, total)
    }

    /// Notional held (at entry) by the active positions of the strategies `of` selects.
    pub(super) fn exposure_of(&self, of: impl Fn(&StrategyId) -> bool) -> Usd {
        let notional = |p: &Position| p.legs[0].ledger.notional(p.legs[0].ledger.entry);
        self.positions.values().filter(|p| p.status.is_active() && of(&p.strategy)).map(notional).sum()
    }
}

/// Whose open it is: the strategy the position will belong to, its exits, and for a signal its
/// source's strategies with their joint cap.
pub(super) struct Origin {
    pub strategy: StrategyId,
    pub exits: ExitRules,
    pub signal_limit: Option<(Vec<StrategyId>, Usd)>,
}

fn ack(positions: Vec<PositionId>, message: String) -> CommandAck {
    CommandAck { positions, message }
}

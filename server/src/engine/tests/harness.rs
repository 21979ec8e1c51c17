//! Runs the pure engine against simulated venues: every output is carried out, its answer
//! and every venue event are fed back, and everything fed in is logged for replay.

use crate::engine::{Command, Engine, EngineEvent, Output, SendFailure};
use crate::settings::FaultSettings;
use crate::venue::sim::history::History;
use crate::venue::sim::{SimClock, SimConfig, SimVenue};
use crate::venue::{VenueClient, VenueError, VenueEvent};
use app::params::StrategyParams;
use app::trading::{CommandAck, OpenPositionRequest, PositionId, PositionView};
use app::{ClientOrderId, Qty, SpreadDirection, Symbol, Usd, Venue};
use rust_decimal::Decimal;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use tokio::sync::broadcast;

/// 2026-03-01 (within the recorded year, one cycle on).
pub const START: i64 = 1_772_323_200_000 + crate::venue::sim::history::PERIOD_MS;

pub struct Harness {
    pub engine: Engine,
    pub venues: HashMap<Venue, Arc<SimVenue>>,
    rx: Vec<broadcast::Receiver<VenueEvent>>,
    pub log: Vec<EngineEvent>,
    pub sends: Vec<ClientOrderId>,
    pub outputs: Vec<Output>,
    request: u64,
    /// Query each order before it reaches the venue, as a re-query racing a slow send does.
    pub query_before_send: bool,
}

pub fn params() -> StrategyParams {
    StrategyParams { slice_pause_ms: 0, ..Default::default() }
}

impl Harness {
    pub async fn new(faults: HashMap<Venue, FaultSettings>) -> Self {
        Self::with_params(faults, params()).await
    }

    pub async fn with_params(faults: HashMap<Venue, FaultSettings>, params: StrategyParams) -> Self {
        let history = History::embedded().expect("history");
        let clock = SimClock::manual(START);
        let mut venues = HashMap::new();
        let mut rx = Vec::new();
        for v in Venue::ALL {
            let config = SimConfig {
                seed: 9,
                starting_balance: Decimal::from(100_000),
                faults: faults.get(&v).cloned().unwrap_or_default(),
            };
            let sim = SimVenue::new(v, history.clone(), clock.clone(), config);
            rx.push(sim.subscribe());
            venues.insert(v, sim);
        }
        let mut h = Harness {
            engine: Engine::new(params, 1),
            venues,
            rx,
            log: vec![],
            sends: vec![],
            outputs: vec![],
            request: 0,
            query_before_send: false,
        };
        for v in Venue::ALL {
            let markets = h.venues[&v].markets().await.expect("markets");
            h.feed(EngineEvent::Markets(markets)).await;
        }
        // The market-data owner's verdict, which the live runner gets from the collector.
        let fresh = Venue::ALL.into_iter().map(app::market::Freshness::fresh).collect();
        h.feed(EngineEvent::Freshness(fresh)).await;
        h.market_tick().await;
        h
    }

    pub fn clock(&self) -> &SimClock {
        self.venues[&Venue::Binance].clock()
    }

    /// Publish market data from both venues and feed it, plus balances.
    pub async fn market_tick(&mut self) {
        for v in Venue::ALL {
            self.venues[&v].tick();
        }
        self.drain_venues().await;
        for v in Venue::ALL {
            let b = self.venues[&v].balance().await.expect("balance");
            self.feed(EngineEvent::Balance(b)).await;
        }
    }

    /// Advance time and let the engine act on it.
    pub async fn advance(&mut self, ms: i64) {
        self.clock().advance(ms);
        let now = self.clock().now_ms();
        self.market_tick().await;
        self.feed(EngineEvent::Timer { now_ms: now, wall_ms: now }).await;
    }

    async fn drain_venues(&mut self) {
        let mut events = Vec::new();
        for rx in &mut self.rx {
            while let Ok(e) = rx.try_recv() {
                events.push(e);
            }
        }
        for e in events {
            self.feed(EngineEvent::Venue(e)).await;
        }
    }

    /// Feed one event, carry out the outputs, and feed back their answers until quiet.
    pub async fn feed(&mut self, event: EngineEvent) {
        let mut queue = VecDeque::from([event]);
        let mut processed = 0;
        while let Some(e) = queue.pop_front() {
            processed += 1;
            if processed > 5_000 {
                let tail: Vec<String> =
                    self.log.iter().rev().take(12).map(|e| format!("{e:?}").chars().take(300).collect()).collect();
                let last_order = self.engine.orders().last().cloned();
                let book = self.engine.market.book(Venue::Binance, &Symbol::new("ETH").unwrap()).cloned();
                panic!(
                    "runaway: over 5000 events from one input; last order {last_order:?}\nbook {book:?}\nlast:\n{}",
                    tail.join("\n")
                );
            }
            self.log.push(e.clone());
            let outs = self.engine.process(&e);
            for o in outs {
                self.outputs.push(o.clone());
                match o {
                    Output::Send(approved, venue) => {
                        let req = approved.into_inner();
                        self.sends.push(req.client_order_id.clone());
                        if self.query_before_send {
                            let early = self.venues[&venue].query_order(&req.symbol, &req.client_order_id).await;
                            let result = early.map_err(|e| e.to_string());
                            queue.push_back(EngineEvent::Queried { id: req.client_order_id.clone(), result });
                        }
                        let result = self.venues[&venue].place_order(&req).await.map_err(|e| match e {
                            VenueError::OutcomeUnknown { message, .. } => SendFailure::Unknown(message),
                            other => SendFailure::Refused(other.to_string()),
                        });
                        queue.push_back(EngineEvent::Sent { id: req.client_order_id, result });
                    }
                    Output::Query { venue, symbol, id } => {
                        let result = self.venues[&venue].query_order(&symbol, &id).await.map_err(|e| e.to_string());
                        queue.push_back(EngineEvent::Queried { id, result });
                    }
                    _ => {}
                }
            }
            for rx in &mut self.rx {
                while let Ok(ev) = rx.try_recv() {
                    queue.push_back(EngineEvent::Venue(ev));
                }
            }
        }
    }

    pub async fn command(&mut self, command: Command) -> Result<CommandAck, String> {
        self.request += 1;
        let request = self.request;
        let before = self.outputs.len();
        self.feed(EngineEvent::Command { request, command }).await;
        self.outputs[before..]
            .iter()
            .find_map(|o| match o {
                Output::Reply { request: r, result } if *r == request => Some(result.clone().map_err(|e| e.0)),
                _ => None,
            })
            .expect("a reply")
    }

    /// Open in the direction the spread pays now.
    pub async fn open(&mut self, symbol: &str, notional: i64) -> Result<CommandAck, String> {
        let sym = Symbol::new(symbol).expect("symbol");
        let direction = self
            .engine
            .opportunities()
            .into_iter()
            .find(|o| o.symbol == sym)
            .map_or(SpreadDirection::LongLighterShortBinance, |o| o.direction);
        let req = OpenPositionRequest {
            symbol: sym,
            direction,
            notional: Usd(Decimal::from(notional)),
            leverage_binance: None,
            leverage_lighter: None,
            slices: Some(4),
            slippage_cap_bps: None,
            exit_on_reversal: false,
            close_after_hours: None,
        };
        self.command(Command::Open(req)).await
    }

    /// Step time until the engine has no execution left (or `max` steps).
    pub async fn settle(&mut self, max: usize) {
        for _ in 0..max {
            if self.engine.executions.is_empty() {
                return;
            }
            self.advance(1_000).await;
        }
    }

    /// The position as the engine shows it now, or, once the engine has let it go, as it was
    /// last stored.
    pub fn position(&self, id: PositionId) -> PositionView {
        self.engine.position(id).or_else(|| self.stored_position(id)).expect("position")
    }

    /// The last view of the position among the outputs (what the runner stores).
    pub fn stored_position(&self, id: PositionId) -> Option<PositionView> {
        self.outputs.iter().rev().find_map(|o| match o {
            Output::Position(p) if p.id == id => Some(p.clone()),
            _ => None,
        })
    }

    /// Every position ever opened: the engine's working set, and the stored view of those it
    /// has let go.
    pub fn all_positions(&self) -> Vec<PositionView> {
        let mut ids: Vec<PositionId> =
            self.outputs.iter().filter_map(|o| if let Output::Position(p) = o { Some(p.id) } else { None }).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter().map(|id| self.position(id)).collect()
    }

    /// One slice of a 4-slice execution, as the executor rounds it (up, to the common step).
    pub fn slice_bound(&self, id: PositionId) -> Qty {
        let step = self.engine.step(id);
        let target = self.position(id).target_qty;
        ((target / Decimal::from(4)).round_down_to(step) + step).max(step)
    }

    /// Largest leg difference seen in any position view emitted so far.
    pub fn max_naked(&self) -> Qty {
        self.outputs
            .iter()
            .filter_map(|o| match o {
                Output::Position(p) => Some((p.legs[0].qty.abs() - p.legs[1].qty.abs()).abs()),
                _ => None,
            })
            .max()
            .unwrap_or_default()
    }

    /// The venue's own view of each leg, the truth the books must match.
    pub async fn venue_qty(&self, venue: Venue, symbol: &str) -> Decimal {
        let s = Symbol::new(symbol).expect("symbol");
        self.venues[&venue]
            .positions()
            .await
            .expect("positions")
            .into_iter()
            .find(|p| p.symbol == s)
            .map_or(Decimal::ZERO, |p| p.qty.0)
    }
}

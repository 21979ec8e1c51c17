//! Signals in the engine: their turn per strategy and symbol, refusals word for word, opens
//! that wait out passing conditions and expire, closes that keep retrying through a venue's
//! refusals, cancels, and a restart in the middle that sends nothing twice. And the exits that
//! belong to a position's strategy.

use super::harness::*;
use crate::engine::signals::Signal;
use crate::engine::{Command, Engine, EngineEvent, Output};
use crate::venue::VenueClient;
use app::market::Freshness;
use app::notification::Kind;
use app::params::StrategyParams;
use app::signal::{SignalAction, SignalRecord, SignalRequest, SignalStatus, SourceLimits};
use app::strategy::ExitRules;
use app::trading::{OpenPositionRequest, PositionId, PositionStatus};
use app::{SpreadDirection, StrategyId, Symbol, Usd, Venue};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

fn carry() -> StrategyId {
    StrategyId::new("carry-1").unwrap()
}

fn limits() -> SourceLimits {
    SourceLimits { strategies: vec![carry()], max_total_notional: None, exits: ExitRules::default() }
}

fn request(signal_id: &str, action: SignalAction, symbol: &str) -> SignalRequest {
    let open = action == SignalAction::Open;
    SignalRequest {
        signal_id: signal_id.into(),
        strategy: carry(),
        action,
        symbol: Some(Symbol::new(symbol).unwrap()),
        direction: open.then_some(SpreadDirection::LongLighterShortBinance),
        notional: open.then(|| Usd(Decimal::from(4_000))),
        percent: None,
        position_id: None,
        slices: Some(4),
        slippage_cap_bps: None,
        expires_at_ms: None,
    }
}

impl Harness {
    /// Hand the engine a signal as the intake would, stored as `id`.
    async fn signal(&mut self, id: i64, req: &SignalRequest, expires_at_ms: Option<i64>) -> SignalRecord {
        let now = self.clock().now_ms();
        let record = SignalRecord::received(id, "research", req, expires_at_ms, now);
        let ack = self.command(Command::Signal(Box::new(Signal::new(record, limits())))).await;
        assert!(ack.is_ok(), "{ack:?}");
        self.record(id)
    }

    fn record(&self, id: i64) -> SignalRecord {
        self.engine.signal_records().into_iter().find(|r| r.id == id).expect("signal")
    }

    fn notified(&self, kind: Kind) -> Vec<String> {
        self.outputs
            .iter()
            .filter_map(|o| match o {
                Output::Notify(n) if n.kind == Some(kind) => Some(format!("{}: {}", n.title, n.message)),
                _ => None,
            })
            .collect()
    }

    async fn until(&mut self, steps: usize, done: impl Fn(&Harness) -> bool) {
        for _ in 0..steps {
            if done(self) {
                return;
            }
            self.advance(1_000).await;
        }
    }
}

/// Slices a second apart: an execution spans several events.
fn paced() -> StrategyParams {
    StrategyParams { slice_pause_ms: 1_000, ..params() }
}

#[tokio::test]
async fn an_open_runs_then_the_close_behind_it_takes_its_turn_and_both_are_done() {
    let mut h = Harness::with_params(HashMap::new(), paced()).await;
    let open = h.signal(1, &request("o-1", SignalAction::Open, "ETH"), None).await;
    assert_eq!(open.status, SignalStatus::Executing, "started at once: {open:?}");
    let pid = open.positions[0];
    let close = h.signal(2, &request("c-1", SignalAction::Close, "ETH"), None).await;
    assert_eq!(close.status, SignalStatus::Received, "waits for the open of the same strategy and symbol");
    h.until(60, |h| h.record(2).status.is_final()).await;

    let (open, close) = (h.record(1), h.record(2));
    assert_eq!((open.status, open.attempts, open.positions.clone()), (SignalStatus::Done, 1, vec![pid]));
    assert_eq!((close.status, close.positions.clone()), (SignalStatus::Done, vec![pid]), "{close:?}");
    let p = h.position(pid);
    assert_eq!((p.status, p.strategy.clone(), p.exits), (PositionStatus::Closed, carry(), ExitRules::default()));
    assert!(h.engine.orders().iter().all(|o| o.strategy == carry()));
    let mut sends = h.sends.clone();
    sends.sort();
    sends.dedup();
    assert_eq!(sends.len(), h.sends.len(), "no order sent twice");
    // Every change of a signal went out to be stored, the last one final.
    let last = h.outputs.iter().rev().find_map(|o| match o {
        Output::Signal(r) if r.id == 2 => Some(r.status),
        _ => None,
    });
    assert_eq!(last, Some(SignalStatus::Done));
}

#[tokio::test]
async fn a_risk_refusal_rejects_the_signal_with_its_words_and_tells_people() {
    let mut h = Harness::new(HashMap::new()).await;
    let caps = BTreeMap::from([(carry(), Usd(Decimal::from(1_000)))]);
    h.command(Command::SetStrategyCaps(caps)).await.unwrap();
    let r = h.signal(1, &request("o-1", SignalAction::Open, "ETH"), None).await;
    assert_eq!(r.status, SignalStatus::Rejected);
    let reason = r.reason.unwrap();
    assert!(reason.starts_with("cap: strategy carry-1 would hold"), "{reason}");
    assert!(reason.ends_with("above its cap of 1000 USD"), "{reason}");
    assert!(r.positions.is_empty() && h.sends.is_empty());
    let told = h.notified(Kind::SignalFailed);
    assert!(told.iter().any(|t| t.contains("research/o-1 rejected") && t.contains(&reason)), "{told:?}");

    // A close of nothing is rejected as well.
    let r = h.signal(2, &request("c-1", SignalAction::Close, "BTC"), None).await;
    assert_eq!(r.reason.as_deref(), Some("strategy carry-1 has no active position on BTC"));
}

#[tokio::test]
async fn an_open_waits_out_stale_data_then_expires_with_the_reason() {
    let mut h = Harness::new(HashMap::new()).await;
    let stale = Freshness { venue: Venue::Lighter, stale: Some("lighter: no market update for 31 s".into()) };
    h.feed(EngineEvent::Freshness(vec![stale])).await;
    let expiry = h.clock().now_ms() + 10_000;
    let r = h.signal(1, &request("o-1", SignalAction::Open, "ETH"), Some(expiry)).await;
    assert_eq!(r.status, SignalStatus::Received);
    assert_eq!(r.reason.as_deref(), Some("cannot open: lighter: no market update for 31 s"));
    h.until(20, |h| h.record(1).status.is_final()).await;
    let r = h.record(1);
    assert_eq!(r.status, SignalStatus::Expired);
    assert_eq!(r.reason.as_deref(), Some("expired: cannot open: lighter: no market update for 31 s"));
    assert!(h.sends.is_empty());

    // Data fresh again: the next open goes through.
    h.feed(EngineEvent::Freshness(vec![Freshness::fresh(Venue::Lighter)])).await;
    let r = h.signal(2, &request("o-2", SignalAction::Open, "ETH"), Some(h.clock().now_ms() + 10_000)).await;
    assert!(matches!(r.status, SignalStatus::Executing | SignalStatus::Done), "{r:?}");
    assert_eq!(r.positions.len(), 1);
}

#[tokio::test]
async fn a_close_keeps_retrying_through_a_minute_of_refusals_and_completes_when_the_venues_recover() {
    let mut h = Harness::new(HashMap::new()).await;
    let pid = h.signal(1, &request("o-1", SignalAction::Open, "SOL"), None).await.positions[0];
    h.until(30, |h| h.record(1).status.is_final()).await;
    assert_eq!(h.position(pid).status, PositionStatus::Open);

    for v in Venue::ALL {
        h.venues[&v].refuse_orders(true);
    }
    h.signal(2, &request("c-1", SignalAction::Close, "SOL"), None).await;
    for _ in 0..60 {
        h.advance(1_000).await;
    }
    let r = h.record(2);
    assert_eq!(r.status, SignalStatus::Executing, "a close never gives up: {r:?}");
    assert!(r.attempts >= 2, "tried again: {r:?}");
    assert!(r.reason.as_deref().unwrap_or_default().contains("retrying"), "{r:?}");
    assert!(h.notified(Kind::SignalFailed).iter().any(|t| t.contains("Close signal c-1 retrying")));
    assert!(h.position(pid).legs[0].qty.0 > Decimal::ZERO, "nothing closed while refused");

    for v in Venue::ALL {
        h.venues[&v].refuse_orders(false);
    }
    h.until(120, |h| h.record(2).status.is_final()).await;
    let p = h.position(pid);
    assert_eq!((h.record(2).status, p.status), (SignalStatus::Done, PositionStatus::Closed), "{:?}", h.record(2));
    assert_eq!(
        (h.venue_qty(Venue::Lighter, "SOL").await, h.venue_qty(Venue::Binance, "SOL").await),
        (0.into(), 0.into())
    );
}

#[tokio::test]
async fn an_open_the_venues_keep_refusing_is_retried_then_fails_at_its_expiry() {
    let mut h = Harness::new(HashMap::new()).await;
    for v in Venue::ALL {
        h.venues[&v].refuse_orders(true);
    }
    let expiry = h.clock().now_ms() + 30_000;
    h.signal(1, &request("o-1", SignalAction::Open, "ETH"), Some(expiry)).await;
    h.until(60, |h| h.record(1).status.is_final()).await;
    let r = h.record(1);
    assert_eq!(r.status, SignalStatus::Failed, "{r:?}");
    assert!(r.attempts >= 2, "retried with back-off: {r:?}");
    assert_eq!(r.positions.len() as u32, r.attempts, "one position per attempt, each unwound");
    let reason = r.reason.unwrap_or_default();
    assert!(reason.starts_with(&format!("failed after {} attempt(s): open stopped", r.attempts)), "{reason}");
    assert!(r.positions.iter().all(|p| h.position(*p).status == PositionStatus::Failed));
}

#[tokio::test]
async fn a_cancelled_signal_starts_nothing() {
    let mut h = Harness::new(HashMap::new()).await;
    h.feed(EngineEvent::Freshness(vec![Freshness { venue: Venue::Binance, stale: Some("binance: stale".into()) }]))
        .await;
    h.signal(1, &request("o-1", SignalAction::Open, "ETH"), Some(h.clock().now_ms() + 600_000)).await;
    let ack = h.command(Command::CancelSignal { id: 1, by: "alice".into() }).await.unwrap();
    assert_eq!(ack.message, "signal 1 cancelled");
    assert_eq!(h.record(1).reason.as_deref(), Some("cancelled by alice"));
    let again = h.command(Command::CancelSignal { id: 1, by: "alice".into() }).await;
    assert_eq!(again.unwrap_err(), "signal 1 is already cancelled");
    h.feed(EngineEvent::Freshness(vec![Freshness::fresh(Venue::Binance)])).await;
    h.advance(5_000).await;
    assert!(h.sends.is_empty() && h.engine.positions().is_empty());
}

#[tokio::test]
async fn a_restart_mid_execution_resumes_the_signal_and_sends_nothing_twice() {
    let mut h = Harness::with_params(HashMap::new(), paced()).await;
    let r = h.signal(1, &request("o-1", SignalAction::Open, "ETH"), None).await;
    let pid = r.positions[0];
    h.advance(1_000).await;
    assert_eq!(h.record(1).status, SignalStatus::Executing);
    let sent_before = h.sends.len();
    assert!(sent_before >= 2);

    // What the database holds after the last stored event, into a new engine.
    let position = h.engine.position_state(pid).unwrap();
    let signal = h.engine.signal_state(1).unwrap();
    let orders = h.engine.orders();
    let mut engine = Engine::new(paced(), 1);
    engine.restore(vec![position], orders);
    engine.restore_signals(vec![signal]);
    h.engine = engine;
    for v in Venue::ALL {
        let markets = h.venues[&v].markets().await.unwrap();
        h.feed(EngineEvent::Markets(markets)).await;
    }
    h.feed(EngineEvent::Freshness(Venue::ALL.into_iter().map(Freshness::fresh).collect())).await;
    h.until(60, |h| h.record(1).status.is_final()).await;

    let r = h.record(1);
    assert_eq!((r.status, r.attempts, r.positions.clone()), (SignalStatus::Done, 1, vec![pid]), "{r:?}");
    assert_eq!(h.position(pid).status, PositionStatus::Open);
    let mut sends = h.sends.clone();
    sends.sort();
    sends.dedup();
    assert_eq!(sends.len(), h.sends.len(), "no order sent twice across the restart");
    let (l, b) = (h.venue_qty(Venue::Lighter, "ETH").await, h.venue_qty(Venue::Binance, "ETH").await);
    assert_eq!(l, -b, "hedged");
    assert_eq!(h.engine.positions().len(), 1, "one position, not two");
}

/// Reversal counts on every funding update: a threshold this high makes every update one.
fn reversing() -> StrategyParams {
    StrategyParams {
        entry_confirmations: 1,
        entry_min_apr: Decimal::from(9),
        exit_below_apr: Decimal::from(9),
        ..params()
    }
}

#[tokio::test]
async fn a_manual_position_is_closed_only_by_a_person_or_a_risk_rule_unless_the_form_said_otherwise() {
    let mut h = Harness::with_params(HashMap::new(), reversing()).await;
    let open = |symbol: &str, exit_on_reversal: bool, close_after_hours: Option<u32>| OpenPositionRequest {
        symbol: Symbol::new(symbol).unwrap(),
        direction: SpreadDirection::LongLighterShortBinance,
        notional: Usd(Decimal::from(3_000)),
        leverage_binance: None,
        leverage_lighter: None,
        slices: Some(2),
        slippage_cap_bps: None,
        exit_on_reversal,
        close_after_hours,
    };
    let plain = h.command(Command::Open(open("ETH", false, None))).await.unwrap().positions[0];
    let reversal = h.command(Command::Open(open("SOL", true, None))).await.unwrap().positions[0];
    let timed = h.command(Command::Open(open("BTC", false, Some(2)))).await.unwrap().positions[0];
    h.settle(20).await;
    for _ in 0..(3 * 60) {
        h.advance(60_000).await;
    }
    let status = |h: &Harness, id: PositionId| {
        let p = h.position(id);
        (p.status, p.note.unwrap_or_default())
    };
    let (s, note) = status(&h, plain);
    assert_eq!((s, note.as_str()), (PositionStatus::Open, ""), "no exit of its own: {note}");
    let p = h.position(plain);
    assert_eq!((p.strategy, p.exits), (StrategyId::manual(), ExitRules::default()));
    let (s, note) = status(&h, reversal);
    assert!(s == PositionStatus::Closed && note.starts_with("spread reversal"), "{s:?} {note}");
    let (s, note) = status(&h, timed);
    assert_eq!((s, note.as_str()), (PositionStatus::Closed, "maximum holding time of 2 h reached"));
}

#[tokio::test]
async fn the_automatic_strategy_keeps_its_exits_and_close_all_can_take_one_strategy() {
    let mut h = Harness::with_params(HashMap::new(), StrategyParams { max_holding_hours: 5, ..params() }).await;
    let manual = h.open("ETH", 3_000).await.unwrap().positions[0];
    let signalled = h.signal(1, &request("o-1", SignalAction::Open, "SOL"), None).await.positions[0];
    h.settle(20).await;
    let req = app::trading::CloseAllRequest { venue: None, strategy: Some(carry()) };
    let ack = h.command(Command::CloseAll(req)).await.unwrap();
    assert_eq!(ack.positions, vec![signalled]);
    h.settle(20).await;
    assert_eq!(h.position(manual).status, PositionStatus::Open);
    assert_eq!(h.position(signalled).status, PositionStatus::Closed);

    // An `auto` position restored from before exits existed takes the parameters' exits.
    let mut state = h.engine.position_state(manual).unwrap();
    state["position"]["strategy"] = serde_json::json!("auto");
    state["position"].as_object_mut().unwrap().remove("exits");
    let mut engine = Engine::new(StrategyParams { max_holding_hours: 5, ..params() }, 1);
    engine.restore(vec![state], vec![]);
    let exits = engine.position(manual).unwrap().exits;
    assert_eq!(exits, ExitRules { spread_reversal: true, close_after_hours: Some(5) });
}

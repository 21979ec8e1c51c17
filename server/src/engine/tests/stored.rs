//! Positions stored by earlier builds restore unchanged: the `position_state` JSON written when
//! the ledger, the position and the execution held bare decimals reads into the typed fields
//! (`Qty`, `Price`, `Usd`, `PositionId`) and is written back byte for byte the same, with only
//! the exit rules added (none for a manual position; the migration named its strategy).

use crate::engine::Engine;
use app::params::StrategyParams;
use app::trading::{PositionId, PositionStatus};
use app::{Price, Qty, Usd, Venue};
use rust_decimal_macros::dec;
use serde_json::json;

/// A closing position with an execution in flight, as the database holds it.
fn stored_by_the_untyped_code() -> serde_json::Value {
    json!({
        "position": {
            "id": 7,
            "strategy": "manual",
            "symbol": "ETH",
            "direction": "long_lighter_short_binance",
            "status": "closing",
            "target_qty": "0.50",
            "legs": [
                {
                    "venue": "lighter",
                    "side": "buy",
                    "ledger": { "qty": "1.00", "entry": "2500.5", "realized": "0", "fees": "0", "funding": "-0.0125" },
                    "leverage": 3,
                    "last_funding_ms": 1_700_000_000_000_i64
                },
                {
                    "venue": "binance",
                    "side": "sell",
                    "ledger": {
                        "qty": "-1.00", "entry": "2501.25", "realized": "0.75", "fees": "0.62531", "funding": "0.04"
                    },
                    "leverage": 3,
                    "last_funding_ms": 1_699_999_200_000_i64
                }
            ],
            "opened_ms": 1_699_990_000_000_i64,
            "closed_ms": null,
            "note": "manual close",
            "executions": 2
        },
        "execution": {
            "kind": "Close",
            "seq": 2,
            "goal": "0.50",
            "slice_qty": "0.25",
            "slice_no": 1,
            "next_at": 1_700_000_500_000_i64,
            "pause_ms": 500,
            "slippage_cap_bps": 20,
            "inflight": ["arb7-2-1b", "arb7-2-1l"],
            "order_no": 2,
            "repairs": 0,
            "failed_slices": 0,
            "slice_start": ["1.00", "1.00"]
        }
    })
}

#[test]
fn a_position_stored_with_bare_decimals_restores_and_is_stored_again_unchanged() {
    let stored = stored_by_the_untyped_code();
    let mut engine = Engine::new(StrategyParams::default(), 1);
    engine.restore(vec![stored.clone()], vec![]);
    let id = PositionId::new(7);
    let view = engine.position(id).expect("restored");
    assert_eq!((view.status, view.target_qty), (PositionStatus::Closing, Qty(dec!(0.5))));
    let legs: Vec<(Venue, Qty, Price)> = view.legs.iter().map(|l| (l.venue, l.qty, l.entry_price)).collect();
    assert_eq!(
        legs,
        [(Venue::Lighter, Qty(dec!(1)), Price(dec!(2500.5))), (Venue::Binance, Qty(dec!(-1)), Price(dec!(2501.25)))]
    );
    // No marks yet: each leg is valued at its entry, so only booked money counts.
    let p = view.pnl;
    assert_eq!(
        (p.price_realized, p.price_unrealized, p.fees, p.funding_settled),
        (Usd(dec!(0.75)), Usd::ZERO, Usd(dec!(0.62531)), Usd(dec!(0.0275)))
    );
    assert_eq!(p.net, Usd(dec!(0.15219)));
    let mut expected = stored;
    expected["position"]["exits"] = json!({"spread_reversal": false, "close_after_hours": null});
    assert_eq!(engine.position_state(id), Some(expected), "written back exactly as it was read");
}

//! The report's arithmetic on hand-made ledgers: exit reasons, drawdown, ratios.

use super::*;
use app::backtest::EquityPoint;
use rust_decimal_macros::dec;

fn point(day: &str, equity: Decimal) -> EquityPoint {
    EquityPoint { day: day.into(), equity: Usd(equity), drawdown: Usd::ZERO }
}

#[test]
fn exit_reasons_come_from_the_engines_notes() {
    let cases = [
        (Some("spread reversal: held direction earns -3.1% APR"), "spread_reversal"),
        (Some("stop-loss: net -20 is -21% of margin"), "stop_loss"),
        (Some("take-profit: net 30 is 25% of margin"), "take_profit"),
        (Some("liquidation buffer: binance mark 1 is within 5% of liquidation 0.96"), "liquidation_buffer"),
        (Some("maximum holding time of 336 h reached"), "max_holding_time"),
        (Some("close-all"), "end_of_window"),
        (Some("manual close"), "other"),
        (None, "other"),
    ];
    for (note, want) in cases {
        assert_eq!(exit_reason(note), want, "{note:?}");
    }
}

#[test]
fn the_deepest_drawdown_by_hand() {
    // Peak 1010 on day 2, trough 990 on day 4: 20 USD, 1.9802 % of the peak; a later, shallower
    // dip does not replace it.
    let curve = [
        point("d1", dec!(1000)),
        point("d2", dec!(1010)),
        point("d3", dec!(1000)),
        point("d4", dec!(990)),
        point("d5", dec!(1020)),
        point("d6", dec!(1015)),
    ];
    let dd = deepest_drawdown(&curve);
    assert_eq!(dd.usd, dec!(20));
    assert_eq!(dd.pct, dec!(1.9802));
    assert_eq!((dd.start.as_deref(), dd.end.as_deref()), (Some("d2"), Some("d4")));
}

#[test]
fn flat_equity_has_no_ratios_and_returns_give_signed_ones() {
    let flat = [point("a", dec!(100)), point("b", dec!(100)), point("c", dec!(100))];
    assert_eq!(sharpe_sortino(&flat), (Decimal::ZERO, Decimal::ZERO));
    // Returns +1 %, -1 %, +2 %: mean 0.6667 %, sample sd 1.5275 %, downside sqrt(1/3) %.
    let curve = [point("a", dec!(100)), point("b", dec!(101)), point("c", dec!(99.99)), point("d", dec!(101.9898))];
    let (sharpe, sortino) = sharpe_sortino(&curve);
    let mean: f64 = (0.01 - 0.01 + 0.02) / 3.0;
    let sd = (((0.01 - mean).powi(2) + (-0.01 - mean).powi(2) + (0.02 - mean).powi(2)) / 2.0_f64).sqrt();
    let down = (0.0001_f64 / 3.0).sqrt();
    let close = |d: Decimal, x: f64| (d.to_f64().unwrap() - x).abs() < 1e-4;
    assert!(close(sharpe, mean / sd * 365f64.sqrt()), "{sharpe}");
    assert!(close(sortino, mean / down * 365f64.sqrt()), "{sortino}");
}

#[test]
fn the_budget_is_the_margin_of_the_whole_cap() {
    let params = app::params::StrategyParams::default();
    let spec = super::super::spec::Spec {
        from_ms: 0,
        to_ms: 1,
        symbols: vec![],
        params,
        resolution: app::backtest::Resolution::Hour,
        strict: false,
        seed: 1,
        starting_balance: Decimal::ZERO,
    };
    // 50,000 at 3x on each leg.
    assert_eq!(budget(&spec), Usd(dec!(33333.33)));
}

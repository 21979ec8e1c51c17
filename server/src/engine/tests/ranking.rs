//! The board is the same whether or not the strategy priced a symbol's costs when it observed
//! it: a spread that cannot clear the entry threshold is priced when the board is read.

use super::harness::{Harness, params};
use app::params::StrategyParams;
use app::trading::Opportunity;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::collections::HashMap;

/// The board with the confirmations left out (they depend on the threshold by design).
fn board(h: &Harness) -> Vec<Opportunity> {
    h.engine.opportunities().into_iter().map(|o| Opportunity { confirmations: 0, ..o }).collect()
}

#[tokio::test]
async fn the_board_does_not_depend_on_what_the_threshold_let_the_strategy_skip() {
    // Every spread clears -100 % (all priced as observed), none clears 1,000 % (none priced).
    let at = |entry_min_apr: Decimal| StrategyParams { entry_min_apr, auto_open: false, ..params() };
    let mut all = Harness::with_params(HashMap::new(), at(dec!(-1))).await;
    let mut none = Harness::with_params(HashMap::new(), at(dec!(10))).await;
    for minute in 0..5 {
        all.advance(60_000).await;
        none.advance(60_000).await;
        let (a, n) = (board(&all), board(&none));
        assert_eq!(a.len(), 18, "minute {minute}: every symbol is ranked");
        assert_eq!(a, n, "minute {minute}");
        // Costs are priced in: each net APR is below its gross spread, best first.
        assert!(a.iter().all(|o| o.net_apr < o.spread_apr && o.notional.0 > Decimal::ZERO));
        assert!(a.windows(2).all(|w| w[0].net_apr >= w[1].net_apr));
        // And the threshold did its part: everything confirmed at -100 %, nothing at 1,000 %.
        assert!(all.engine.opportunities().iter().all(|o| o.confirmations > 0));
        assert!(none.engine.opportunities().iter().all(|o| o.confirmations == 0));
    }
}

//! The browser's preview equals the engine's plan: the quotes `GET /quotes/{symbol}` answers
//! (`Engine::quotes`, through JSON as the browser receives them) fed to `app::sizing::preview`
//! with the form's inputs give the quantity, slices, slice size and limit prices the engine
//! then opens with.

use super::harness::*;
use crate::engine::Command;
use app::sizing::{LegQuote, OpenRequest, preview};
use app::trading::{OpenPositionRequest, OrderPurpose, PositionStatus};
use app::{Symbol, Usd, Venue};
use rust_decimal_macros::dec;
use std::collections::HashMap;

#[tokio::test]
async fn the_browser_preview_equals_what_the_engine_opens() {
    for (symbol, notional, slices, lev, cap) in
        [("ETH", dec!(5000), 3, (5, 2), 15), ("BTC", dec!(7300), 4, (3, 3), 20), ("SOL", dec!(2100), 1, (10, 4), 5)]
    {
        let mut h = Harness::new(HashMap::new()).await;
        h.advance(1_000).await;
        let sym = Symbol::new(symbol).unwrap();
        let direction = h.engine.opportunities().into_iter().find(|o| o.symbol == sym).unwrap().direction;

        // The browser: the endpoint's answer at the default leverage, the form's leverages set
        // on it, the parameters of `GET /config` for what the form leaves to the engine.
        let answer = serde_json::to_string(&h.engine.quotes(&sym, (None, None)).unwrap().to_vec()).unwrap();
        let mut quotes: Vec<LegQuote> = serde_json::from_str(&answer).unwrap();
        assert_eq!((quotes[0].venue, quotes[1].venue), (Venue::Binance, Venue::Lighter));
        (quotes[0].leverage, quotes[1].leverage) = lev;
        let params = h.engine.params().0.clone();
        let form = OpenRequest {
            direction,
            notional: Usd(notional),
            slices,
            max_slice_notional: params.max_slice_notional,
            slippage_cap_bps: cap,
        };
        let shown = preview(&form, &quotes[0], &quotes[1]);
        assert!(shown.is_ok(), "{symbol}: {:?}", shown.refusals);

        // The engine, for the same request.
        let req = OpenPositionRequest {
            symbol: sym.clone(),
            direction,
            notional: Usd(notional),
            leverage_binance: Some(lev.0),
            leverage_lighter: Some(lev.1),
            slices: Some(slices),
            slippage_cap_bps: Some(cap),
            exit_on_reversal: false,
            close_after_hours: None,
        };
        let id = h.command(Command::Open(req)).await.unwrap().positions[0];
        h.settle(30).await;
        let p = h.position(id);
        assert_eq!(p.status, PositionStatus::Open, "{symbol}: {p:?}");
        assert_eq!(p.target_qty, shown.qty, "{symbol}: quantity");
        assert_eq!(p.legs[0].qty.0.abs(), shown.qty.0, "{symbol}: filled to the previewed quantity");

        let opens: Vec<_> = h.engine.orders().into_iter().filter(|o| o.purpose == OrderPurpose::Open).collect();
        let slices_sent = opens.iter().map(|o| o.slice).max().unwrap();
        assert_eq!(slices_sent, shown.slices, "{symbol}: slices");
        // The first slice went out with the command, on the quotes the preview used.
        for leg in &shown.legs {
            let first = opens.iter().find(|o| o.slice == 1 && o.venue == leg.venue).unwrap();
            assert_eq!(first.side, leg.side, "{symbol} {}", leg.venue);
            assert_eq!(first.qty, shown.slice_qty, "{symbol} {}: slice size", leg.venue);
            assert_eq!(first.limit_price, Some(leg.limit_price), "{symbol} {}: limit price", leg.venue);
        }
    }
}

//! The forms' parsing and the preview's inputs.

use super::*;
use app::FundingInterval;
use app::FundingRate;
use app::market::MarketFilters;
use app::{Price, Qty};
use rust_decimal_macros::dec;

fn form() -> OpenForm {
    OpenForm {
        symbol: "ETH".into(),
        direction: Some(SpreadDirection::LongLighterShortBinance),
        notional: "5,000".into(),
        ..Default::default()
    }
}

#[test]
fn the_exits_travel_with_the_open() {
    let req = OpenForm { exit_on_reversal: true, close_after_hours: "24".into(), ..form() }.parse().unwrap();
    assert_eq!((req.exit_on_reversal, req.close_after_hours), (true, Some(24)));
    let req = form().parse().unwrap();
    assert_eq!((req.exit_on_reversal, req.close_after_hours), (false, None), "none unless ticked");
}

#[test]
fn a_valid_form_leaves_empty_fields_to_the_engine() {
    let req = form().parse().unwrap();
    assert_eq!(req.notional, Usd(dec!(5000)));
    assert_eq!((req.slices, req.leverage_binance, req.slippage_cap_bps), (None, None, None));
    let req = OpenForm { slices: "3".into(), leverage_lighter: " 5 ".into(), ..form() }.parse().unwrap();
    assert_eq!((req.slices, req.leverage_lighter), (Some(3), Some(5)));
}

#[test]
fn each_bad_field_gets_its_own_message() {
    let bad = OpenForm {
        symbol: String::new(),
        direction: None,
        notional: "-5".into(),
        leverage_binance: "1.5".into(),
        leverage_lighter: "51".into(),
        slices: "0".into(),
        slippage_cap_bps: "abc".into(),
        exit_on_reversal: true,
        close_after_hours: "0".into(),
    };
    let e = bad.parse().unwrap_err();
    assert_eq!(e["symbol"], "choose a symbol");
    assert_eq!(e["direction"], "choose a direction");
    assert_eq!(e["notional"], "must be positive");
    assert_eq!(e["leverage_binance"], "a whole number, got 1.5");
    assert_eq!(e["leverage_lighter"], "must be 1 to 50, got 51");
    assert_eq!(e["slices"], "must be 1 to 100, got 0");
    assert_eq!(e["slippage_cap_bps"], "a whole number, got abc");
    assert_eq!(e["close_after_hours"], "must be 1 to 8760 hours, got 0");
    assert_eq!(e.len(), 8);
    let e = OpenForm { notional: "1e3".into(), ..form() }.parse().unwrap_err();
    assert_eq!(e["notional"], "a number, got 1e3");
    let e = OpenForm { symbol: "eth".into(), ..form() }.parse().unwrap_err();
    assert!(e["symbol"].contains("upper-case"), "{e:?}");
}

#[test]
fn close_form() {
    let ok = CloseForm { position_id: Some(PositionId::new(3)), percent: "50".into() }.parse().unwrap();
    assert_eq!((ok.position_id, ok.percent), (PositionId::new(3), dec!(50)));
    let e = CloseForm { position_id: None, percent: "150".into() }.parse().unwrap_err();
    assert_eq!(e["position_id"], "choose a position");
    assert_eq!(e["percent"], "must be above 0 and at most 100");
    let e = CloseForm { position_id: Some(PositionId::new(1)), percent: "0".into() }.parse().unwrap_err();
    assert_eq!(e["percent"], "must be above 0 and at most 100");
}

fn quote(venue: Venue, mark: Decimal) -> LegQuote {
    LegQuote {
        venue,
        filters: MarketFilters {
            tick_size: Price(dec!(0.1)),
            step_size: Qty(dec!(0.001)),
            min_qty: Qty(dec!(0.001)),
            min_notional: Usd(dec!(5)),
        },
        mark: Price(mark),
        bid: Price(mark - dec!(0.1)),
        ask: Price(mark + dec!(0.1)),
        taker_fee: dec!(0.0005),
        leverage: 3,
        max_leverage: 20,
        available_margin: Usd(dec!(10000)),
        rate: FundingRate::new(dec!(0.0001), FundingInterval::HOURLY),
    }
}

#[test]
fn the_preview_uses_the_form_then_the_parameters() {
    let quotes = [quote(Venue::Binance, dec!(2000)), quote(Venue::Lighter, dec!(2000))];
    let params = StrategyParams { slices: 5, slippage_cap_bps: 10, leverage_binance: 2, ..Default::default() };
    let req = OpenForm { leverage_lighter: "4".into(), ..form() }.parse().unwrap();
    let p = preview_for(&req, &quotes, &params).unwrap();
    assert_eq!((p.qty, p.slices, p.slice_qty), (Qty(dec!(2.5)), 5, Qty(dec!(0.5))));
    // Margin at the parameters' 2x on Binance, the form's 4x on Lighter.
    let margin = |v: Venue| p.legs.iter().find(|l| l.venue == v).unwrap().margin;
    assert_eq!((margin(Venue::Binance), margin(Venue::Lighter)), (Usd(dec!(2500)), Usd(dec!(1250))));
    // Lighter is bought at most 10 bps above its ask.
    assert_eq!(p.legs[0].limit_price, Price(dec!(2002.1)));
    assert_eq!(preview_for(&req, &quotes[..1], &params), None);
}

//! The P&L series against hand sums; CSV quoting, columns and times; the query string.

use super::*;
use crate::FundingInterval;
use crate::equity::MS_PER_DAY;
use crate::trading::OrderPurpose;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

const DAY0: i64 = 1_772_323_200_000; // 2026-03-01T00:00Z
const HOUR: i64 = 3_600_000;

fn fill(t: i64, realized: Decimal, fee: Decimal) -> FillRecord {
    FillRecord {
        client_order_id: ClientOrderId::new("arb1-1-b-o1").unwrap(),
        filled_qty: Qty(dec!(1)),
        position_id: PositionId::new(1),
        strategy: StrategyId::new("carry-1").unwrap(),
        venue: Venue::Binance,
        symbol: Symbol::new("ETH").unwrap(),
        side: Side::Buy,
        purpose: OrderPurpose::Open,
        qty: Qty(dec!(1)),
        price: Price(dec!(2500.5)),
        fee: Usd(fee),
        realized_pnl: Usd(realized),
        time_ms: t,
    }
}

fn payment(t: i64, amount: Decimal) -> FundingRecord {
    FundingRecord {
        venue: Venue::Lighter,
        payment_id: format!("p{t}"),
        position_id: PositionId::new(1),
        strategy: StrategyId::auto(),
        symbol: Symbol::new("ETH").unwrap(),
        rate: FundingRate::new(dec!(-0.0000125), FundingInterval::HOURLY),
        position_qty: Qty(dec!(-1)),
        mark_price: Price(dec!(2500)),
        amount: Usd(amount),
        time_ms: t,
    }
}

#[test]
fn series_is_cumulative_and_bars_are_per_utc_day() {
    let fills = [
        fill(DAY0 + HOUR, dec!(0), dec!(1.25)),
        fill(DAY0 + MS_PER_DAY + 2 * HOUR, dec!(-10.5), dec!(1.30)),
        // Outside the window: ignored.
        fill(DAY0 + 5 * MS_PER_DAY, dec!(1000), dec!(0)),
    ];
    let payments = [payment(DAY0 + 3 * HOUR, dec!(0.75)), payment(DAY0 + MS_PER_DAY + HOUR, dec!(-0.05))];
    let s = pnl_series(&fills, &payments, DAY0, DAY0 + 2 * MS_PER_DAY, OpenPnl::default());

    assert_eq!(s.points.first().map(|p| (p.time_ms, p.total)), Some((DAY0, PnlParts::default())));
    let last = s.points.last().unwrap();
    assert_eq!(last.time_ms, DAY0 + MS_PER_DAY + 2 * HOUR);
    let want =
        PnlParts { price: Usd(dec!(-10.5)), funding: Usd(dec!(0.70)), fees: Usd(dec!(2.55)), net: Usd(dec!(-12.35)) };
    assert_eq!(last.total, want);
    assert_eq!(s.total, want);

    // Day 1: fee 1.25, funding 0.75 → net -0.50; day 2: -10.5 - 1.30 - 0.05 = -11.85.
    let days: Vec<(i64, Decimal)> = s.days.iter().map(|d| (d.day_ms, d.pnl.net.0)).collect();
    assert_eq!(days, [(DAY0, dec!(-0.50)), (DAY0 + MS_PER_DAY, dec!(-11.85))]);
    assert_eq!(days.iter().map(|d| d.1).sum::<Decimal>(), want.net.0, "bars add up to the total");
    // Grouped by strategy: the fills are carry-1's, the payments auto's.
    let groups: Vec<(String, Decimal)> = s.by_strategy.iter().map(|g| (g.strategy.to_string(), g.pnl.net.0)).collect();
    assert_eq!(groups, [("auto".to_owned(), dec!(0.70)), ("carry-1".to_owned(), dec!(-13.05))]);
}

#[test]
fn long_windows_are_bucketed_to_a_few_hundred_points() {
    let payments: Vec<FundingRecord> = (0..24 * 365).map(|h| payment(DAY0 + h * HOUR, dec!(0.01))).collect();
    let s = pnl_series(&[], &payments, DAY0, DAY0 + 365 * MS_PER_DAY, OpenPnl::default());
    assert_eq!(s.step_ms, MS_PER_DAY);
    assert!(s.points.len() <= 501, "{}", s.points.len());
    assert_eq!(s.total.funding, Usd(dec!(87.60)));
    assert_eq!(s.points.last().unwrap().total.funding, Usd(dec!(87.60)), "nothing lost to bucketing");
    assert_eq!(s.days.len(), 365);
    assert_eq!(series_step_ms(HOUR), 60_000);
}

#[test]
fn csv_is_exact_quoted_and_keyed_by_row_id() {
    let mut f = fill(DAY0 + HOUR + 1, dec!(-0.000000001), dec!(1.2500));
    f.filled_qty = Qty(dec!(0.75));
    let csv = FillRecord::write_all(&[f.clone()]);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(lines.len(), 3, "header, one row, empty tail: {csv:?}");
    assert!(lines[0].starts_with("id,time_ms,time_utc,"));
    let cells: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(cells[0], f.row_id());
    assert_eq!(cells[0], "arb1-1-b-o1@0.75");
    assert_eq!(cells[2], "2026-03-01T01:00:00.001Z");
    assert_eq!(cells[4], "carry-1", "every row carries its strategy");
    assert_eq!(cells[12], "1.25", "money exactly, not rounded");
    assert_eq!(cells[13], "-0.000000001");

    let mut p = fill(DAY0, dec!(0), dec!(0));
    p.client_order_id = ClientOrderId::new("a").unwrap();
    let closed = ClosedPosition {
        id: PositionId::new(7),
        strategy: StrategyId::manual(),
        symbol: Symbol::new("BTC").unwrap(),
        direction: crate::SpreadDirection::LongBinanceShortLighter,
        status: PositionStatus::Closed,
        opened_ms: DAY0,
        closed_ms: None,
        peak_qty: None,
        price_pnl: Usd(dec!(-3)),
        funding: Usd::ZERO,
        fees: Usd::ZERO,
        net: Usd(dec!(-3)),
        note: Some("closed, \"manual\"\nby ops".into()),
    };
    let csv = ClosedPosition::write_all(&[closed]);
    assert!(csv.ends_with(",\"closed, \"\"manual\"\"\nby ops\"\r\n"), "{csv:?}");
    assert!(csv.contains(",BTC,manual,long_binance_short_lighter,closed,"), "{csv:?}");
}

#[test]
fn iso_times() {
    assert_eq!(iso_utc(0), "1970-01-01T00:00:00.000Z");
    assert_eq!(iso_utc(DAY0 - 1), "2026-02-28T23:59:59.999Z");
}

#[test]
fn query_string_and_unknown_parameters() {
    let q = ListQuery {
        symbol: Some(Symbol::new("ETH").unwrap()),
        venue: Some(Venue::Lighter),
        status: Some("filled".into()),
        from: Some(5),
        limit: Some(20),
        cursor: Some("123:arb1-1/x".into()),
        format: Some(Format::Csv),
        strategy: Some(StrategyId::new("carry-1").unwrap()),
        ..Default::default()
    };
    assert_eq!(
        q.to_query_string(),
        "symbol=ETH&venue=lighter&strategy=carry-1&status=filled&from=5&limit=20&cursor=123%3Aarb1-1%2Fx&format=csv"
    );
    assert_eq!(ListQuery::default().to_query_string(), "");
    let e = serde_json::from_str::<ListQuery>(r#"{"symbl": "ETH"}"#).unwrap_err();
    assert!(e.to_string().contains("unknown field `symbl`"), "{e}");
}

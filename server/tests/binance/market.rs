//! Market-data endpoints against the fake: exchangeInfo (filters, rate limits, what is
//! skipped), funding with per-symbol intervals, the funding board, history, marks and books.

use crate::helpers::*;
use app::{FundingInterval, MS_PER_HOUR, Price, Qty, Usd};
use server::venue::{VenueClient, VenueError};

#[tokio::test]
async fn markets_are_usdt_perpetuals_with_their_filters() {
    let env = env();
    let markets = env.venue.markets().await.unwrap();
    let names: Vec<&str> = markets.iter().map(|m| m.symbol.as_str()).collect();
    assert_eq!(names, ["BTC", "ETH", "SOL"], "quarterly and USDC contracts are skipped");
    let btc = &markets[0];
    assert_eq!(btc.venue_symbol, "BTCUSDT");
    assert_eq!(btc.filters.tick_size, Price(d("0.1")));
    assert_eq!(btc.filters.step_size, Qty(d("0.001")));
    assert_eq!(btc.filters.min_qty, Qty(d("0.001")));
    assert_eq!(btc.filters.min_notional, Usd(d("100")), "MIN_NOTIONAL.notional");
    assert_eq!(markets[2].filters.step_size, Qty(d("1")));
    assert_eq!(env.venue.rest().limiter().limits().weight_per_minute, 2400, "limits come from exchangeInfo");
}

#[tokio::test]
async fn funding_carries_the_symbols_interval() {
    let env = env();
    let btc = env.venue.funding(&sym("BTC")).await.unwrap();
    assert_eq!(btc.predicted.interval, FundingInterval::EIGHT_HOURS, "absent from fundingInfo: 8 h");
    assert_eq!(btc.predicted.rate, d("0.0001"));
    assert_eq!(btc.next_funding_ms, env.fake.next_funding("BTCUSDT").unwrap());
    assert!(btc.last_settled.is_some());
    let eth = env.venue.funding(&sym("ETH")).await.unwrap();
    assert_eq!(eth.predicted.interval, FundingInterval::EIGHT_HOURS, "listed with 8 h: read, not presence");
    let sol = env.venue.funding(&sym("SOL")).await.unwrap();
    assert_eq!(sol.predicted.interval, FundingInterval::FOUR_HOURS);
    assert_eq!(sol.predicted.rate, d("-0.0002"));
    assert_eq!(sol.predicted.per_hour(), d("-0.00005"));
    // The last settled rate is cached until the next settlement: no second fundingRate call.
    let calls = env.fake.requests_to("/fapi/v1/fundingRate");
    env.venue.funding(&sym("SOL")).await.unwrap();
    assert_eq!(env.fake.requests_to("/fapi/v1/fundingRate"), calls);
}

#[tokio::test]
async fn funding_board_covers_every_perpetual_in_one_call() {
    let env = env();
    let board = env.venue.funding_board().await.unwrap();
    let mut names: Vec<&str> = board.iter().map(|f| f.symbol.as_str()).collect();
    names.sort();
    assert_eq!(names, ["BTC", "ETH", "SOL"]);
    assert_eq!(env.fake.requests_to("/fapi/v1/premiumIndex"), 1);
    assert!(board.iter().any(|f| f.symbol.as_str() == "SOL" && f.predicted.interval == FundingInterval::FOUR_HOURS));
}

#[tokio::test]
async fn funding_history_is_oldest_first_within_the_range() {
    let env = env();
    let next = env.fake.next_funding("SOLUSDT").unwrap();
    let (from, to) = (next - 10 * 4 * MS_PER_HOUR, next - 4 * MS_PER_HOUR);
    let rows = env.venue.funding_history(&sym("SOL"), from, to).await.unwrap();
    assert_eq!(rows.len(), 9, "(from, to] excludes from");
    assert!(rows.windows(2).all(|w| w[0].time_ms < w[1].time_ms));
    assert!(rows.iter().all(|r| r.time_ms > from && r.time_ms <= to));
    assert!(rows.iter().all(|r| r.rate.interval == FundingInterval::FOUR_HOURS));
}

#[tokio::test]
async fn marks_and_books() {
    let env = env();
    env.fake.set_mark("ETHUSDT", d("3100"));
    let mark = env.venue.mark_price(&sym("ETH")).await.unwrap();
    assert_eq!(mark.mark, Price(d("3100")));
    let top = env.venue.top_of_book(&sym("ETH")).await.unwrap();
    assert_eq!(top.bid.price, Price(d("3099.99")));
    assert_eq!(top.ask.price, Price(d("3100.01")));
    let book = env.venue.order_book(&sym("ETH"), 3).await.unwrap();
    assert_eq!((book.bids.len(), book.asks.len()), (3, 3));
    assert!(book.bids.windows(2).all(|w| w[0].price > w[1].price));
    assert!(book.asks.windows(2).all(|w| w[0].price < w[1].price));
}

#[tokio::test]
async fn unknown_symbol_is_rejected() {
    let env = env();
    let err = env.venue.mark_price(&sym("DOGE")).await.unwrap_err();
    assert!(matches!(err, VenueError::Rejected { ref code, .. } if code == "-1121"), "{err:?}");
}

//! The simulated matching engine and account, checked against hand computations.

use super::*;
use app::market::{BookLevel, MarketFilters};
use rust_decimal_macros::dec;

fn btc() -> Symbol {
    Symbol::new("BTC").unwrap()
}

fn market() -> Market {
    Market {
        venue: Venue::Binance,
        symbol: btc(),
        venue_symbol: "BTCUSDT".into(),
        filters: MarketFilters {
            tick_size: Price(dec!(0.1)),
            step_size: Qty(dec!(0.001)),
            min_qty: Qty(dec!(0.001)),
            min_notional: Usd(dec!(5)),
        },
        max_leverage: 20,
        maker_fee: dec!(0.0002),
        taker_fee: dec!(0.0005),
    }
}

fn book() -> OrderBook {
    let l = |p: Decimal, q: Decimal| BookLevel { price: Price(p), qty: Qty(q) };
    OrderBook {
        venue: Venue::Binance,
        symbol: btc(),
        bids: vec![l(dec!(99.9), dec!(1)), l(dec!(99.8), dec!(2))],
        asks: vec![l(dec!(100.1), dec!(1)), l(dec!(100.2), dec!(2))],
        time_ms: 0,
    }
}

fn marks(p: Decimal) -> BTreeMap<Symbol, Decimal> {
    BTreeMap::from([(btc(), p)])
}

fn order(id: &str, side: Side, qty: Decimal, price: Option<Decimal>, tif: TimeInForce) -> OrderRequest {
    OrderRequest {
        client_order_id: ClientOrderId::new(id).unwrap(),
        symbol: btc(),
        side,
        qty: Qty(qty),
        order_type: if price.is_some() { OrderType::Limit } else { OrderType::Market },
        price: price.map(Price),
        time_in_force: tif,
        reduce_only: false,
    }
}

#[test]
fn a_taker_order_walks_the_book_and_pays_taker_fee() {
    let mut x = SimExchange::new(Venue::Binance, dec!(1000));
    let (r, fills) = x
        .place(
            &order("a", Side::Buy, dec!(1.5), None, TimeInForce::Ioc),
            &market(),
            &book(),
            &marks(dec!(100)),
            None,
            1,
        )
        .unwrap();
    assert_eq!(fills.len(), 2);
    assert_eq!(r.status, VenueOrderStatus::Filled);
    // 1 @ 100.1 + 0.5 @ 100.2 = 150.2; avg 100.1333…; fee 150.2 x 0.0005 = 0.0751.
    assert_eq!(r.avg_price.unwrap().0, dec!(100.133333333333));
    assert_eq!(r.fee, Usd(dec!(0.0751)));
    assert_eq!(x.balance(&marks(dec!(100)), 1).wallet, Usd(dec!(999.9249)));
}

#[test]
fn an_ioc_limit_stops_at_its_cap_and_expires_the_rest() {
    let mut x = SimExchange::new(Venue::Binance, dec!(1000));
    let (r, _) = x
        .place(
            &order("a", Side::Buy, dec!(1.5), Some(dec!(100.1)), TimeInForce::Ioc),
            &market(),
            &book(),
            &marks(dec!(100)),
            None,
            1,
        )
        .unwrap();
    assert_eq!(r.filled_qty, Qty(dec!(1)));
    assert_eq!(r.status, VenueOrderStatus::Expired);
}

#[test]
fn reducing_realises_pnl_and_flipping_reenters_at_the_fill() {
    let mut x = SimExchange::new(Venue::Binance, dec!(1000));
    x.place(&order("a", Side::Buy, dec!(1), None, TimeInForce::Ioc), &market(), &book(), &marks(dec!(100)), None, 1)
        .unwrap();
    // Sell 2 @ 99.9 (1) + 99.8 (1): closes 1 long bought at 100.1 -> -0.2, then short 1 @ 99.8.
    x.place(&order("b", Side::Sell, dec!(2), None, TimeInForce::Ioc), &market(), &book(), &marks(dec!(100)), None, 2)
        .unwrap();
    let pos = x.position(&btc());
    assert_eq!((pos.qty, pos.entry), (Qty(dec!(-1)), Price(dec!(99.8))));
    // Fees: 100.1 x 0.0005 + (99.9 + 99.8) x 0.0005 = 0.05005 + 0.09985 = 0.1499.
    assert_eq!(x.balance(&marks(dec!(99.8)), 2).wallet, Usd(dec!(1000) - dec!(0.2) - dec!(0.1499)));
}

#[test]
fn orders_are_checked_before_they_match() {
    let mut x = SimExchange::new(Venue::Binance, dec!(10));
    let m = market();
    let reject_code =
        |x: &mut SimExchange, o: OrderRequest| x.place(&o, &m, &book(), &marks(dec!(100)), None, 1).unwrap_err().code;
    assert_eq!(reject_code(&mut x, order("a", Side::Buy, dec!(0.0015), None, TimeInForce::Ioc)), "invalid_qty");
    assert_eq!(reject_code(&mut x, order("b", Side::Buy, dec!(0.01), None, TimeInForce::Ioc)), "min_notional");
    assert_eq!(
        reject_code(&mut x, order("c", Side::Buy, dec!(1), Some(dec!(100.15)), TimeInForce::Ioc)),
        "invalid_price"
    );
    // 10 USD at 5x leverage buys at most 50 USD of exposure.
    assert_eq!(reject_code(&mut x, order("d", Side::Buy, dec!(1), None, TimeInForce::Ioc)), "insufficient_margin");
    assert_eq!(
        reject_code(&mut x, order("e", Side::Buy, dec!(0.1), Some(dec!(100.1)), TimeInForce::PostOnly)),
        "post_only_would_take"
    );
    let mut ro = order("f", Side::Sell, dec!(0.1), None, TimeInForce::Ioc);
    ro.reduce_only = true;
    assert_eq!(reject_code(&mut x, ro), "reduce_only_rejected");
}

#[test]
fn resting_limits_fill_as_maker_when_mark_crosses() {
    let mut x = SimExchange::new(Venue::Binance, dec!(1000));
    let (r, fills) = x
        .place(
            &order("a", Side::Buy, dec!(1), Some(dec!(99)), TimeInForce::Gtc),
            &market(),
            &book(),
            &marks(dec!(100)),
            None,
            1,
        )
        .unwrap();
    assert!(fills.is_empty());
    assert_eq!(r.status, VenueOrderStatus::New);
    assert_eq!(x.open_orders().len(), 1);
    assert!(x.on_mark(&btc(), dec!(99.5), &market(), 2).is_empty());
    let done = x.on_mark(&btc(), dec!(98.9), &market(), 3);
    assert_eq!(done.len(), 1);
    assert!(done[0].1.is_maker);
    assert_eq!(done[0].1.fee, Usd(dec!(0.0198)));
    assert!(x.open_orders().is_empty());
}

#[test]
fn liquidation_price_and_margin_by_hand() {
    let mut x = SimExchange::new(Venue::Binance, dec!(1000));
    x.set_leverage(&btc(), 10);
    x.place(&order("a", Side::Buy, dec!(1), None, TimeInForce::Ioc), &market(), &book(), &marks(dec!(100)), None, 1)
        .unwrap();
    let p = &x.positions(&marks(dec!(100)))[0];
    // Long at 100.1, 10x, mmr 0.5 %: 100.1 x 0.9 / 0.995 = 90.5427135…
    assert_eq!(p.liquidation_price.unwrap().0, dec!(90.54271357));
    assert_eq!(p.margin, Usd(dec!(10.01)));
    assert_eq!(p.unrealized_pnl, Usd(dec!(-0.1)));
}

#[test]
fn funding_settles_on_the_position_with_its_sign() {
    let mut x = SimExchange::new(Venue::Lighter, dec!(1000));
    x.place(&order("a", Side::Sell, dec!(2), None, TimeInForce::Ioc), &market(), &book(), &marks(dec!(100)), None, 1)
        .unwrap();
    let rate = FundingRate::new(dec!(0.0001), app::FundingInterval::HOURLY);
    let p = x.settle_funding(&btc(), rate, dec!(100), 3_600_000).unwrap();
    // Short 2 at mark 100, +0.01 %: receives 2 x 100 x 0.0001 = 0.02.
    assert_eq!(p.amount, Usd(dec!(0.02)));
    assert!(x.settle_funding(&Symbol::new("ETH").unwrap(), rate, dec!(100), 3_600_000).is_none());
}

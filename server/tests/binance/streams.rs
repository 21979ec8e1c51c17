//! WebSockets against the fake: market streams (per symbol, all symbols, live SUBSCRIBE),
//! pong payloads, garbage skipped, reconnect and resubscribe after a dropped socket, the
//! max-age rollover, and the user stream: order and fill events, lost and delayed fills
//! recovered by the REST resync exactly once, listenKey expiry and -1125, funding payments.

use crate::helpers::*;
use app::order::Side;
use app::{FundingInterval, Price, Usd};
use fakes::binance::{OrderEvents, WsRoute};
use server::venue::binance::StreamSelection;
use server::venue::{VenueClient, VenueEvent};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

fn streaming(symbols: &[&str]) -> Env {
    let mut t = tuning();
    t.streams = StreamSelection::Symbols(symbols.iter().map(|s| sym(s)).collect());
    env_with(fake_config(), true, t, false)
}

fn is_mark_of(e: &VenueEvent, s: &str) -> bool {
    matches!(e, VenueEvent::Mark(m) if m.symbol.as_str() == s)
}

fn is_fill_of(e: &VenueEvent, id: &str) -> bool {
    matches!(e, VenueEvent::Fill(f) if f.client_order_id.as_str() == id)
}

#[tokio::test]
async fn marks_funding_and_books_per_symbol() {
    let env = streaming(&["BTC", "SOL"]);
    let mut rx = env.venue.subscribe();
    env.start();
    env.fake.set_mark("SOLUSDT", d("155"));
    let sol = wait_for(&mut rx, WAIT, |e| matches!(e, VenueEvent::Funding(f) if f.symbol.as_str() == "SOL")).await;
    let Some(VenueEvent::Funding(f)) = sol else { panic!("no SOL funding") };
    assert_eq!(f.predicted.interval, FundingInterval::FOUR_HOURS, "interval from fundingInfo, not 8 h");
    assert_eq!(f.predicted.rate, d("-0.0002"));
    assert_eq!(f.next_funding_ms, env.fake.next_funding("SOLUSDT").unwrap());
    let mark = wait_for(&mut rx, WAIT, |e| is_mark_of(e, "SOL")).await;
    assert!(matches!(mark, Some(VenueEvent::Mark(m)) if m.mark == Price(d("155"))));
    let book = wait_for(&mut rx, WAIT, |e| matches!(e, VenueEvent::Book(b) if b.symbol.as_str() == "BTC")).await;
    assert!(matches!(book, Some(VenueEvent::Book(b)) if b.bid.price < b.ask.price));
    let eth = collect(&mut rx, Duration::from_millis(200), |e| is_mark_of(e, "ETH")).await;
    assert!(eth.is_empty(), "ETH was not subscribed");
}

#[tokio::test]
async fn all_symbols_mode_uses_the_array_streams() {
    let mut t = tuning();
    t.streams = StreamSelection::All;
    let env = env_with(fake_config(), false, t, false);
    let mut rx = env.venue.subscribe();
    env.start();
    for s in ["BTC", "ETH", "SOL"] {
        assert!(wait_for(&mut rx, WAIT, |e| is_mark_of(e, s)).await.is_some(), "{s}");
    }
    assert!(
        wait_for(&mut rx, WAIT, |e| matches!(e, VenueEvent::Book(b) if b.symbol.as_str() == "ETH")).await.is_some()
    );
}

#[tokio::test]
async fn watch_subscribes_live_and_survives_reconnect() {
    let env = streaming(&["BTC"]);
    let mut rx = env.venue.subscribe();
    env.start();
    assert!(wait_for(&mut rx, WAIT, |e| is_mark_of(e, "BTC")).await.is_some());
    env.venue.watch(&[sym("ETH")]);
    assert!(wait_for(&mut rx, WAIT, |e| is_mark_of(e, "ETH")).await.is_some(), "SUBSCRIBE on the live socket");
    assert_eq!(env.fake.ws_connections(WsRoute::Market), 1);
    env.fake.drop_sockets(Some(WsRoute::Market));
    let down = wait_for(&mut rx, WAIT, |e| matches!(e, VenueEvent::Connection { connected: false, .. })).await;
    assert!(down.is_some());
    assert!(wait_for(&mut rx, WAIT, |e| matches!(e, VenueEvent::Connection { connected: true, .. })).await.is_some());
    assert_eq!(env.fake.ws_connections(WsRoute::Market), 2);
    assert!(wait_for(&mut rx, WAIT, |e| is_mark_of(e, "ETH")).await.is_some(), "resubscribed after reconnect");
}

#[tokio::test]
async fn pings_are_answered_with_their_payload() {
    let env = streaming(&["BTC"]);
    let mut rx = env.venue.subscribe();
    env.start();
    assert!(wait_for(&mut rx, WAIT, |e| is_mark_of(e, "BTC")).await.is_some());
    env.fake.ping(Some(WsRoute::Market), b"are-you-there");
    let ok =
        eventually(WAIT, || env.fake.pongs().iter().any(|(r, p)| *r == WsRoute::Market && p == b"are-you-there")).await;
    assert!(ok, "pongs: {:?}", env.fake.pongs());
}

#[tokio::test]
async fn garbage_is_skipped_and_the_stream_continues() {
    let env = streaming(&["BTC"]);
    let mut rx = env.venue.subscribe();
    env.start();
    assert!(wait_for(&mut rx, WAIT, |e| is_mark_of(e, "BTC")).await.is_some());
    for junk in [
        "{not json",
        "[]",
        "{\"stream\":\"btcusdt@markPrice@1s\",\"data\":{\"e\":\"markPriceUpdate\",\"p\":\"x\"}}",
        "\u{0}\u{1}",
        "{\"e\":\"markPriceUpdate\",\"s\":\"btcusdt\",\"E\":1,\"p\":\"1\"}",
    ] {
        env.fake.send_raw(WsRoute::Market, junk);
    }
    env.fake.send_raw(WsRoute::Private, "garbage on the user stream");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut rx = env.venue.subscribe();
    assert!(wait_for(&mut rx, WAIT, |e| is_mark_of(e, "BTC")).await.is_some());
    assert_eq!(env.fake.ws_connections(WsRoute::Market), 1, "no reconnect was needed");
    assert_eq!(env.fake.ws_connections(WsRoute::Private), 1);
}

#[tokio::test]
async fn connections_roll_over_at_their_maximum_age() {
    let mut t = tuning();
    t.streams = StreamSelection::Symbols(vec![sym("BTC")]);
    t.max_connection_age = Duration::from_millis(300);
    let env = env_with(fake_config(), false, t, false);
    let mut rx = env.venue.subscribe();
    env.start();
    assert!(eventually(WAIT, || env.fake.ws_connections(WsRoute::Market) >= 3).await);
    assert!(wait_for(&mut rx, WAIT, |e| is_mark_of(e, "BTC")).await.is_some(), "data keeps flowing");
}

#[tokio::test]
async fn order_and_fill_events_arrive_on_the_user_stream() {
    let env = streaming(&[]);
    let mut rx = env.venue.subscribe();
    env.start();
    assert!(wait_for(&mut rx, WAIT, |e| matches!(e, VenueEvent::Connection { connected: true, .. })).await.is_some());
    env.venue.place_order(&market("ws1", "BTC", Side::Buy, "0.01")).await.unwrap();
    let fill = wait_for(&mut rx, WAIT, |e| is_fill_of(e, "ws1")).await;
    let Some(VenueEvent::Fill(f)) = fill else { panic!("no fill") };
    assert_eq!(f.price, Price(d("60000.1")));
    assert_eq!(f.fee, Usd(d("0.3000005")));
    let pos = wait_for(&mut rx, WAIT, |e| matches!(e, VenueEvent::Position(p) if p.symbol.as_str() == "BTC")).await;
    assert!(matches!(pos, Some(VenueEvent::Position(ref p)) if p.qty.0 == d("0.01")));
    assert!(matches!(pos, Some(VenueEvent::Position(p)) if p.leverage == 20), "leverage read once from positionRisk");
    let fills = collect(&mut rx, Duration::from_millis(300), |e| is_fill_of(e, "ws1")).await;
    assert!(fills.is_empty(), "each trade is published once");
}

#[tokio::test]
async fn a_fill_lost_while_disconnected_is_recovered_by_the_resync() {
    let env = streaming(&[]);
    let mut rx = env.venue.subscribe();
    env.start();
    assert!(wait_for(&mut rx, WAIT, |e| matches!(e, VenueEvent::Connection { connected: true, .. })).await.is_some());
    env.venue.place_order(&limit("lost", "ETH", Side::Sell, "1", "3050", app::order::TimeInForce::Gtc)).await.unwrap();
    // The socket goes deaf: the fill happens but its events never arrive, then the socket drops.
    env.fake.set_order_events(OrderEvents::Drop);
    env.fake.set_mark("ETHUSDT", d("3060"));
    assert_eq!(env.fake.position("ETHUSDT"), d("-1"));
    assert!(collect(&mut rx, Duration::from_millis(200), |e| is_fill_of(e, "lost")).await.is_empty());
    env.fake.set_order_events(OrderEvents::Deliver);
    env.fake.drop_sockets(Some(WsRoute::Private));
    // The resync publishes positions, then open orders, fills and the fills' orders.
    let (mut fill, mut order, mut position) = (None, None, None);
    let deadline = tokio::time::Instant::now() + WAIT;
    while (fill.is_none() || order.is_none() || position.is_none()) && tokio::time::Instant::now() < deadline {
        let left = deadline - tokio::time::Instant::now();
        match wait_for(&mut rx, left, |_| true).await {
            Some(VenueEvent::Fill(f)) if f.client_order_id.as_str() == "lost" => fill = Some(f),
            Some(VenueEvent::Order(o)) if o.client_order_id.as_str() == "lost" && o.status.is_final() => {
                order = Some(o)
            }
            Some(VenueEvent::Position(p)) if p.symbol.as_str() == "ETH" => position = Some(p),
            Some(_) => {}
            None => break,
        }
    }
    let f = fill.expect("the resync reports the fill made while the socket was deaf");
    assert_eq!(f.price, Price(d("3050")));
    assert!(f.is_maker);
    assert!(order.is_some(), "the order's final state is republished");
    assert_eq!(position.expect("positions are re-read").qty.0, d("-1"));
    assert_eq!(env.fake.ws_connections(WsRoute::Private), 2);
    // A second reconnect does not publish it again.
    env.fake.drop_sockets(Some(WsRoute::Private));
    assert!(collect(&mut rx, Duration::from_millis(400), |e| is_fill_of(e, "lost")).await.is_empty());
}

#[tokio::test]
async fn a_delayed_fill_is_published_once() {
    let env = streaming(&[]);
    let mut rx = env.venue.subscribe();
    env.start();
    assert!(wait_for(&mut rx, WAIT, |e| matches!(e, VenueEvent::Connection { connected: true, .. })).await.is_some());
    env.fake.set_order_events(OrderEvents::Withhold);
    env.venue.place_order(&market("late", "SOL", Side::Buy, "2")).await.unwrap();
    // REST learns of it first (resync after a reconnect), then the late event arrives on the
    // new, live socket.
    env.fake.drop_sockets(Some(WsRoute::Private));
    assert!(wait_for(&mut rx, WAIT, |e| is_fill_of(e, "late")).await.is_some());
    assert!(wait_for(&mut rx, WAIT, |e| matches!(e, VenueEvent::Connection { connected: true, .. })).await.is_some());
    assert_eq!(env.fake.ws_connections(WsRoute::Private), 2);
    env.fake.set_order_events(OrderEvents::Deliver);
    env.fake.release_withheld();
    let late = collect(&mut rx, Duration::from_millis(400), |e| {
        is_fill_of(e, "late") || matches!(e, VenueEvent::Order(o) if o.client_order_id.as_str() == "late")
    })
    .await;
    assert!(!late.is_empty(), "the late order events did arrive");
    assert!(
        late.iter().all(|e| matches!(e, VenueEvent::Order(_))),
        "but the fill is deduplicated by trade id: {late:?}"
    );
}

#[tokio::test]
async fn listen_key_expiry_gets_a_new_key_and_reconnects() {
    let env = streaming(&[]);
    let mut rx = env.venue.subscribe();
    env.start();
    assert!(wait_for(&mut rx, WAIT, |e| matches!(e, VenueEvent::Connection { connected: true, .. })).await.is_some());
    let first = env.fake.listen_key().unwrap();
    assert!(env.fake.expire_listen_key());
    assert!(eventually(WAIT, || env.fake.ws_connections(WsRoute::Private) == 2).await);
    let second = env.fake.listen_key().unwrap();
    assert_ne!(first, second);
    env.venue.place_order(&market("after", "BTC", Side::Buy, "0.01")).await.unwrap();
    assert!(wait_for(&mut rx, WAIT, |e| is_fill_of(e, "after")).await.is_some());
}

#[tokio::test]
async fn keepalive_meeting_1125_renews_the_key() {
    let mut t = tuning();
    t.streams = StreamSelection::None;
    t.listen_key_keepalive = Duration::from_millis(150);
    let env = env_with(fake_config(), true, t, false);
    env.start();
    assert!(eventually(WAIT, || env.fake.ws_connections(WsRoute::Private) == 1).await);
    let first = env.fake.listen_key().unwrap();
    assert!(eventually(WAIT, || env.fake.requests_to("/fapi/v1/listenKey") >= 2).await, "keepalives are sent");
    env.fake.forget_listen_key();
    assert!(eventually(WAIT, || env.fake.ws_connections(WsRoute::Private) == 2).await);
    assert!(env.fake.error_count(-1125) >= 1);
    assert_ne!(env.fake.listen_key().unwrap(), first);
}

#[tokio::test]
async fn funding_settlement_is_published_once_with_its_amount() {
    let mut t = tuning();
    t.streams = StreamSelection::None;
    let env = env_with(fake_config(), true, t, true);
    let mut rx = env.venue.subscribe();
    env.start();
    assert!(wait_for(&mut rx, WAIT, |e| matches!(e, VenueEvent::Connection { connected: true, .. })).await.is_some());
    env.venue.place_order(&market("fund", "BTC", Side::Sell, "0.5")).await.unwrap();
    env.fake.settle_funding("BTCUSDT");
    let paid = wait_for(&mut rx, WAIT, |e| matches!(e, VenueEvent::FundingPaid(_))).await;
    let Some(VenueEvent::FundingPaid(p)) = paid else { panic!("no funding payment") };
    assert_eq!(p.symbol, sym("BTC"));
    assert_eq!(p.amount, Usd(d("3")), "a short receives a positive rate: 0.5 x 60000 x 0.0001");
    assert_eq!(p.rate.interval, FundingInterval::EIGHT_HOURS);
    assert_eq!(p.position_qty.0, d("-0.5"));
    env.fake.drop_sockets(Some(WsRoute::Private));
    assert!(
        collect(&mut rx, Duration::from_millis(400), |e| matches!(e, VenueEvent::FundingPaid(_))).await.is_empty(),
        "deduplicated by tranId"
    );
}

#[tokio::test]
async fn stopping_deletes_the_listen_key() {
    let mut t = tuning();
    t.streams = StreamSelection::None;
    let env = env_with(fake_config(), true, t, false);
    env.start();
    assert!(eventually(WAIT, || env.fake.ws_connections(WsRoute::Private) == 1).await);
    assert!(env.fake.listen_key().is_some());
    env.cancel.cancel();
    assert!(eventually(WAIT, || env.fake.listen_key().is_none()).await, "DELETE /fapi/v1/listenKey on shutdown");
}

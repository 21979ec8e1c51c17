//! Every endpoint the connector uses, through `VenueClient` and the REST client, against the
//! fake: markets, books, funding history, account, orders (active, inactive, by index),
//! trades, positionFunding, nextNonce, tx lookup, sendTx and sendTxBatch.

use std::time::Duration;

use app::order::{Side, VenueOrderStatus};
use lighter_signer::tx::{CreateOrder, TxAttributes, order_type, time_in_force};
use server::venue::lighter::rest::RestClient;
use server::venue::lighter::{LighterVenue, client_order_index};
use server::venue::{VenueClient, VenueEvent};

use crate::helpers::*;

#[tokio::test]
async fn markets_and_books() {
    let fake = start_fake(fake_config()).await;
    // No feed: books come from orderBookOrders.
    let venue = LighterVenue::new(connector_config(&fake, &KEYS)).expect("builds");
    let markets = venue.markets().await.expect("markets");
    let names: Vec<&str> = markets.iter().map(|m| m.symbol.as_str()).collect();
    assert_eq!(names, ["BTC", "ETH", "SOL"]);
    let b = &markets[0];
    assert_eq!((b.venue_symbol.as_str(), b.filters.tick_size.0, b.filters.step_size.0), ("1", d("0.1"), d("0.00001")));
    assert_eq!((b.filters.min_qty.0, b.filters.min_notional.0, b.max_leverage), (d("0.00020"), d("10"), 50));
    let top = venue.top_of_book(&btc()).await.expect("top");
    assert_eq!((top.bid.price.0, top.ask.price.0, top.ask.qty.0), (d("64999.0"), d("65001.0"), d("0.5")));
    let book = venue.order_book(&btc(), 3).await.expect("book");
    assert_eq!(book.bids.iter().map(|l| l.price.0).collect::<Vec<_>>(), [d("64999"), d("64998"), d("64997")]);
    assert!(venue.top_of_book(&sym("DOGE")).await.is_err());
}

#[tokio::test]
async fn orders_fills_positions_and_balance() {
    let (fake, venue) = setup().await;
    let mut events = venue.subscribe();
    // Taker: a market buy fills against the scripted asks.
    let r = venue.place_order(&market("ep-buy", "BTC", Side::Buy, "0.6")).await.expect("placed");
    assert_eq!(r.status, VenueOrderStatus::Filled, "{r:?}");
    assert_eq!(r.filled_qty.0, d("0.6"));
    assert_eq!(r.avg_price.map(|p| p.0.normalize()), Some(d("65001.166666666667").normalize()));
    assert_eq!(fake.position(ACCOUNT, 1), d("0.6"));
    let fill = next_event(&mut events, Duration::from_secs(2), |e| match e {
        VenueEvent::Fill(f) if f.client_order_id.as_str() == "ep-buy" => Some(f.clone()),
        _ => None,
    })
    .await
    .expect("fill pushed");
    assert!(!fill.is_maker);

    // Maker: a resting limit sell, visible as open, then cancelled.
    let rest = venue.place_order(&limit("ep-ask", "BTC", Side::Sell, "0.1", "66000")).await.expect("rests");
    assert_eq!(rest.status, VenueOrderStatus::New);
    let open = venue.open_orders().await.expect("open orders");
    assert_eq!(open.iter().map(|o| o.client_order_id.as_str()).collect::<Vec<_>>(), ["ep-ask"]);
    let q = venue.query_order(&btc(), &cid("ep-ask")).await.expect("query").expect("exists");
    assert_eq!(q.venue_order_id, rest.venue_order_id);
    let c = venue.cancel_order(&btc(), &cid("ep-ask")).await.expect("cancel");
    assert_eq!(c.status, VenueOrderStatus::Canceled);
    // Inactive orders are found too; an unknown id is None; cancelling it is Rejected.
    assert_eq!(
        venue.query_order(&btc(), &cid("ep-ask")).await.expect("q").map(|r| r.status),
        Some(VenueOrderStatus::Canceled)
    );
    assert_eq!(venue.query_order(&btc(), &cid("never-sent")).await.expect("q"), None);
    assert!(matches!(
        venue.cancel_order(&btc(), &cid("never-sent")).await,
        Err(server::venue::VenueError::Rejected { .. })
    ));

    let positions = venue.positions().await.expect("positions");
    assert_eq!(positions.len(), 1);
    assert_eq!((positions[0].symbol.as_str(), positions[0].qty.0), ("BTC", d("0.6")));
    assert_eq!(positions[0].leverage, 20);
    let balance = venue.balance().await.expect("balance");
    assert_eq!(balance.wallet.0, d("100000"));
    assert!(balance.available.0 < balance.equity.0);

    let fills = venue.fills(T0 - 1).await.expect("fills");
    assert_eq!(fills.iter().map(|f| f.qty.0).sum::<rust_decimal::Decimal>(), d("0.6"));
    assert!(fills.iter().all(|f| f.client_order_id.as_str() == "ep-buy" && f.side == Side::Buy));
    venue.shutdown().await;
}

#[tokio::test]
async fn next_nonce_batch_and_tx_lookup() {
    let fake = start_fake(fake_config()).await;
    let config = connector_config(&fake, &KEYS);
    let rest = RestClient::new(&config).expect("client");
    assert_eq!(rest.next_nonce(ACCOUNT, 3).await.expect("nonce").nonce, 0);
    let s = signer(3, fake.chain_id());
    let order = |coi: i64, price: u32| CreateOrder {
        market_index: 0,
        client_order_index: coi,
        base_amount: 100,
        price,
        is_ask: 1,
        order_type: order_type::LIMIT,
        time_in_force: time_in_force::POST_ONLY,
        reduce_only: 0,
        trigger_price: 0,
        order_expiry: T0 + 86_400_000,
        attributes: TxAttributes::new(),
    };
    let a = s.sign_create_order(&order(501, 250_000), 0, T0 + 600_000).expect("signs");
    let b = s.sign_create_order(&order(502, 250_100), 1, T0 + 600_000).expect("signs");
    let resp =
        rest.send_tx_batch(&[(a.tx_type, a.tx_info.clone()), (b.tx_type, b.tx_info.clone())]).await.expect("batch");
    assert_eq!(resp.tx_hash, [a.tx_hash.clone(), b.tx_hash.clone()]);
    assert_eq!(rest.next_nonce(ACCOUNT, 3).await.expect("nonce").nonce, 2);
    assert!(wait_until(Duration::from_secs(2), || fake.order_status(ACCOUNT, 502).as_deref() == Some("open")).await);
    let tx = rest.tx_by_hash(&a.tx_hash).await.expect("tx");
    assert_eq!((tx.status, tx.tx_type), (2, Some(14)));
    assert_eq!(rest.tx_by_hash("00").await.err().and_then(|e| e.code()), Some(21500));
    // The client index the connector derives is what the fake stores.
    assert_eq!(client_order_index(&cid("x")), client_order_index(&cid("x")));
}

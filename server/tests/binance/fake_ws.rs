//! The fake's own socket surface, driven with a bare client: raw mode with streams in the path,
//! raw mode with SUBSCRIBE / LIST_SUBSCRIPTIONS, route separation, and refusing an unknown
//! listenKey. The connector uses combined mode; these keep the other modes honest.

use crate::helpers::*;
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use std::time::Duration;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

async fn next_json<S>(ws: &mut S) -> Value
where
    S: futures::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let msg =
            tokio::time::timeout_at(deadline, ws.next()).await.expect("a frame in time").expect("open").expect("ok");
        if let Message::Text(t) = msg {
            return serde_json::from_str(t.as_str()).expect("json");
        }
    }
}

#[tokio::test]
async fn raw_mode_with_streams_in_the_path_sends_bare_events() {
    let (fake, _) = fakes::binance::spawn(fake_config()).unwrap();
    let url = format!("{}/market/ws/btcusdt@markPrice@1s", fake.ws_url());
    let (mut ws, _) = connect_async(url.as_str()).await.unwrap();
    let v = next_json(&mut ws).await;
    assert_eq!(v["e"], "markPriceUpdate");
    assert_eq!(v["s"], "BTCUSDT");
    assert!(v["r"].is_string() && v["T"].is_i64(), "{v}");
    fake.shutdown();
}

#[tokio::test]
async fn raw_mode_subscribe_list_and_route_separation() {
    let (fake, _) = fakes::binance::spawn(fake_config()).unwrap();
    let (mut ws, _) = connect_async(format!("{}/public/ws", fake.ws_url()).as_str()).await.unwrap();
    let sub = r#"{"method":"SUBSCRIBE","params":["ethusdt@bookTicker","ethusdt@markPrice@1s"],"id":7}"#;
    ws.send(Message::Text(sub.into())).await.unwrap();
    assert_eq!(next_json(&mut ws).await, serde_json::json!({"result": null, "id": 7}));
    ws.send(Message::Text(r#"{"method":"LIST_SUBSCRIPTIONS","id":8}"#.into())).await.unwrap();
    let list = loop {
        let v = next_json(&mut ws).await;
        if v.get("id").is_some() {
            break v;
        }
    };
    assert_eq!(list["id"], 8);
    assert_eq!(list["result"], serde_json::json!(["ethusdt@bookTicker", "ethusdt@markPrice@1s"]));
    // Data: book tickers only; markPrice belongs to /market and never arrives on /public.
    for _ in 0..5 {
        let v = next_json(&mut ws).await;
        if v.get("id").is_some() {
            continue;
        }
        assert_eq!(v["e"], "bookTicker", "{v}");
        assert_eq!(v["s"], "ETHUSDT");
    }
    ws.send(Message::Text("not json".into())).await.unwrap();
    let err = loop {
        let v = next_json(&mut ws).await;
        if v.get("e").is_none() {
            break v;
        }
    };
    assert_eq!(err["error"]["code"], 3, "{err}");
    fake.shutdown();
}

#[tokio::test]
async fn private_route_refuses_an_unknown_listen_key() {
    let (fake, _) = fakes::binance::spawn(fake_config()).unwrap();
    let r = connect_async(format!("{}/private/ws?listenKey=nope", fake.ws_url()).as_str()).await;
    assert!(r.is_err());
    fake.shutdown();
}

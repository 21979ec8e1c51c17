//! The funding stream over a real socket: snapshot first, then live updates.

use crate::helpers::spawn_app;
use app::ws::FundingMessage;
use futures::StreamExt;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

async fn next_message<S>(ws: &mut S) -> FundingMessage
where
    S: futures::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("a message in time");
        if let Message::Text(t) = msg.expect("open").expect("ok") {
            return serde_json::from_str(&t).expect("a FundingMessage");
        }
    }
}

#[tokio::test]
async fn snapshot_on_connect_then_changing_rates() {
    let t = spawn_app(&[]).await;
    let token = crate::helpers::users(&t.running.state).await.token(app::auth::Role::Viewer).to_owned();
    let (mut ws, _) =
        tokio_tungstenite::connect_async(crate::helpers::ws_request(&t.ws_url("/ws/funding-rates"), &token))
            .await
            .unwrap();
    let FundingMessage::Snapshot(board) = next_message(&mut ws).await else { panic!("snapshot first") };
    assert_eq!(board.rows.len(), 18);
    let mut changed = 0;
    for _ in 0..20 {
        let FundingMessage::Update(row) = next_message(&mut ws).await else { continue };
        let before = board.rows.iter().find(|r| r.symbol == row.symbol).unwrap();
        if before.binance.as_ref().map(|b| b.rate) != row.binance.as_ref().map(|b| b.rate)
            || before.lighter.as_ref().map(|l| l.rate) != row.lighter.as_ref().map(|l| l.rate)
        {
            changed += 1;
        }
    }
    assert!(changed > 0, "rates should move between settlements");
    t.running.stop().await;
}

#[tokio::test]
async fn many_clients_each_get_a_snapshot() {
    let t = spawn_app(&[]).await;
    let token = crate::helpers::users(&t.running.state).await.token(app::auth::Role::Viewer).to_owned();
    let mut clients = Vec::new();
    for _ in 0..20 {
        clients.push(
            tokio_tungstenite::connect_async(crate::helpers::ws_request(&t.ws_url("/ws/funding-rates"), &token))
                .await
                .unwrap()
                .0,
        );
    }
    for ws in &mut clients {
        assert!(matches!(next_message(ws).await, FundingMessage::Snapshot(_)));
        assert!(matches!(next_message(ws).await, FundingMessage::Update(_)));
    }
    t.running.stop().await;
}

//! WebSocket messages, server to browser. Each stream sends a snapshot on connect and then
//! updates; a client that falls behind is sent a fresh snapshot rather than dropped.

use crate::api::{FundingBoard, FundingRow};
use serde::{Deserialize, Serialize};

/// Messages of `/ws/funding-rates`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum FundingMessage {
    Snapshot(FundingBoard),
    Update(FundingRow),
}

/// Messages of the trading streams (`/ws/positions`, `/ws/orders`, `/ws/notifications`): the
/// current list on connect, then one changed item per update.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum StreamMessage<T> {
    Snapshot(Vec<T>),
    Update(T),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_messages_are_tagged() {
        let json = r#"{"type":"update","data":{"level":"info","time_ms":5,"title":"t","message":"m"}}"#;
        let m: StreamMessage<crate::trading::Notification> = serde_json::from_str(json).unwrap();
        assert!(matches!(&m, StreamMessage::Update(n) if n.time_ms == 5));
        assert_eq!(serde_json::to_string(&m).unwrap(), json);
        let m: StreamMessage<u8> = serde_json::from_str(r#"{"type":"snapshot","data":[1,2]}"#).unwrap();
        assert_eq!(m, StreamMessage::Snapshot(vec![1, 2]));
    }

    #[test]
    fn messages_are_tagged() {
        let m = FundingMessage::Snapshot(FundingBoard { as_of_ms: 1, rows: vec![] });
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"type":"snapshot","data":{"as_of_ms":1,"rows":[]}}"#);
        assert_eq!(serde_json::from_str::<FundingMessage>(&json).unwrap(), m);
    }
}

//! WebSocket messages, server to browser. Each stream sends a snapshot on connect and then
//! updates; a client that falls behind is sent a fresh snapshot rather than dropped.

use crate::api::{FundingBoard, FundingRow};
use serde::{Deserialize, Serialize};

/// Messages of `/ws/funding-rates`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum FundingMessage {
    Snapshot(FundingBoard),
    Update(FundingRow),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_tagged() {
        let m = FundingMessage::Snapshot(FundingBoard { as_of_ms: 1, rows: vec![] });
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"type":"snapshot","data":{"as_of_ms":1,"rows":[]}}"#);
        assert_eq!(serde_json::from_str::<FundingMessage>(&json).unwrap(), m);
    }
}

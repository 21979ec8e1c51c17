//! Lighter (zkLighter): the native transaction signer and nonce management. The REST and
//! WebSocket connector that uses them is still to come (issue: venue connectors).

pub mod signer;

//! The trading actions a person takes, as the web API and the Telegram chat both run them: the
//! same checks, the same engine command, the same audit entry (the chat's marked "via
//! telegram" in its actor). Callers only translate their input and the answer.

use crate::audit::{self, Action, Who};
use crate::engine::Command;
use crate::error::ApiError;
use crate::state::AppState;
use app::trading::{CloseAllRequest, ClosePositionRequest, CommandAck};

/// Record a trading command in the audit log with its acknowledgement or refusal.
pub async fn audited(
    s: &AppState,
    who: Who<'_>,
    action: Action,
    result: Result<CommandAck, ApiError>,
) -> Result<CommandAck, ApiError> {
    let detail = result.as_ref().ok().map(|ack| ack.message.clone());
    let action = match &result {
        Ok(ack) if action.after.is_none() => action.after(&ack.positions),
        _ => action,
    };
    audit::record(s, who, action, &result, detail).await;
    result
}

/// Close `percent` of a position.
pub async fn close(s: &AppState, who: Who<'_>, req: ClosePositionRequest) -> Result<CommandAck, ApiError> {
    let before = s.engine.read(|v| v.positions.get(&req.position_id).cloned());
    let mut action = Action::new("position.close").target(req.position_id);
    if let Some(p) = &before {
        action = action.before(&serde_json::json!({ "symbol": p.symbol, "status": p.status, "qty": p.target_qty }));
    }
    let action = action.after(&req);
    let result = async {
        let errors = req.validate();
        if !errors.is_empty() {
            return Err(ApiError::Invalid(errors));
        }
        if before.is_none() {
            return Err(ApiError::NotFound(format!("no position {}", req.position_id)));
        }
        require_trading(s)?;
        Ok(s.engine.command(Command::Close(req)).await?)
    }
    .await;
    audited(s, who, action, result).await
}

/// Close every active position (of one venue's, if given).
pub async fn close_all(s: &AppState, who: Who<'_>, req: CloseAllRequest) -> Result<CommandAck, ApiError> {
    let active: Vec<_> = s
        .engine
        .read(|v| v.positions.values().filter(|p| p.status.is_active()).map(|p| (p.id, p.symbol.clone())).collect());
    let target = req.venue.map_or_else(|| "all venues".to_owned(), |v| v.to_string());
    let action = Action::new("position.close_all").target(target).before(&active);
    let result = async {
        require_trading(s)?;
        Ok(s.engine.command(Command::CloseAll(req)).await?)
    }
    .await;
    audited(s, who, action, result).await
}

fn paused(s: &AppState) -> serde_json::Value {
    serde_json::json!({ "paused": s.engine.read(|v| v.status.as_ref().map(|st| st.paused)) })
}

pub async fn pause(s: &AppState, who: Who<'_>) -> Result<CommandAck, ApiError> {
    let action = Action::new("engine.pause").before(&paused(s));
    let result = s.engine.command(Command::Pause).await.map_err(ApiError::from);
    audited(s, who, action.after(&serde_json::json!({ "paused": true })), result).await
}

pub async fn resume(s: &AppState, who: Who<'_>) -> Result<CommandAck, ApiError> {
    let action = Action::new("engine.resume").before(&paused(s));
    let result = s.engine.command(Command::Resume).await.map_err(ApiError::from);
    audited(s, who, action.after(&serde_json::json!({ "paused": false })), result).await
}

/// The kill switch: no more opening, everything closes, only reducing orders until a restart.
pub async fn kill(s: &AppState, who: Who<'_>) -> Result<CommandAck, ApiError> {
    let action = Action::new("engine.kill").before(&paused(s));
    let result = s.engine.command(Command::Kill).await.map_err(ApiError::from);
    audited(s, who, action.after(&serde_json::json!({ "killed": true })), result).await
}

/// Both legs need a venue that can trade: refuse up front rather than half-send a slice.
pub fn require_trading(s: &AppState) -> Result<(), ApiError> {
    match s.venues.iter().find(|v| !v.can_trade()) {
        Some(v) => Err(ApiError::Refused(format!(
            "{} runs read-only ({} mode without API keys): configure its keys to trade",
            v.venue(),
            v.mode()
        ))),
        None => Ok(()),
    }
}

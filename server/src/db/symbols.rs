//! Versioned symbol rules: the newest row is in effect. The version is the primary key, so
//! two changes built on the same version cannot both be stored.

use super::entities::symbol_rules;
use app::TimestampMs;
use app::symbols::SymbolRules;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryOrder, Set};

/// The newest rules and their version, or `None` on a fresh database (everything trades).
pub async fn latest(db: &impl ConnectionTrait) -> Result<Option<(i64, SymbolRules)>, DbErr> {
    let row = symbol_rules::Entity::find().order_by_desc(symbol_rules::Column::Version).one(db).await?;
    row.map(|r| {
        let rules = serde_json::from_str(&r.rules)
            .map_err(|e| DbErr::Custom(format!("stored symbol rules version {}: {e}", r.version)))?;
        Ok((r.version, rules))
    })
    .transpose()
}

pub async fn insert(
    db: &impl ConnectionTrait,
    version: i64,
    rules: &SymbolRules,
    author: &str,
    now: TimestampMs,
) -> Result<(), DbErr> {
    let text = serde_json::to_string(rules).map_err(|e| DbErr::Custom(format!("serialising: {e}")))?;
    let model = symbol_rules::ActiveModel {
        version: Set(version),
        rules: Set(text),
        created_ms: Set(now),
        author: Set(author.to_owned()),
    };
    symbol_rules::Entity::insert(model).exec(db).await?;
    Ok(())
}

//! The audit trail: appended, never updated; read newest first with filters.

use app::audit::{AuditEntry, AuditOutcome, AuditQuery};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

pub mod audit_log {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_log")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub time_ms: i64,
        pub actor: String,
        pub action: String,
        pub target: Option<String>,
        pub before: Option<String>,
        pub after: Option<String>,
        pub outcome: String,
        pub detail: Option<String>,
        pub ip: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

fn json_text(v: &Option<serde_json::Value>) -> Option<String> {
    v.as_ref().map(|v| v.to_string())
}

/// Append `entry` (its `id` is ignored); returns the stored id.
pub async fn insert(db: &impl ConnectionTrait, entry: &AuditEntry) -> Result<i64, DbErr> {
    let model = audit_log::ActiveModel {
        time_ms: Set(entry.time_ms),
        actor: Set(entry.actor.clone()),
        action: Set(entry.action.clone()),
        target: Set(entry.target.clone()),
        before: Set(json_text(&entry.before)),
        after: Set(json_text(&entry.after)),
        outcome: Set(entry.outcome.as_str().to_owned()),
        detail: Set(entry.detail.clone()),
        ip: Set(entry.ip.clone()),
        ..Default::default()
    };
    Ok(model.insert(db).await?.id)
}

fn entry(m: audit_log::Model) -> AuditEntry {
    let parse = |t: Option<String>| t.and_then(|t| serde_json::from_str(&t).ok());
    // An outcome written by a later version reads as a failure, not as an unreadable log.
    let outcome = app::text::parse(&m.outcome).unwrap_or(AuditOutcome::Failed);
    AuditEntry {
        id: m.id,
        time_ms: m.time_ms,
        actor: m.actor,
        action: m.action,
        target: m.target,
        before: parse(m.before),
        after: parse(m.after),
        outcome,
        detail: m.detail,
        ip: m.ip,
    }
}

/// Newest first. `action` ending in `.` matches every action with that prefix.
pub async fn query(db: &impl ConnectionTrait, q: &AuditQuery, limit: u64) -> Result<Vec<AuditEntry>, DbErr> {
    use audit_log::Column as C;
    let mut select = audit_log::Entity::find();
    if let Some(actor) = &q.actor {
        select = select.filter(C::Actor.eq(actor.as_str()));
    }
    match q.action.as_deref() {
        Some(prefix) if prefix.ends_with('.') => select = select.filter(C::Action.starts_with(prefix)),
        Some(action) => select = select.filter(C::Action.eq(action)),
        None => {}
    }
    if let Some(before) = q.before_id {
        select = select.filter(C::Id.lt(before));
    }
    let rows = select.order_by_desc(C::Id).limit(limit).all(db).await?;
    Ok(rows.into_iter().map(entry).collect())
}

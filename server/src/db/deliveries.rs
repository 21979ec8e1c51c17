//! The notification outbox's rows and the channel rules admins edited. The outbox writer
//! inserts and folds; each channel's worker claims an attempt, then marks the outcome.

use app::TimestampMs;
use app::notification::Notification;
use app::outbox::{ChannelRules, DeliveryQuery, DeliveryStatus, DeliveryView};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::BTreeMap;

pub mod delivery {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notification_deliveries")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub notification_id: i64,
        pub channel: String,
        pub target: String,
        pub status: String,
        pub attempts: i32,
        pub next_attempt_ms: i64,
        pub created_ms: i64,
        pub updated_ms: i64,
        pub last_answer: Option<String>,
        pub folded: i32,
        pub folded_into: Option<i64>,
        pub window_end_ms: Option<i64>,
        pub parts_sent: i32,
        pub silent: bool,
        pub dedup_key: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod rules {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notification_rules")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub channel: String,
        pub rules: String,
        pub updated_ms: i64,
        pub updated_by: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use delivery::Column as C;
pub use delivery::Model as Delivery;

/// A row to insert.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub notification_id: i64,
    pub channel: String,
    pub target: String,
    pub status: DeliveryStatus,
    pub next_attempt_ms: TimestampMs,
    pub folded: i32,
    pub folded_into: Option<i64>,
    pub window_end_ms: Option<TimestampMs>,
    pub silent: bool,
    pub dedup_key: String,
}

pub async fn insert(db: &impl ConnectionTrait, d: NewDelivery, now: TimestampMs) -> Result<i64, DbErr> {
    let model = delivery::ActiveModel {
        notification_id: Set(d.notification_id),
        channel: Set(d.channel),
        target: Set(d.target),
        status: Set(d.status.as_str().to_owned()),
        attempts: Set(0),
        next_attempt_ms: Set(d.next_attempt_ms),
        created_ms: Set(now),
        updated_ms: Set(now),
        last_answer: Set(None),
        folded: Set(d.folded),
        folded_into: Set(d.folded_into),
        window_end_ms: Set(d.window_end_ms),
        parts_sent: Set(0),
        silent: Set(d.silent),
        dedup_key: Set(d.dedup_key),
        ..Default::default()
    };
    Ok(model.insert(db).await?.id)
}

/// Count one more repeat in a summary that has not started going out. False when the channel's
/// worker already claimed it: the repeat then belongs to the next window.
pub async fn fold_into(db: &impl ConnectionTrait, summary: i64, now: TimestampMs) -> Result<bool, DbErr> {
    let r = delivery::Entity::update_many()
        .col_expr(C::Folded, Expr::col(C::Folded).add(1))
        .col_expr(C::UpdatedMs, Expr::value(now))
        .filter(C::Id.eq(summary))
        .filter(C::Status.eq(DeliveryStatus::Pending.as_str()))
        .filter(C::Attempts.eq(0))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// A channel's pending rows whose time has come, in the order they fell due.
pub async fn due(
    db: &impl ConnectionTrait,
    channel: &str,
    now: TimestampMs,
    limit: u64,
) -> Result<Vec<Delivery>, DbErr> {
    delivery::Entity::find()
        .filter(C::Channel.eq(channel))
        .filter(C::Status.eq(DeliveryStatus::Pending.as_str()))
        .filter(C::NextAttemptMs.lte(now))
        .order_by_asc(C::NextAttemptMs)
        .order_by_asc(C::Id)
        .limit(limit)
        .all(db)
        .await
}

/// When a channel's next pending row falls due (after `now`), if any.
pub async fn next_due(db: &impl ConnectionTrait, channel: &str, now: TimestampMs) -> Result<Option<i64>, DbErr> {
    let row = delivery::Entity::find()
        .filter(C::Channel.eq(channel))
        .filter(C::Status.eq(DeliveryStatus::Pending.as_str()))
        .filter(C::NextAttemptMs.gt(now))
        .order_by_asc(C::NextAttemptMs)
        .one(db)
        .await?;
    Ok(row.map(|r| r.next_attempt_ms))
}

/// Start an attempt: counted before the request leaves, so that a summary being sent takes no
/// more repeats and a crash mid-request shows in the row. Returns the row as claimed.
pub async fn claim(db: &impl ConnectionTrait, id: i64, now: TimestampMs) -> Result<Option<Delivery>, DbErr> {
    delivery::Entity::update_many()
        .col_expr(C::Attempts, Expr::col(C::Attempts).add(1))
        .col_expr(C::UpdatedMs, Expr::value(now))
        .filter(C::Id.eq(id))
        .filter(C::Status.eq(DeliveryStatus::Pending.as_str()))
        .exec(db)
        .await?;
    let row = delivery::Entity::find_by_id(id).one(db).await?;
    Ok(row.filter(|r| r.status == DeliveryStatus::Pending.as_str()))
}

/// The channel acknowledged part `parts_sent` (counting from 1): never sent again.
pub async fn part_sent(
    db: &impl ConnectionTrait,
    id: i64,
    parts_sent: i32,
    done: bool,
    answer: &str,
    now: TimestampMs,
) -> Result<(), DbErr> {
    let mut update = delivery::Entity::update_many()
        .col_expr(C::PartsSent, Expr::value(parts_sent))
        .col_expr(C::LastAnswer, Expr::value(answer.to_owned()))
        .col_expr(C::UpdatedMs, Expr::value(now));
    if done {
        update = update.col_expr(C::Status, Expr::value(DeliveryStatus::Sent.as_str()));
    }
    update.filter(C::Id.eq(id)).exec(db).await?;
    Ok(())
}

/// Try again at `next_ms`.
pub async fn retry(
    db: &impl ConnectionTrait,
    id: i64,
    next_ms: TimestampMs,
    answer: &str,
    now: TimestampMs,
) -> Result<(), DbErr> {
    delivery::Entity::update_many()
        .col_expr(C::NextAttemptMs, Expr::value(next_ms))
        .col_expr(C::LastAnswer, Expr::value(answer.to_owned()))
        .col_expr(C::UpdatedMs, Expr::value(now))
        .filter(C::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn fail(db: &impl ConnectionTrait, id: i64, answer: &str, now: TimestampMs) -> Result<(), DbErr> {
    delivery::Entity::update_many()
        .col_expr(C::Status, Expr::value(DeliveryStatus::Failed.as_str()))
        .col_expr(C::LastAnswer, Expr::value(answer.to_owned()))
        .col_expr(C::UpdatedMs, Expr::value(now))
        .filter(C::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Rows that open or report a fold window ending after `since`: the writer's fold state after a
/// restart.
pub async fn windows_since(db: &impl ConnectionTrait, since: TimestampMs) -> Result<Vec<Delivery>, DbErr> {
    delivery::Entity::find().filter(C::WindowEndMs.gt(since)).order_by_asc(C::Id).all(db).await
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<Option<Delivery>, DbErr> {
    delivery::Entity::find_by_id(id).one(db).await
}

/// Newest first, each with its notification's level, kind and first line.
pub async fn recent(db: &impl ConnectionTrait, q: &DeliveryQuery, limit: u64) -> Result<Vec<DeliveryView>, DbErr> {
    let mut select = delivery::Entity::find();
    if let Some(status) = q.status {
        select = select.filter(C::Status.eq(status.as_str()));
    }
    if let Some(channel) = &q.channel {
        select = select.filter(C::Channel.eq(channel.as_str()));
    }
    let rows = select.order_by_desc(C::Id).limit(limit).all(db).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.notification_id).collect();
    let notes = notifications(db, &ids).await?;
    Ok(rows.into_iter().filter_map(|r| view(r, &notes)).collect())
}

/// Stored notifications by row id.
pub async fn notifications(db: &impl ConnectionTrait, ids: &[i64]) -> Result<BTreeMap<i64, Notification>, DbErr> {
    use super::entities::notification;
    let rows = notification::Entity::find().filter(notification::Column::Id.is_in(ids.iter().copied())).all(db).await?;
    Ok(rows.into_iter().filter_map(|r| Some((r.id, super::trading::notification_of(r)?))).collect())
}

fn view(r: Delivery, notes: &BTreeMap<i64, Notification>) -> Option<DeliveryView> {
    let n = notes.get(&r.notification_id)?;
    Some(DeliveryView {
        id: r.id,
        notification_id: r.notification_id,
        channel: r.channel,
        target: r.target,
        status: app::text::parse(&r.status).unwrap_or(DeliveryStatus::Failed),
        attempts: r.attempts,
        next_attempt_ms: r.next_attempt_ms,
        created_ms: r.created_ms,
        updated_ms: r.updated_ms,
        last_answer: r.last_answer,
        folded: r.folded,
        folded_into: r.folded_into,
        silent: r.silent,
        level: n.level,
        kind: n.kind,
        headline: n.headline(),
    })
}

/// Rules admins saved, by channel.
pub async fn saved_rules(db: &impl ConnectionTrait) -> Result<BTreeMap<String, ChannelRules>, DbErr> {
    let rows = rules::Entity::find().all(db).await?;
    Ok(rows.into_iter().filter_map(|r| Some((r.channel, serde_json::from_str(&r.rules).ok()?))).collect())
}

pub async fn save_rules(
    db: &impl ConnectionTrait,
    channel: &str,
    r: &ChannelRules,
    by: &str,
    now: TimestampMs,
) -> Result<(), DbErr> {
    let text = serde_json::to_string(r).map_err(|e| DbErr::Custom(e.to_string()))?;
    let model = rules::ActiveModel {
        channel: Set(channel.to_owned()),
        rules: Set(text),
        updated_ms: Set(now),
        updated_by: Set(by.to_owned()),
    };
    rules::Entity::insert(model)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(rules::Column::Channel)
                .update_columns([rules::Column::Rules, rules::Column::UpdatedMs, rules::Column::UpdatedBy])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

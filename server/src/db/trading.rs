//! The trading books: positions with the engine's state, orders, versioned strategy
//! parameters and notifications. Upserts are keyed by id so the writer can repeat them.

use super::columns::{json, parse_json, text};
use super::entities::{notification, order, position, strategy_params};
use app::TimestampMs;
use app::params::StrategyParams;
use app::trading::{Notification, OrderView, PositionId, PositionView};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

/// Store a position's view and the engine state needed to resume it.
pub async fn upsert_position(
    db: &impl ConnectionTrait,
    view: &PositionView,
    state: &serde_json::Value,
    now: TimestampMs,
) -> Result<(), DbErr> {
    let model = position::ActiveModel {
        id: Set(view.id.get()),
        symbol: Set(view.symbol.to_string()),
        strategy: Set(view.strategy.to_string()),
        status: Set(text(&view.status)),
        opened_ms: Set(view.opened_ms),
        closed_ms: Set(view.closed_ms),
        state: Set(json(state)?),
        view: Set(json(view)?),
        updated_ms: Set(now),
    };
    let cols = [
        position::Column::Status,
        position::Column::ClosedMs,
        position::Column::State,
        position::Column::View,
        position::Column::UpdatedMs,
    ];
    position::Entity::insert(model)
        .on_conflict(OnConflict::column(position::Column::Id).update_columns(cols).to_owned())
        .exec(db)
        .await?;
    Ok(())
}

/// Store orders' views, all in one statement (the write-ahead path counts round trips).
pub async fn upsert_orders<'a>(
    db: &impl ConnectionTrait,
    views: impl IntoIterator<Item = &'a OrderView>,
) -> Result<(), DbErr> {
    let models = views
        .into_iter()
        .map(|view| {
            Ok(order::ActiveModel {
                client_order_id: Set(view.client_order_id.to_string()),
                position_id: Set(view.position_id.get()),
                strategy: Set(view.strategy.to_string()),
                venue: Set(view.venue.to_string()),
                symbol: Set(view.symbol.to_string()),
                status: Set(text(&view.status)),
                created_ms: Set(view.created_ms),
                updated_ms: Set(view.updated_ms),
                view: Set(json(view)?),
            })
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    if models.is_empty() {
        return Ok(());
    }
    let cols = [order::Column::Status, order::Column::UpdatedMs, order::Column::View];
    order::Entity::insert_many(models)
        .on_conflict(OnConflict::column(order::Column::ClientOrderId).update_columns(cols).to_owned())
        .exec(db)
        .await?;
    Ok(())
}

/// Every stored position's engine state, oldest first.
pub async fn position_states(db: &impl ConnectionTrait) -> Result<Vec<serde_json::Value>, DbErr> {
    let rows = position::Entity::find().order_by_asc(position::Column::Id).all(db).await?;
    rows.iter().map(|r| parse_json(&r.state)).collect()
}

pub async fn orders(db: &impl ConnectionTrait) -> Result<Vec<OrderView>, DbErr> {
    let rows = order::Entity::find().order_by_asc(order::Column::CreatedMs).all(db).await?;
    rows.iter().map(order_view).collect()
}

/// A stored order's view, with the strategy its column holds (orders stored before strategies
/// existed have it only there, migrated from their position).
pub fn order_view(r: &order::Model) -> Result<OrderView, DbErr> {
    let mut v: OrderView = parse_json(&r.view)?;
    v.strategy = app::StrategyId::new(&r.strategy).map_err(DbErr::Custom)?;
    Ok(v)
}

/// What the engine restores at start-up: every active position, and closed ones closed since
/// `closed_since`; every unfinished order, and finished ones updated since `finished_since`.
pub async fn working_set(
    db: &impl ConnectionTrait,
    closed_since: TimestampMs,
    finished_since: TimestampMs,
) -> Result<(Vec<serde_json::Value>, Vec<OrderView>), DbErr> {
    use sea_orm::Condition;
    let ended = ["closed", "failed"];
    let positions = position::Entity::find()
        .filter(
            Condition::any()
                .add(position::Column::Status.is_not_in(ended))
                .add(position::Column::ClosedMs.gte(closed_since)),
        )
        .order_by_asc(position::Column::Id)
        .all(db)
        .await?;
    let finished = ["filled", "canceled", "expired", "rejected"];
    let orders = order::Entity::find()
        .filter(
            Condition::any()
                .add(order::Column::Status.is_not_in(finished))
                .add(order::Column::UpdatedMs.gte(finished_since)),
        )
        .order_by_asc(order::Column::CreatedMs)
        .all(db)
        .await?;
    let states = positions.iter().map(|r| parse_json(&r.state)).collect::<Result<_, _>>()?;
    let views = orders.iter().map(order_view).collect::<Result<_, _>>()?;
    Ok((states, views))
}

/// The highest position id ever stored (0 on a fresh database).
pub async fn last_position_id(db: &impl ConnectionTrait) -> Result<PositionId, DbErr> {
    let row = position::Entity::find().order_by_desc(position::Column::Id).one(db).await?;
    Ok(PositionId::new(row.map_or(0, |r| r.id)))
}

/// One stored position's view (the engine may have let it go).
pub async fn position(db: &impl ConnectionTrait, id: PositionId) -> Result<Option<PositionView>, DbErr> {
    position::Entity::find_by_id(id.get()).one(db).await?.map(|r| parse_json(&r.view)).transpose()
}

/// One stored order's view.
pub async fn order(db: &impl ConnectionTrait, id: &str) -> Result<Option<OrderView>, DbErr> {
    order::Entity::find_by_id(id.to_owned()).one(db).await?.map(|r| order_view(&r)).transpose()
}

/// The newest parameters, or `None` on a fresh database.
pub async fn latest_params(db: &impl ConnectionTrait) -> Result<Option<(i64, StrategyParams)>, DbErr> {
    let row = strategy_params::Entity::find().order_by_desc(strategy_params::Column::Version).one(db).await?;
    row.map(|r| Ok((r.version, parse_json(&r.params)?))).transpose()
}

pub async fn insert_params(
    db: &impl ConnectionTrait,
    version: i64,
    params: &StrategyParams,
    author: &str,
    now: TimestampMs,
) -> Result<(), DbErr> {
    let model = strategy_params::ActiveModel {
        version: Set(version),
        params: Set(json(params)?),
        created_ms: Set(now),
        author: Set(author.to_owned()),
    };
    strategy_params::Entity::insert(model).exec(db).await?;
    Ok(())
}

pub async fn params_history(
    db: &impl ConnectionTrait,
) -> Result<Vec<(i64, TimestampMs, String, StrategyParams)>, DbErr> {
    let rows = strategy_params::Entity::find().order_by_desc(strategy_params::Column::Version).all(db).await?;
    rows.into_iter().map(|r| Ok((r.version, r.created_ms, r.author, parse_json(&r.params)?))).collect()
}

/// Store a notification; its row id.
pub async fn insert_notification(db: &impl ConnectionTrait, n: &Notification) -> Result<i64, DbErr> {
    let model = notification::ActiveModel {
        level: Set(text(&n.level)),
        time_ms: Set(n.time_ms),
        title: Set(n.title.clone()),
        message: Set(n.message.clone()),
        kind: Set(n.kind.map(|k| k.name())),
        symbol: Set(n.symbol.as_ref().map(|s| s.to_string())),
        position_id: Set(n.position_id.map(|p| p.get())),
        dedup_key: Set(n.dedup_key.clone()),
        ..Default::default()
    };
    Ok(notification::Entity::insert(model).exec(db).await?.last_insert_id)
}

/// A stored row as the notification it was (a row it cannot read is left out).
pub fn notification_of(r: notification::Model) -> Option<Notification> {
    Some(Notification {
        level: app::text::parse(&r.level).ok()?,
        kind: r.kind.as_deref().and_then(|k| app::text::parse(k).ok()),
        time_ms: r.time_ms,
        title: r.title,
        message: r.message,
        symbol: r.symbol.as_deref().and_then(|s| app::Symbol::new(s).ok()),
        position_id: r.position_id.map(PositionId::new),
        dedup_key: r.dedup_key,
    })
}

pub async fn recent_notifications(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<Notification>, DbErr> {
    let rows = notification::Entity::find().order_by_desc(notification::Column::Id).limit(limit).all(db).await?;
    Ok(rows.into_iter().filter_map(notification_of).collect())
}

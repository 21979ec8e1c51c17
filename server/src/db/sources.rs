//! Signal sources as an admin registered them (the signing secret beside the settings; only
//! the intake reads it back), and the intake's rejections per source, of which the newest
//! [`KEEP_REJECTIONS`] are kept: a sender that keeps failing cannot fill the database.

use super::columns::{json, parse_json};
use app::TimestampMs;
use app::signal::{SignalRejection, SourceRequest};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

/// Rejections kept per source.
pub const KEEP_REJECTIONS: u64 = 100;

pub mod source {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "signal_sources")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub name: String,
        pub secret: String,
        pub settings: String,
        pub disabled: bool,
        pub created_ms: i64,
        pub updated_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod rejection {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "signal_rejections")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub source: String,
        pub signal_id: Option<String>,
        pub time_ms: i64,
        pub status: i32,
        pub field: Option<String>,
        pub reason: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A stored source: its settings, its secret, and when it was made and last changed.
#[derive(Debug, Clone)]
pub struct Stored {
    pub settings: SourceRequest,
    pub secret: String,
    pub created_ms: TimestampMs,
    pub updated_ms: TimestampMs,
}

fn stored(m: source::Model) -> Result<Stored, DbErr> {
    let mut settings: SourceRequest = parse_json(&m.settings)?;
    settings.disabled = m.disabled;
    Ok(Stored { settings, secret: m.secret, created_ms: m.created_ms, updated_ms: m.updated_ms })
}

pub async fn get(db: &impl ConnectionTrait, name: &str) -> Result<Option<Stored>, DbErr> {
    source::Entity::find_by_id(name.to_owned()).one(db).await?.map(stored).transpose()
}

pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<Stored>, DbErr> {
    source::Entity::find().order_by_asc(source::Column::Name).all(db).await?.into_iter().map(stored).collect()
}

/// Register a new source; `false` when the name is taken.
pub async fn insert(
    db: &impl ConnectionTrait,
    s: &SourceRequest,
    secret: &str,
    now: TimestampMs,
) -> Result<bool, DbErr> {
    if get(db, &s.name).await?.is_some() {
        return Ok(false);
    }
    let model = source::ActiveModel {
        name: Set(s.name.clone()),
        secret: Set(secret.to_owned()),
        settings: Set(json(s)?),
        disabled: Set(s.disabled),
        created_ms: Set(now),
        updated_ms: Set(now),
    };
    source::Entity::insert(model).exec(db).await?;
    Ok(true)
}

/// New settings, and a new secret when given.
pub async fn update(
    db: &impl ConnectionTrait,
    s: &SourceRequest,
    secret: Option<&str>,
    now: TimestampMs,
) -> Result<(), DbErr> {
    let mut model = source::ActiveModel {
        name: Set(s.name.clone()),
        settings: Set(json(s)?),
        disabled: Set(s.disabled),
        updated_ms: Set(now),
        ..Default::default()
    };
    if let Some(secret) = secret {
        model.secret = Set(secret.to_owned());
    }
    source::Entity::update(model).exec(db).await?;
    Ok(())
}

pub async fn delete(db: &impl ConnectionTrait, name: &str) -> Result<bool, DbErr> {
    Ok(source::Entity::delete_by_id(name.to_owned()).exec(db).await?.rows_affected > 0)
}

/// Record a rejection, and forget the source's oldest beyond [`KEEP_REJECTIONS`].
pub async fn reject(db: &impl ConnectionTrait, r: &SignalRejection) -> Result<(), DbErr> {
    let model = rejection::ActiveModel {
        source: Set(r.source.clone()),
        signal_id: Set(r.signal_id.clone()),
        time_ms: Set(r.time_ms),
        status: Set(i32::from(r.status)),
        field: Set(r.field.clone()),
        reason: Set(r.reason.clone()),
        ..Default::default()
    };
    rejection::Entity::insert(model).exec(db).await?;
    let keep_from: Option<i64> = rejection::Entity::find()
        .select_only()
        .column(rejection::Column::Id)
        .filter(rejection::Column::Source.eq(r.source.as_str()))
        .order_by_desc(rejection::Column::Id)
        .offset(KEEP_REJECTIONS - 1)
        .into_tuple()
        .one(db)
        .await?;
    if let Some(id) = keep_from {
        rejection::Entity::delete_many()
            .filter(rejection::Column::Source.eq(r.source.as_str()))
            .filter(rejection::Column::Id.lt(id))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// A source's newest rejections, newest first.
pub async fn rejections(db: &impl ConnectionTrait, source: &str, limit: u64) -> Result<Vec<SignalRejection>, DbErr> {
    let rows = rejection::Entity::find()
        .filter(rejection::Column::Source.eq(source))
        .order_by_desc(rejection::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|m| SignalRejection {
            time_ms: m.time_ms,
            source: m.source,
            signal_id: m.signal_id,
            status: u16::try_from(m.status).unwrap_or(0),
            field: m.field,
            reason: m.reason,
        })
        .collect())
}

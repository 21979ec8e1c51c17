//! Users, browser sessions and API tokens. Sessions and tokens are looked up by the SHA-256
//! of their secret; a session carries no role of its own, so a role change or a disabled
//! user takes effect on the next request.

use app::TimestampMs;
use app::auth::{Role, TokenView, UserView};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

pub mod user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub username: String,
        pub password_hash: String,
        pub role: String,
        pub disabled: bool,
        pub created_ms: i64,
        pub last_login_ms: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod session {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id_hash: String,
        pub username: String,
        pub csrf_token: String,
        pub created_ms: i64,
        pub expires_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod api_token {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "api_tokens")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub token_hash: String,
        pub role: String,
        pub owner: String,
        pub created_ms: i64,
        pub expires_ms: Option<i64>,
        pub last_used_ms: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A stored user with its hash (never leaves the server).
#[derive(Debug, Clone)]
pub struct StoredUser {
    pub view: UserView,
    pub password_hash: String,
}

fn role(text: &str) -> Result<Role, DbErr> {
    text.parse().map_err(DbErr::Custom)
}

fn stored(m: user::Model) -> Result<StoredUser, DbErr> {
    Ok(StoredUser {
        view: UserView {
            role: role(&m.role)?,
            username: m.username,
            disabled: m.disabled,
            created_ms: m.created_ms,
            last_login_ms: m.last_login_ms,
        },
        password_hash: m.password_hash,
    })
}

pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    user::Entity::find().count(db).await
}

pub async fn find(db: &impl ConnectionTrait, username: &str) -> Result<Option<StoredUser>, DbErr> {
    user::Entity::find_by_id(username.to_owned()).one(db).await?.map(stored).transpose()
}

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<UserView>, DbErr> {
    let rows = user::Entity::find().order_by_asc(user::Column::Username).all(db).await?;
    rows.into_iter().map(|m| stored(m).map(|s| s.view)).collect()
}

pub async fn insert(
    db: &impl ConnectionTrait,
    username: &str,
    password_hash: &str,
    role: Role,
    now: TimestampMs,
) -> Result<(), DbErr> {
    let model = user::ActiveModel {
        username: Set(username.to_owned()),
        password_hash: Set(password_hash.to_owned()),
        role: Set(role.as_str().to_owned()),
        disabled: Set(false),
        created_ms: Set(now),
        last_login_ms: Set(None),
    };
    user::Entity::insert(model).exec(db).await?;
    Ok(())
}

/// Change what is given; returns the user as it now is, or `None` if there is no such user.
pub async fn update(
    db: &impl ConnectionTrait,
    username: &str,
    role: Option<Role>,
    password_hash: Option<String>,
    disabled: Option<bool>,
) -> Result<Option<UserView>, DbErr> {
    let Some(found) = user::Entity::find_by_id(username.to_owned()).one(db).await? else { return Ok(None) };
    let mut model: user::ActiveModel = found.into();
    if let Some(r) = role {
        model.role = Set(r.as_str().to_owned());
    }
    if let Some(h) = password_hash {
        model.password_hash = Set(h);
    }
    if let Some(d) = disabled {
        model.disabled = Set(d);
    }
    let saved = model.update(db).await?;
    Ok(Some(stored(saved)?.view))
}

pub async fn set_last_login(db: &impl ConnectionTrait, username: &str, now: TimestampMs) -> Result<(), DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::LastLoginMs, Expr::value(now))
        .filter(user::Column::Username.eq(username))
        .exec(db)
        .await?;
    Ok(())
}

/// Active admins other than `except`: the last admin cannot be demoted or disabled.
pub async fn other_active_admins(db: &impl ConnectionTrait, except: &str) -> Result<u64, DbErr> {
    user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin.as_str()))
        .filter(user::Column::Disabled.eq(false))
        .filter(user::Column::Username.ne(except))
        .count(db)
        .await
}

pub async fn insert_session(
    db: &impl ConnectionTrait,
    id_hash: &str,
    username: &str,
    csrf_token: &str,
    now: TimestampMs,
    expires_ms: TimestampMs,
) -> Result<(), DbErr> {
    let model = session::ActiveModel {
        id_hash: Set(id_hash.to_owned()),
        username: Set(username.to_owned()),
        csrf_token: Set(csrf_token.to_owned()),
        created_ms: Set(now),
        expires_ms: Set(expires_ms),
    };
    session::Entity::insert(model).exec(db).await?;
    Ok(())
}

/// A live session and its (enabled) user.
pub async fn find_session(
    db: &impl ConnectionTrait,
    id_hash: &str,
    now: TimestampMs,
) -> Result<Option<(session::Model, StoredUser)>, DbErr> {
    let Some(s) = session::Entity::find_by_id(id_hash.to_owned()).one(db).await? else { return Ok(None) };
    if s.expires_ms <= now {
        return Ok(None);
    }
    match find(db, &s.username).await? {
        Some(u) if !u.view.disabled => Ok(Some((s, u))),
        _ => Ok(None),
    }
}

pub async fn delete_session(db: &impl ConnectionTrait, id_hash: &str) -> Result<(), DbErr> {
    session::Entity::delete_by_id(id_hash.to_owned()).exec(db).await?;
    Ok(())
}

/// End every session of a user (password changed, disabled).
pub async fn delete_sessions_of(db: &impl ConnectionTrait, username: &str) -> Result<u64, DbErr> {
    Ok(session::Entity::delete_many().filter(session::Column::Username.eq(username)).exec(db).await?.rows_affected)
}

pub async fn prune_sessions(db: &impl ConnectionTrait, now: TimestampMs) -> Result<u64, DbErr> {
    Ok(session::Entity::delete_many().filter(session::Column::ExpiresMs.lte(now)).exec(db).await?.rows_affected)
}

fn token_view(m: api_token::Model) -> Result<TokenView, DbErr> {
    Ok(TokenView {
        id: m.id,
        role: role(&m.role)?,
        name: m.name,
        owner: m.owner,
        created_ms: m.created_ms,
        expires_ms: m.expires_ms,
        last_used_ms: m.last_used_ms,
    })
}

pub async fn insert_token(
    db: &impl ConnectionTrait,
    name: &str,
    token_hash: &str,
    role: Role,
    owner: &str,
    now: TimestampMs,
    expires_ms: Option<TimestampMs>,
) -> Result<TokenView, DbErr> {
    let model = api_token::ActiveModel {
        name: Set(name.to_owned()),
        token_hash: Set(token_hash.to_owned()),
        role: Set(role.as_str().to_owned()),
        owner: Set(owner.to_owned()),
        created_ms: Set(now),
        expires_ms: Set(expires_ms),
        last_used_ms: Set(None),
        ..Default::default()
    };
    token_view(model.insert(db).await?)
}

pub async fn list_tokens(db: &impl ConnectionTrait) -> Result<Vec<TokenView>, DbErr> {
    let rows = api_token::Entity::find().order_by_asc(api_token::Column::Id).all(db).await?;
    rows.into_iter().map(token_view).collect()
}

/// A token that has not expired, by the digest of its secret.
pub async fn find_token(
    db: &impl ConnectionTrait,
    token_hash: &str,
    now: TimestampMs,
) -> Result<Option<TokenView>, DbErr> {
    let found = api_token::Entity::find().filter(api_token::Column::TokenHash.eq(token_hash)).one(db).await?;
    match found {
        Some(t) if t.expires_ms.is_none_or(|e| e > now) => Ok(Some(token_view(t)?)),
        _ => Ok(None),
    }
}

pub async fn touch_token(db: &impl ConnectionTrait, id: i64, now: TimestampMs) -> Result<(), DbErr> {
    api_token::Entity::update_many()
        .col_expr(api_token::Column::LastUsedMs, Expr::value(now))
        .filter(api_token::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn delete_token(db: &impl ConnectionTrait, id: i64) -> Result<Option<TokenView>, DbErr> {
    let Some(found) = api_token::Entity::find_by_id(id).one(db).await? else { return Ok(None) };
    api_token::Entity::delete_by_id(id).exec(db).await?;
    Ok(Some(token_view(found)?))
}

/// A token by id, if it still exists and has not expired.
pub async fn token_by_id(db: &impl ConnectionTrait, id: i64, now: TimestampMs) -> Result<Option<TokenView>, DbErr> {
    match api_token::Entity::find_by_id(id).one(db).await? {
        Some(t) if t.expires_ms.is_none_or(|e| e > now) => Ok(Some(token_view(t)?)),
        _ => Ok(None),
    }
}

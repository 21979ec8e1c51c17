//! Authentication and roles. Browser sessions are HttpOnly, SameSite=Strict cookies backed by
//! the `sessions` table, with a CSRF token the SPA echoes on every mutating request; scripts
//! use API tokens (`Authorization: Bearer arb_…`) scoped to a role. [`middleware`] identifies
//! the caller on every request and enforces [`policy`]; handlers read the [`Actor`].

pub mod cache;
pub mod cli;
pub mod middleware;
pub mod password;
pub mod policy;
pub mod revocation;
pub mod secret;
pub mod signature;
pub mod throttle;

use crate::db;
use crate::settings::AuthSettings;
use app::TimestampMs;
use app::auth::Role;
use sea_orm::{ConnectionTrait, DbErr};
use secrecy::ExposeSecret;
use std::time::Duration;

pub const SESSION_COOKIE: &str = "arb_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Who is calling: set by the middleware on every authenticated request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user, or the token's owner for a token.
    pub username: String,
    pub role: Role,
    pub via: Via,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    Session { id_hash: String, csrf_token: String, expires_ms: TimestampMs },
    Token { id: i64, name: String, expires_ms: Option<TimestampMs> },
}

impl Actor {
    /// The name written in the audit log: the username, or `token:<name>` for a token.
    pub fn audit_name(&self) -> String {
        match &self.via {
            Via::Session { .. } => self.username.clone(),
            Via::Token { name, .. } => format!("token:{name}"),
        }
    }
}

/// The client's address, when the server knows it (absent in `oneshot` tests).
#[derive(Debug, Clone, Default)]
pub struct ClientIp(pub Option<String>);

/// What the gate and the stream watchers need, and nothing more: the database, the clock and
/// the auth state. `AppState` hands it over (`FromRef`), so this module never reads `AppState`.
#[derive(Clone)]
pub struct Gate {
    pub db: sea_orm::DatabaseConnection,
    pub clock: crate::clock::Clock,
    pub auth: std::sync::Arc<AuthState>,
}

/// Shared by the middleware and the auth routes.
pub struct AuthState {
    pub session_ms: i64,
    pub secure_cookie: bool,
    pub throttle: throttle::Throttle,
    /// Bumped on every logout, user change and token revocation: open streams re-check.
    pub changes: tokio::sync::watch::Sender<u64>,
    /// Credentials resolved by recent requests; emptied by the same changes.
    pub credentials: cache::Credentials,
}

impl AuthState {
    pub fn new(s: &AuthSettings) -> Self {
        Self {
            session_ms: i64::from(s.session_hours.max(1)) * 3_600_000,
            secure_cookie: s.secure_cookie,
            throttle: throttle::Throttle::new(s.max_failures, Duration::from_secs(s.failure_window_secs.max(1))),
            changes: tokio::sync::watch::Sender::new(0),
            credentials: cache::Credentials::default(),
        }
    }

    /// Credentials changed somewhere: the next request asks the database, and open streams
    /// re-check theirs. Call it after the change is stored and before answering.
    pub fn credentials_changed(&self) {
        self.credentials.invalidate();
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// The `Set-Cookie` value for a new session (or, with `None`, one that removes it).
    pub fn cookie(&self, session: Option<&str>) -> String {
        let secure = if self.secure_cookie { "; Secure" } else { "" };
        match session {
            Some(id) => format!(
                "{SESSION_COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
                self.session_ms / 1000
            ),
            None => format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{secure}"),
        }
    }
}

/// Create a user after checking the name and password rules.
pub async fn create_user(
    db: &impl ConnectionTrait,
    username: &str,
    password: &str,
    role: Role,
    now: TimestampMs,
) -> Result<(), CreateUserError> {
    app::auth::validate_username(username).map_err(CreateUserError::Username)?;
    app::auth::validate_password(password).map_err(CreateUserError::Password)?;
    if db::users::find(db, username).await?.is_some() {
        return Err(CreateUserError::Exists);
    }
    let hash = password::hash(password).map_err(|e| CreateUserError::Hash(e.to_string()))?;
    db::users::insert(db, username, &hash, role, now).await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("username: {0}")]
    Username(String),
    #[error("password: {0}")]
    Password(String),
    #[error("username: already taken")]
    Exists,
    #[error("hashing: {0}")]
    Hash(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// On a database without users, create `admin` with the configured password or a generated
/// one, which is printed once to standard output (never logged).
pub async fn bootstrap_admin(
    db: &impl ConnectionTrait,
    settings: &AuthSettings,
    now: TimestampMs,
) -> Result<(), CreateUserError> {
    if db::users::count(db).await? > 0 {
        return Ok(());
    }
    match &settings.admin_password {
        Some(p) => {
            create_user(db, "admin", p.expose_secret(), Role::Admin, now).await?;
            tracing::info!("created user `admin` with the password from ARB_ADMIN_PASSWORD");
        }
        None => {
            let generated = password::generate();
            create_user(db, "admin", &generated, Role::Admin, now).await?;
            tracing::warn!("created user `admin` with a generated password, printed once on standard output");
            println!(
                "\n  First start: created user `admin` with password  {generated}\n  \
                 It is shown only now. Change it with `server user reset-password admin`.\n"
            );
        }
    }
    Ok(())
}

/// Issue an API token for `owner` with `role`; returns the secret (shown once).
pub async fn issue_token(
    db: &impl ConnectionTrait,
    name: &str,
    role: Role,
    owner: &str,
    now: TimestampMs,
    expires_ms: Option<TimestampMs>,
) -> Result<(String, app::auth::TokenView), DbErr> {
    let token = secret::generate("arb_");
    let view = db::users::insert_token(db, name, &secret::digest(&token), role, owner, now, expires_ms).await?;
    Ok((token, view))
}

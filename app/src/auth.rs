//! Who may do what: roles, the login contract, users and API tokens.
//!
//! Roles are ordered: a `trader` can do everything a `viewer` can, an `admin` everything a
//! `trader` can. The server decides; the SPA only uses the role to hide controls.

use crate::TimestampMs;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads everything, acts on nothing.
    Viewer,
    /// Plus manual open and close, close a percentage, close-all, pause/resume.
    Trader,
    /// Plus strategy parameters, symbols, users and tokens.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Trader, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Trader => "trader",
            Role::Admin => "admin",
        }
    }

    /// Whether this role includes `needed`.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role `{s}`: expected viewer, trader or admin"))
    }
}

/// `POST /api/v1/auth/login`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// `GET /api/v1/auth/me`, and the answer to a login.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub username: String,
    pub role: Role,
    /// When the session (or token) stops working.
    pub expires_ms: Option<TimestampMs>,
    /// For a browser session: send it back as `X-CSRF-Token` on every POST, PUT and DELETE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
}

/// A user as admins see it (`GET /api/v1/users`). Never carries the password hash.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    pub created_ms: TimestampMs,
    pub last_login_ms: Option<TimestampMs>,
}

/// `POST /api/v1/users`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateUserRequest {
    pub username: String,
    pub password: String,
    pub role: Role,
}

/// `PUT /api/v1/users/{username}`: any field given is changed. A new password or disabling
/// the user ends their sessions.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateUserRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

/// An API token as listed (`GET /api/v1/tokens`); the secret is shown once, at creation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// The admin who created it.
    pub owner: String,
    pub created_ms: TimestampMs,
    pub expires_ms: Option<TimestampMs>,
    pub last_used_ms: Option<TimestampMs>,
}

/// `POST /api/v1/tokens`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateTokenRequest {
    pub name: String,
    pub role: Role,
    /// Lifetime in days; none means it lasts until revoked.
    #[serde(default)]
    pub expires_days: Option<u32>,
}

/// The answer to `POST /api/v1/tokens`: `token` goes in `Authorization: Bearer …`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub token: String,
    pub view: TokenView,
}

/// Usernames: 3 to 32 of `a-z 0-9 . _ -`, starting with a letter.
pub fn validate_username(name: &str) -> Result<(), String> {
    let ok_len = (3..=32).contains(&name.len());
    let ok_start = name.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    let ok_chars = name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok_len && ok_start && ok_chars {
        Ok(())
    } else {
        Err("3 to 32 characters: lower-case letters, digits, `.`, `_`, `-`, starting with a letter".into())
    }
}

/// Passwords: at least 12 characters, at most 256.
pub fn validate_password(password: &str) -> Result<(), String> {
    match password.chars().count() {
        n if n < 12 => Err("at least 12 characters".into()),
        n if n > 256 => Err("at most 256 characters".into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Admin.allows(Role::Trader));
        assert!(Role::Trader.allows(Role::Viewer));
        assert!(!Role::Viewer.allows(Role::Trader));
        assert!(!Role::Trader.allows(Role::Admin));
        assert_eq!("trader".parse::<Role>(), Ok(Role::Trader));
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn usernames_and_passwords() {
        assert!(validate_username("alice").is_ok());
        assert!(validate_username("a.b-c_1").is_ok());
        for bad in ["al", "Alice", "1abc", "al ice", ""] {
            assert!(validate_username(bad).is_err(), "{bad}");
        }
        assert!(validate_password("short").is_err());
        assert!(validate_password("correct horse").is_ok());
    }
}

//! How values are written into TEXT columns and read back: decimals exactly as text (SQLite's
//! DECIMAL is a float), enums by their serde name (`app::text`), documents as JSON. A stored
//! value that no longer parses is a `DbErr` naming it, never a silent default.

use rust_decimal::Decimal;
use sea_orm::DbErr;
use std::str::FromStr;

pub fn decimal(s: &str) -> Result<Decimal, DbErr> {
    Decimal::from_str(s).map_err(|e| DbErr::Custom(format!("stored decimal {s:?}: {e}")))
}

/// An enum's column text: its serde name.
pub fn text<T: serde::Serialize>(v: &T) -> String {
    app::text::name(v)
}

pub fn parse_text<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, DbErr> {
    app::text::parse(s).map_err(|e| DbErr::Custom(format!("stored value {e}")))
}

pub fn json<T: serde::Serialize>(v: &T) -> Result<String, DbErr> {
    serde_json::to_string(v).map_err(|e| DbErr::Custom(format!("serialising: {e}")))
}

pub fn parse_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, DbErr> {
    serde_json::from_str(s).map_err(|e| DbErr::Custom(format!("parsing stored JSON: {e}")))
}

//! Request parameters as the REST handlers read them: the query string and the form body, the
//! query winning on a clash.

use super::error::ApiError;
use std::collections::HashMap;

/// Request parameters: query string and form body, the query winning on a clash.
#[derive(Debug, Default)]
pub struct Params(HashMap<String, String>);

impl Params {
    pub fn parse(query: &str, body: &[u8]) -> Self {
        let mut map: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
        map.extend(url::form_urlencoded::parse(query.as_bytes()).into_owned());
        Self(map)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str).filter(|v| !v.is_empty())
    }

    pub fn required(&self, key: &str) -> Result<&str, ApiError> {
        self.get(key).ok_or_else(|| ApiError::mandatory(key))
    }

    pub fn decimal(&self, key: &str) -> Result<Option<rust_decimal::Decimal>, ApiError> {
        self.get(key).map(|v| v.parse().map_err(|_| ApiError::illegal(key))).transpose()
    }

    pub fn int(&self, key: &str) -> Result<Option<i64>, ApiError> {
        self.get(key).map(|v| v.parse().map_err(|_| ApiError::illegal(key))).transpose()
    }
}

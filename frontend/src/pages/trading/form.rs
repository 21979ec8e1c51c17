//! The Trading page's forms as plain data: what was typed, parsed into the API's requests with
//! a message per invalid field (the bounds are `app::trading`'s, the server's own), and the
//! preview computed from the engine's quotes exactly as the engine computes its plan
//! (`server/src/engine/commands.rs`: defaults from the parameters, then `app::sizing::preview`).

use app::params::{FieldError, StrategyParams};
use app::sizing::{LegQuote, OpenPreview, OpenRequest, preview};
use app::trading::{ClosePositionRequest, OpenPositionRequest, PositionId};
use app::{SpreadDirection, Symbol, Usd, Venue};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::str::FromStr;

/// Field name (as the API names it) to its message.
pub type FieldErrors = BTreeMap<String, String>;

/// The fields of the open form, in the order they are shown; the names are the request's.
pub const OPEN_FIELDS: [&str; 8] = [
    "symbol",
    "direction",
    "notional",
    "leverage_binance",
    "leverage_lighter",
    "slices",
    "slippage_cap_bps",
    "close_after_hours",
];
pub const CLOSE_FIELDS: [&str; 2] = ["position_id", "percent"];

/// The open form as typed. Empty optional fields leave the choice to the engine's parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenForm {
    pub symbol: String,
    pub direction: Option<SpreadDirection>,
    pub notional: String,
    pub leverage_binance: String,
    pub leverage_lighter: String,
    pub slices: String,
    pub slippage_cap_bps: String,
    /// A manual position is closed only by a person or a risk rule, unless these are set.
    pub exit_on_reversal: bool,
    /// Close after this many hours (empty: no time limit).
    pub close_after_hours: String,
}

impl OpenForm {
    pub fn parse(&self) -> Result<OpenPositionRequest, FieldErrors> {
        let mut errors = FieldErrors::new();
        let symbol = match self.symbol.trim() {
            "" => {
                errors.insert("symbol".into(), "choose a symbol".into());
                None
            }
            s => Symbol::new(s).map_err(|e| errors.insert("symbol".into(), e.to_string())).ok(),
        };
        if self.direction.is_none() {
            errors.insert("direction".into(), "choose a direction".into());
        }
        let notional = match self.notional.trim() {
            "" => {
                errors.insert("notional".into(), "enter the notional in USD".into());
                None
            }
            s => decimal(s).map_err(|m| errors.insert("notional".into(), m)).ok(),
        };
        let mut whole = |field: &str, text: &str| match text.trim() {
            "" => None,
            s => s.parse::<u32>().map_err(|_| errors.insert(field.into(), format!("a whole number, got {s}"))).ok(),
        };
        let leverage_binance = whole("leverage_binance", &self.leverage_binance);
        let leverage_lighter = whole("leverage_lighter", &self.leverage_lighter);
        let slices = whole("slices", &self.slices);
        let slippage_cap_bps = whole("slippage_cap_bps", &self.slippage_cap_bps);
        let close_after_hours = whole("close_after_hours", &self.close_after_hours);
        // Fields that did not parse are stood in for, so that the shared bounds still check
        // every other field; their own messages win in `merge`.
        let req = OpenPositionRequest {
            symbol: symbol.unwrap_or_else(|| Symbol::new("X").expect("a valid placeholder")),
            direction: self.direction.unwrap_or(SpreadDirection::LongLighterShortBinance),
            notional: Usd(notional.unwrap_or(Decimal::ONE)),
            leverage_binance,
            leverage_lighter,
            slices,
            slippage_cap_bps,
            exit_on_reversal: self.exit_on_reversal,
            close_after_hours,
        };
        merge(&mut errors, req.validate());
        if errors.is_empty() { Ok(req) } else { Err(errors) }
    }
}

/// The close form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CloseForm {
    pub position_id: Option<PositionId>,
    pub percent: String,
}

impl CloseForm {
    pub fn parse(&self) -> Result<ClosePositionRequest, FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.position_id.is_none() {
            errors.insert("position_id".into(), "choose a position".into());
        }
        let percent = match self.percent.trim() {
            "" => {
                errors.insert("percent".into(), "enter a percentage".into());
                None
            }
            s => decimal(s).map_err(|m| errors.insert("percent".into(), m)).ok(),
        };
        let req = ClosePositionRequest {
            position_id: self.position_id.unwrap_or_default(),
            percent: percent.unwrap_or(Decimal::ONE_HUNDRED),
        };
        merge(&mut errors, req.validate());
        if errors.is_empty() { Ok(req) } else { Err(errors) }
    }
}

/// A plain decimal number as typed ("1500", "1,500.5"); no exponents.
fn decimal(text: &str) -> Result<Decimal, String> {
    let plain = text.replace(',', "");
    let digits = plain.strip_prefix('-').unwrap_or(&plain);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(format!("a number, got {text}"));
    }
    Decimal::from_str(&plain).map_err(|_| format!("a number, got {text}"))
}

/// Bounds messages for fields that parsed; a field that did not parse keeps its own message.
fn merge(errors: &mut FieldErrors, more: Vec<FieldError>) {
    for e in more {
        errors.entry(e.field).or_insert(e.message);
    }
}

/// The preview of `req`: the engine's quotes at the form's leverages, and the parameters'
/// defaults for what the form leaves open — the inputs `Engine::open` sizes with.
pub fn preview_for(req: &OpenPositionRequest, quotes: &[LegQuote], params: &StrategyParams) -> Option<OpenPreview> {
    let quote = |v: Venue, leverage: Option<u32>, default: u32| {
        quotes.iter().find(|q| q.venue == v).cloned().map(|q| LegQuote { leverage: leverage.unwrap_or(default), ..q })
    };
    let binance = quote(Venue::Binance, req.leverage_binance, params.leverage_binance)?;
    let lighter = quote(Venue::Lighter, req.leverage_lighter, params.leverage_lighter)?;
    let sizing = OpenRequest {
        direction: req.direction,
        notional: req.notional,
        slices: req.slices.unwrap_or(params.slices),
        max_slice_notional: params.max_slice_notional,
        slippage_cap_bps: req.slippage_cap_bps.unwrap_or(params.slippage_cap_bps),
    };
    Some(preview(&sizing, &binance, &lighter))
}

#[cfg(test)]
mod tests;

//! Strategies: who a position belongs to (`auto`, `manual`, or a signal strategy's name), the
//! exit rules it carries, and each strategy's book as the Strategies view shows it.

use crate::money::Usd;
use crate::params::FieldError;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A strategy's name: 1 to 40 lower-case letters, digits, `-` or `_`, starting with a letter
/// or digit. `auto` (the platform's own funding-spread strategy) and `manual` (the open form)
/// are built in; every other name belongs to signals.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StrategyId(String);

impl StrategyId {
    pub const AUTO: &'static str = "auto";
    pub const MANUAL: &'static str = "manual";

    pub fn new(s: &str) -> Result<Self, String> {
        if name_ok(s) { Ok(Self(s.to_owned())) } else { Err(format!("{NAME_RULE}, got {s:?}")) }
    }

    pub fn auto() -> Self {
        Self(Self::AUTO.to_owned())
    }

    pub fn manual() -> Self {
        Self(Self::MANUAL.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `auto` or `manual`: no signal may claim them.
    pub fn is_builtin(&self) -> bool {
        self.0 == Self::AUTO || self.0 == Self::MANUAL
    }
}

/// The rule for strategy and signal-source names, as error messages say it.
pub const NAME_RULE: &str = "must be 1 to 40 lower-case letters, digits, '-' or '_', starting with a letter or digit";

/// Strategy and signal-source names share one rule: safe in a URL, a header and a file name.
pub fn name_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
}

/// `auto`: the strategy that existed before there were others, for records stored then.
impl Default for StrategyId {
    fn default() -> Self {
        Self::auto()
    }
}

impl TryFrom<String> for StrategyId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        StrategyId::new(&s)
    }
}

impl From<StrategyId> for String {
    fn from(s: StrategyId) -> String {
        s.0
    }
}

impl FromStr for StrategyId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        StrategyId::new(s)
    }
}

impl fmt::Display for StrategyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The exits a position's strategy chose, besides the risk rules that apply to every position
/// (stop-loss, take-profit, liquidation buffer, drawdown breaker, kill switch). A manual
/// position has none unless its form ticked them; `auto` positions follow the strategy
/// parameters (reversal, and the maximum holding time); a signal strategy's come from its
/// source's settings.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExitRules {
    /// Close when the spread in the held direction stays below the exit threshold.
    #[serde(default)]
    pub spread_reversal: bool,
    /// Close once the position has been held this many hours.
    #[serde(default)]
    pub close_after_hours: Option<u32>,
}

/// Bounds of `close_after_hours`: an hour to a year.
pub const CLOSE_AFTER_HOURS: (u32, u32) = (1, 24 * 365);

impl ExitRules {
    pub fn validate(&self, field: &str) -> Vec<FieldError> {
        match self.close_after_hours {
            Some(h) if !(CLOSE_AFTER_HOURS.0..=CLOSE_AFTER_HOURS.1).contains(&h) => vec![FieldError {
                field: field.to_owned(),
                message: format!("must be {} to {} hours, got {h}", CLOSE_AFTER_HOURS.0, CLOSE_AFTER_HOURS.1),
            }],
            _ => Vec::new(),
        }
    }

    /// "spread reversal, after 24 h", or "none (a person or a risk rule closes it)".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.spread_reversal {
            parts.push("spread reversal".to_owned());
        }
        if let Some(h) = self.close_after_hours {
            parts.push(format!("after {h} h"));
        }
        if parts.is_empty() { "none (a person or a risk rule closes it)".to_owned() } else { parts.join(", ") }
    }
}

/// One strategy's book: what the Strategies view lists and `GET /api/v1/strategies` answers.
/// Money is realised for closed positions and marked to market for open ones;
/// `net = price_pnl + funding - fees`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrategySummary {
    pub strategy: StrategyId,
    /// Every position of the strategy, open and finished.
    pub positions: u32,
    pub open_positions: u32,
    /// Closed positions whose net was above zero, over closed positions; absent before any closed.
    pub win_rate: Option<Decimal>,
    pub price_pnl: Usd,
    pub funding: Usd,
    pub fees: Usd,
    pub net: Usd,
    /// Net P&L over the capital occupied, annualised: net / (Σ notional × hours held) × 8760.
    /// The notional is the long leg's at entry. Absent before any capital was occupied.
    pub apr: Option<Decimal>,
    /// Notional of the strategy's open positions at entry (one leg).
    pub exposure: Usd,
    /// The strategy's own risk cap on exposure, if one is set.
    pub max_notional: Option<Usd>,
}

/// One position as a strategy's book counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookEntry {
    pub strategy: StrategyId,
    pub open: bool,
    pub price_pnl: Usd,
    pub funding: Usd,
    pub fees: Usd,
    pub net: Usd,
    /// The long leg's notional at entry (the capital the position occupied).
    pub notional: Usd,
    /// How long it occupied it: opened to closed, or to now while open.
    pub hours: Decimal,
}

const HOURS_PER_YEAR: i64 = 24 * 365;

/// Each strategy's book from its positions, in name order; every capped strategy appears even
/// without positions. Pure, so the figures can be checked by hand.
pub fn summarize(entries: &[BookEntry], caps: &std::collections::BTreeMap<StrategyId, Usd>) -> Vec<StrategySummary> {
    let mut by: std::collections::BTreeMap<StrategyId, (StrategySummary, u32, u32, Decimal)> =
        std::collections::BTreeMap::new();
    let blank = |s: &StrategyId| StrategySummary {
        strategy: s.clone(),
        positions: 0,
        open_positions: 0,
        win_rate: None,
        price_pnl: Usd::ZERO,
        funding: Usd::ZERO,
        fees: Usd::ZERO,
        net: Usd::ZERO,
        apr: None,
        exposure: Usd::ZERO,
        max_notional: caps.get(s).copied(),
    };
    for s in caps.keys() {
        by.insert(s.clone(), (blank(s), 0, 0, Decimal::ZERO));
    }
    for e in entries {
        let (sum, closed, wins, capital_hours) =
            by.entry(e.strategy.clone()).or_insert_with(|| (blank(&e.strategy), 0, 0, Decimal::ZERO));
        sum.positions += 1;
        sum.price_pnl += e.price_pnl;
        sum.funding += e.funding;
        sum.fees += e.fees;
        sum.net += e.net;
        *capital_hours += e.notional.value() * e.hours;
        if e.open {
            sum.open_positions += 1;
            sum.exposure += e.notional;
        } else {
            *closed += 1;
            if e.net > Usd::ZERO {
                *wins += 1;
            }
        }
    }
    by.into_values()
        .map(|(mut sum, closed, wins, capital_hours)| {
            sum.win_rate = (closed > 0).then(|| (Decimal::from(wins) / Decimal::from(closed)).round_dp(4));
            sum.apr = (capital_hours > Decimal::ZERO)
                .then(|| (sum.net.value() / capital_hours * Decimal::from(HOURS_PER_YEAR)).round_dp(6));
            sum
        })
        .collect()
}

/// `PUT /api/v1/strategies/{name}`: the strategy's own exposure cap (`null` removes it).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StrategyCapRequest {
    pub max_notional: Option<Usd>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        for ok in ["auto", "manual", "carry-1", "a", "x_2", &"a".repeat(40)] {
            assert!(StrategyId::new(ok).is_ok(), "{ok}");
        }
        for bad in ["", "Carry", "-x", "a b", "é", &"a".repeat(41)] {
            assert!(StrategyId::new(bad).is_err(), "{bad:?}");
        }
        assert!(StrategyId::auto().is_builtin() && StrategyId::manual().is_builtin());
        assert!(!StrategyId::new("carry-1").unwrap().is_builtin());
        assert!(serde_json::from_str::<StrategyId>("\"Bad\"").is_err());
    }

    #[test]
    fn a_book_by_hand() {
        let carry = StrategyId::new("carry-1").unwrap();
        let usd = |v: i64| Usd(Decimal::from(v));
        let entry = |strategy: &StrategyId, open: bool, net: i64, notional: i64, hours: i64| BookEntry {
            strategy: strategy.clone(),
            open,
            price_pnl: usd(net + 2),
            funding: usd(1),
            fees: usd(3),
            net: usd(net),
            notional: usd(notional),
            hours: Decimal::from(hours),
        };
        let entries = [
            entry(&carry, false, 10, 1_000, 24),
            entry(&carry, false, -4, 1_000, 24),
            entry(&carry, true, 2, 2_000, 12),
            entry(&StrategyId::manual(), false, 5, 500, 1),
        ];
        let caps = std::collections::BTreeMap::from([(StrategyId::new("idle").unwrap(), usd(100))]);
        let s = summarize(&entries, &caps);
        let names: Vec<&str> = s.iter().map(|x| x.strategy.as_str()).collect();
        assert_eq!(names, ["carry-1", "idle", "manual"]);
        let c = &s[0];
        assert_eq!((c.positions, c.open_positions), (3, 1));
        assert_eq!(c.win_rate, Some(Decimal::new(5, 1)), "one of two closed won");
        assert_eq!((c.net, c.price_pnl, c.funding, c.fees), (usd(8), usd(14), usd(3), usd(9)));
        assert_eq!(c.exposure, usd(2_000));
        // 8 USD over 1000×24 + 1000×24 + 2000×12 = 72000 USD·h, × 8760 h = 0.973333…
        assert_eq!(c.apr, Some(Decimal::new(973333, 6)));
        assert_eq!((s[1].positions, s[1].apr, s[1].win_rate, s[1].max_notional), (0, None, None, Some(usd(100))));
    }

    #[test]
    fn exits_describe_themselves_and_check_their_hours() {
        assert_eq!(ExitRules::default().describe(), "none (a person or a risk rule closes it)");
        let both = ExitRules { spread_reversal: true, close_after_hours: Some(24) };
        assert_eq!(both.describe(), "spread reversal, after 24 h");
        assert!(both.validate("x").is_empty());
        let bad = ExitRules { spread_reversal: false, close_after_hours: Some(0) };
        assert_eq!(bad.validate("close_after_hours")[0].field, "close_after_hours");
        // Stored positions from before exits existed read as none.
        assert_eq!(serde_json::from_str::<ExitRules>("{}").unwrap(), ExitRules::default());
    }
}

//! Backtests: what a run is asked to do ([`BacktestRequest`], the same options as the
//! `server backtest` command), how far a stored run is ([`BacktestRun`]), and what it reports
//! ([`Report`]). Money is `Usd` and travels as decimal strings; returns and ratios are
//! `Decimal`s (APRs as fractions, 0.12 = 12 %; the drawdown percentage as a percent).

use crate::TimestampMs;
use crate::equity::MS_PER_DAY;
use crate::ids::Symbol;
use crate::money::Usd;
use crate::params::StrategyParams;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The most parameter sets one sweep may run (each is a whole backtest).
pub const MAX_SWEEP_POINTS: usize = 64;

/// How often the simulated venues publish while no order is being worked (while one is, they
/// publish every second, as live).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Resolution {
    #[default]
    #[serde(rename = "1m")]
    Minute,
    #[serde(rename = "1h")]
    Hour,
}

impl Resolution {
    pub fn millis(self) -> i64 {
        match self {
            Resolution::Minute => 60_000,
            Resolution::Hour => crate::MS_PER_HOUR,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::Minute => "1m",
            Resolution::Hour => "1h",
        }
    }
}

impl std::str::FromStr for Resolution {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "1m" => Ok(Resolution::Minute),
            "1h" => Ok(Resolution::Hour),
            other => Err(format!("`{other}` is not a resolution: use 1m or 1h")),
        }
    }
}

/// What a sweep's points are ranked by (best first).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    #[default]
    Net,
    AprBudget,
    AprOccupied,
    Sharpe,
    Sortino,
    Calmar,
    /// The smallest drawdown ranks first.
    MaxDrawdownPct,
}

impl Metric {
    pub const ALL: [Metric; 7] = [
        Metric::Net,
        Metric::AprBudget,
        Metric::AprOccupied,
        Metric::Sharpe,
        Metric::Sortino,
        Metric::Calmar,
        Metric::MaxDrawdownPct,
    ];

    pub fn name(self) -> String {
        crate::text::name(&self)
    }

    /// The report's value, signed so that more is better.
    pub fn score(self, r: &Report) -> Decimal {
        match self {
            Metric::Net => r.net.0,
            Metric::AprBudget => r.apr_budget,
            Metric::AprOccupied => r.apr_occupied,
            Metric::Sharpe => r.sharpe,
            Metric::Sortino => r.sortino,
            Metric::Calmar => r.calmar,
            Metric::MaxDrawdownPct => -r.max_drawdown_pct,
        }
    }
}

impl std::str::FromStr for Metric {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Metric::ALL.into_iter().find(|m| m.name() == s).ok_or_else(|| {
            let names: Vec<String> = Metric::ALL.iter().map(|m| m.name()).collect();
            format!("`{s}` is not a metric: use one of {}", names.join(", "))
        })
    }
}

/// `POST /api/v1/backtests`, and what the command line builds from its flags.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BacktestRequest {
    /// First day, `YYYY-MM-DD` (from 00:00 UTC).
    pub from: String,
    /// Last day, exclusive: the run ends at 00:00 UTC of this day.
    pub to: String,
    /// Empty: every symbol with history on both venues.
    #[serde(default)]
    pub symbols: Vec<Symbol>,
    /// The whole parameter set; absent: the parameters in effect now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<StrategyParams>,
    /// Single fields over the base set (`{"entry_min_apr": "0.2"}`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub set: BTreeMap<String, Value>,
    /// A grid: every combination of these values is run (`{"slices": [2, 4, 8]}`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sweep: BTreeMap<String, Vec<Value>>,
    #[serde(default)]
    pub resolution: Resolution,
    /// The strategy sees only settled rates: the prediction is the last settlement.
    #[serde(default)]
    pub strict: bool,
    /// What a sweep is ranked by.
    #[serde(default)]
    pub rank_by: Metric,
}

/// `POST /api/v1/backtests`' answer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Created {
    pub id: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Queued,
    Running,
    Done,
    Failed,
}

/// Money split by venue.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByVenue {
    pub binance: Usd,
    pub lighter: Usd,
}

/// One symbol's line of the report.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SymbolRow {
    pub symbol: Symbol,
    pub opens: u32,
    pub hours_held: Decimal,
    pub funding: Usd,
    pub fees: Usd,
    pub price_pnl: Usd,
    /// Price P&L + funding - fees.
    pub net: Usd,
}

/// Equity at the end of one UTC day: the budget plus the net P&L so far (open legs at mark),
/// and how far below its peak it stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EquityPoint {
    pub day: String,
    pub equity: Usd,
    pub drawdown: Usd,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub from: String,
    pub to: String,
    pub symbols: Vec<Symbol>,
    pub resolution: Resolution,
    pub strict: bool,
    pub seed: u64,
    pub params: StrategyParams,
    /// Engine events processed.
    pub events: u64,
    pub elapsed_ms: u64,
    /// The capital the parameters need at their cap: `max_notional_total` held on both legs,
    /// each at its venue's leverage. APR on the budget and the equity curve are on it.
    pub budget: Usd,
    /// Price P&L + funding - fees.
    pub net: Usd,
    /// From the fills: what the legs sold for minus what they bought for (any leg still open
    /// at the end is valued at its last mark).
    pub price_pnl: Usd,
    /// Settled funding received (negative: paid).
    pub funding: Usd,
    pub funding_by_venue: ByVenue,
    pub fees: Usd,
    pub fees_by_venue: ByVenue,
    /// Net over the budget, per year of the window, as a fraction.
    pub apr_budget: Decimal,
    /// Net over the capital the legs actually occupied (margin at entry, per year held).
    pub apr_occupied: Decimal,
    /// On daily returns of the equity curve, annualised with √365; 0 without variation.
    pub sharpe: Decimal,
    pub sortino: Decimal,
    /// APR on the budget over the maximum drawdown (as a fraction); 0 without a drawdown.
    pub calmar: Decimal,
    pub max_drawdown_usd: Usd,
    /// A percentage of the peak (3.5 = 3.5 %).
    pub max_drawdown_pct: Decimal,
    /// The day of the peak before the deepest drawdown, and of its trough.
    pub drawdown_start: Option<String>,
    pub drawdown_end: Option<String>,
    /// Positions that held legs (opened at least in part).
    pub positions: u32,
    /// Opens that ended with nothing held.
    pub failed_opens: u32,
    /// Why positions were closed: `spread_reversal`, `stop_loss`, `take_profit`,
    /// `liquidation_buffer`, `max_holding_time`, `end_of_window`, `other`.
    pub exits_by_reason: BTreeMap<String, u32>,
    pub avg_holding_hours: Decimal,
    pub longest_holding_hours: Decimal,
    /// Notional traded on both legs, and as a multiple of the budget.
    pub turnover: Usd,
    pub turnover_ratio: Decimal,
    /// Share of the window with at least one leg open (0 to 1).
    pub time_in_market: Decimal,
    /// Positions closed because a leg came near its liquidation price.
    pub liquidation_buffer_actions: u32,
    pub fills: u32,
    pub payments: u32,
    pub per_symbol: Vec<SymbolRow>,
    pub equity: Vec<EquityPoint>,
}

/// One point of a sweep: the values it set and its headline figures.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepPoint {
    pub rank: u32,
    pub set: BTreeMap<String, Value>,
    pub net: Usd,
    pub apr_budget: Decimal,
    pub apr_occupied: Decimal,
    pub sharpe: Decimal,
    pub sortino: Decimal,
    pub calmar: Decimal,
    pub max_drawdown_pct: Decimal,
    pub positions: u32,
}

impl SweepPoint {
    pub fn of(set: BTreeMap<String, Value>, r: &Report) -> Self {
        Self {
            rank: 0,
            set,
            net: r.net,
            apr_budget: r.apr_budget,
            apr_occupied: r.apr_occupied,
            sharpe: r.sharpe,
            sortino: r.sortino,
            calmar: r.calmar,
            max_drawdown_pct: r.max_drawdown_pct,
            positions: r.positions,
        }
    }
}

/// A stored run: `GET /api/v1/backtests/{id}` (with the report) and the rows of the list and
/// of `/ws/backtests` (without it).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestRun {
    pub id: i64,
    pub status: RunStatus,
    /// 0 to 1.
    pub progress: Decimal,
    pub author: String,
    pub created_ms: TimestampMs,
    pub finished_ms: Option<TimestampMs>,
    pub request: BacktestRequest,
    pub error: Option<String>,
    /// The headline figures once done (the list shows them).
    pub net: Option<Usd>,
    pub apr_budget: Option<Decimal>,
    /// The report (of the best point, for a sweep); only in `GET /backtests/{id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<Report>,
    /// A sweep's points, best first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sweep: Vec<SweepPoint>,
}

/// 00:00 UTC of a `YYYY-MM-DD` day (H. Hinnant's `days_from_civil`).
pub fn parse_day(s: &str) -> Option<TimestampMs> {
    let mut parts = s.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let t = (era * 146_097 + doe - 719_468) * MS_PER_DAY;
    // 2026-02-30 is not a day: it would not come back as itself.
    (crate::equity::date(t) == s).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_parse_and_print_back() {
        for day in ["2025-09-01", "2026-08-01", "2024-02-29", "1970-01-01"] {
            let t = parse_day(day).unwrap();
            assert_eq!(crate::equity::date(t), day);
        }
        assert_eq!(parse_day("2025-09-01"), Some(1_756_684_800_000));
        for bad in ["2025-9-01", "2025-02-30", "20250901", "2025-13-01", "x", "2025-09-01-1"] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
    }

    #[test]
    fn resolutions_and_metrics_read_as_written() {
        assert_eq!("1h".parse::<Resolution>(), Ok(Resolution::Hour));
        assert_eq!(serde_json::to_string(&Resolution::Minute).unwrap(), "\"1m\"");
        assert!("5m".parse::<Resolution>().unwrap_err().contains("1m or 1h"));
        assert_eq!("max_drawdown_pct".parse::<Metric>(), Ok(Metric::MaxDrawdownPct));
        assert!("profit".parse::<Metric>().unwrap_err().contains("sharpe"));
    }
}

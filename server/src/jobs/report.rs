//! The two reports: the nightly full reconciliation, which also checks every position of the
//! working set against the fills and payments stored for it (a position's fills always add up
//! to its P&L), and the monthly P&L of the past market month, written as JSON under
//! `<data_dir>/reports/` and announced.

use super::{JobContext, Outcome};
use crate::db::fills::Fills;
use crate::db::page;
use crate::db::payments::Payments;
use app::jobs::RunStatus;
use app::trading::{Kind, Level, Notification, PositionView};
use app::{TimestampMs, Usd, Venue};
use chrono::{DateTime, Datelike, TimeZone, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// A reconciliation; partial when a venue could not be read.
pub async fn reconcile(ctx: &JobContext, trigger: &str) -> Result<Outcome, String> {
    let report = ctx.engine.reconcile(trigger).await.map_err(|e| e.0)?;
    let unreachable: Vec<String> = report.venues.iter().filter(|v| !v.reachable).map(|v| v.venue.to_string()).collect();
    let records = report.differences.len();
    if unreachable.is_empty() {
        Ok(Outcome::done(records))
    } else {
        Ok(Outcome::partial(records, format!("unreachable: {}", unreachable.join(", "))))
    }
}

/// The nightly report: a reconciliation, then the books check.
pub async fn daily(ctx: &JobContext) -> Result<Outcome, String> {
    let reconciled = reconcile(ctx, "daily report").await?;
    let positions: Vec<PositionView> = ctx.engine.read(|v| v.positions.values().cloned().collect());
    let mismatches = books_check(&ctx.db, &positions).await.map_err(|e| e.to_string())?;
    let clean = reconciled.status == RunStatus::Success && reconciled.records == 0 && mismatches.is_empty();
    let title = format!(
        "Daily reconciliation: {} difference(s); {} position(s) checked against their fills, {} mismatch(es)",
        reconciled.records,
        positions.len(),
        mismatches.len()
    );
    let mut message = reconciled.note.clone().unwrap_or_default();
    if !mismatches.is_empty() {
        message = format!("{message} {}", mismatches.join("; ")).trim().to_owned();
    }
    let level = if clean { Level::Info } else { Level::Warning };
    ctx.notifier.publish(Notification::new(level, Kind::Report, ctx.clock.wall_ms(), title, message).about("daily"));
    if mismatches.is_empty() {
        Ok(Outcome { records: positions.len() as i64, ..reconciled })
    } else {
        Ok(Outcome::partial(positions.len(), mismatches.join("; ")))
    }
}

/// For each position: its realised price P&L, fees and settled funding against the sums of
/// the fills and payments stored for it. Returns what differs.
pub async fn books_check(
    db: &sea_orm::DatabaseConnection,
    positions: &[PositionView],
) -> Result<Vec<String>, sea_orm::DbErr> {
    let ids: Vec<_> = positions.iter().map(|p| p.id).collect();
    let fills = page::of_positions::<Fills>(db, &ids).await?;
    let payments = page::of_positions::<Payments>(db, &ids).await?;
    let mut out = Vec::new();
    for p in positions {
        let (mut realized, mut fees, mut funding) = (Usd::ZERO, Usd::ZERO, Usd::ZERO);
        for f in fills.iter().filter(|f| f.position_id == p.id) {
            realized += f.realized_pnl;
            fees += f.fee;
        }
        for pay in payments.iter().filter(|x| x.position_id == p.id) {
            funding += pay.amount;
        }
        let pairs = [
            ("realised", p.pnl.price_realized, realized),
            ("fees", p.pnl.fees, fees),
            ("funding", p.pnl.funding_settled, funding),
        ];
        for (what, booked, stored) in pairs {
            if booked != stored {
                out.push(format!("position {} {what}: books {booked}, stored rows {stored}", p.id));
            }
        }
    }
    Ok(out)
}

/// One month's figures per venue.
#[derive(Debug, Default, Clone, Serialize)]
pub struct VenueMonth {
    pub fills: u64,
    pub payments: u64,
    pub price_realized: Usd,
    pub fees: Usd,
    pub funding: Usd,
    pub net: Usd,
}

#[derive(Debug, Clone, Serialize)]
pub struct MonthlyReport {
    /// `YYYY-MM` of the market month reported.
    pub month: String,
    pub from_ms: TimestampMs,
    pub to_ms: TimestampMs,
    pub venues: BTreeMap<Venue, VenueMonth>,
    /// Net per symbol.
    pub symbols: BTreeMap<String, Usd>,
    pub net: Usd,
}

/// The calendar month before the one holding `now_ms` (UTC): `[from, to)` and its name.
pub fn previous_month(now_ms: TimestampMs) -> (TimestampMs, TimestampMs, String) {
    let now = DateTime::<Utc>::from_timestamp_millis(now_ms).unwrap_or_default();
    let this = Utc.with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0).single().unwrap_or_default();
    let (y, m) = if now.month() == 1 { (now.year() - 1, 12) } else { (now.year(), now.month() - 1) };
    let prev = Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0).single().unwrap_or_default();
    (prev.timestamp_millis(), this.timestamp_millis(), format!("{y:04}-{m:02}"))
}

/// The past market month's realised P&L from the stored fills and payments.
pub async fn month_report(
    db: &sea_orm::DatabaseConnection,
    now_ms: TimestampMs,
) -> Result<(MonthlyReport, u64), sea_orm::DbErr> {
    let (from, to, month) = previous_month(now_ms);
    let fills = page::between::<Fills>(db, None, from, to - 1).await?;
    let payments = page::between::<Payments>(db, None, from, to - 1).await?;
    let mut r = MonthlyReport {
        month,
        from_ms: from,
        to_ms: to,
        venues: BTreeMap::new(),
        symbols: BTreeMap::new(),
        net: Usd::ZERO,
    };
    for f in &fills {
        let v = r.venues.entry(f.venue).or_default();
        v.fills += 1;
        v.price_realized += f.realized_pnl;
        v.fees += f.fee;
        *r.symbols.entry(f.symbol.to_string()).or_default() += f.realized_pnl - f.fee;
    }
    for p in &payments {
        let v = r.venues.entry(p.venue).or_default();
        v.payments += 1;
        v.funding += p.amount;
        *r.symbols.entry(p.symbol.to_string()).or_default() += p.amount;
    }
    for v in r.venues.values_mut() {
        v.net = v.price_realized + v.funding - v.fees;
        r.net += v.net;
    }
    Ok((r, (fills.len() + payments.len()) as u64))
}

pub async fn monthly(ctx: &JobContext) -> Result<Outcome, String> {
    let (report, records) = month_report(&ctx.db, ctx.clock.venue_ms()).await.map_err(|e| e.to_string())?;
    let path = ctx.reports_dir.join(format!("monthly-{}.json", report.month));
    let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&ctx.reports_dir).map_err(|e| format!("{}: {e}", ctx.reports_dir.display()))?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, json)
        .and_then(|_| std::fs::rename(&tmp, &path))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let venues: Vec<String> = report.venues.iter().map(|(v, m)| format!("{v} {}", m.net)).collect();
    let title = format!("Monthly report {}: net {} USD", report.month, report.net);
    let message = format!("{}; written to {}", venues.join(", "), path.display());
    ctx.notifier
        .publish(Notification::new(Level::Info, Kind::Report, ctx.clock.wall_ms(), title, message).about("monthly"));
    Ok(Outcome::done(records))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_previous_month_across_a_year() {
        let jan = DateTime::parse_from_rfc3339("2027-01-01T02:00:00Z").unwrap().timestamp_millis();
        let (from, to, name) = previous_month(jan);
        assert_eq!(name, "2026-12");
        assert_eq!(from, DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z").unwrap().timestamp_millis());
        assert_eq!(to, DateTime::parse_from_rfc3339("2027-01-01T00:00:00Z").unwrap().timestamp_millis());
    }
}

//! The chat's read answers, from the same sources the web API reads: the engine's view, the
//! collector's freshness verdicts, the engine's polled balances, and the P&L series of
//! `GET /history/pnl` (`crate::pnl`), so the numbers agree with the dashboard.

use super::command::Period;
use crate::state::AppState;
use app::MS_PER_HOUR;
use rust_decimal::Decimal;

fn usd(d: Decimal) -> String {
    format!("{} USD", d.round_dp(2))
}

pub fn status(s: &AppState) -> String {
    let wall = s.clock.wall_ms();
    let engine = s.engine.read(|v| v.status.clone());
    let active = crate::pnl::active_positions(s, None).len();
    let mut lines = Vec::new();
    match engine {
        Some(st) if st.killed => lines.push("Engine: KILL SWITCH ON".to_owned()),
        Some(st) if st.paused => lines.push("Engine: paused".to_owned()),
        Some(_) => lines.push("Engine: running".to_owned()),
        None => lines.push("Engine: starting".to_owned()),
    }
    if let Some(st) = s.engine.read(|v| v.status.clone()).filter(|st| !st.blocked.is_empty()) {
        lines.push(format!("Opening blocked: {}", st.blocked.join("; ")));
    }
    for v in s.collector.read(|c| c.venue_status(wall)) {
        let state = if v.connected { "fresh".to_owned() } else { v.stale_reason.unwrap_or_else(|| "stale".into()) };
        lines.push(format!("{} ({}): {state}", v.venue, v.mode));
    }
    lines.push(format!("Active positions: {active}"));
    lines.join("\n")
}

pub fn positions(s: &AppState) -> String {
    let now = s.clock.venue_ms();
    let positions = crate::pnl::active_positions(s, None);
    if positions.is_empty() {
        return "No active position.".into();
    }
    positions
        .iter()
        .map(|p| {
            let hours = (now - p.opened_ms).max(0) / MS_PER_HOUR;
            format!(
                "#{} {} {} ({:?}) qty {} · net {} · {hours} h",
                p.id,
                p.symbol,
                p.direction.label(),
                p.status,
                p.target_qty.0,
                usd(p.pnl.net.0)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The window of a period, ending now (venue time, as the API's default).
pub fn window(period: Period, now: i64) -> (Option<i64>, i64) {
    let day = 24 * MS_PER_HOUR;
    let from = match period {
        Period::All => None,
        Period::Today => Some(now - now.rem_euclid(day)),
        Period::Week => Some(now - 7 * day),
        Period::Month => Some(now - 30 * day),
    };
    (from, now)
}

pub async fn pnl(s: &AppState, period: Period) -> String {
    let (from, to) = window(period, s.clock.venue_ms());
    match crate::pnl::series(s, Default::default(), from, Some(to)).await {
        Ok(p) => format!(
            "P&L {} (from {} to {} ms)\nRealised net: {}\n  price {} · funding {} · fees {}\nOpen: {} position(s), unrealised {}, funding estimate {}",
            match period {
                Period::All => "since the first trade",
                Period::Today => "today (UTC)",
                Period::Week => "last 7 days",
                Period::Month => "last 30 days",
            },
            p.from_ms,
            p.to_ms,
            usd(p.total.net.0),
            usd(p.total.price.0),
            usd(p.total.funding.0),
            usd(p.total.fees.0),
            p.open.positions,
            usd(p.open.unrealized.0),
            usd(p.open.funding_estimate.0),
        ),
        Err(e) => format!("P&L unavailable: {e}"),
    }
}

pub async fn balance(s: &AppState) -> String {
    match s.engine.inspect(|e| e.balances()).await {
        Ok(balances) if balances.is_empty() => "No balance polled yet.".into(),
        Ok(balances) => {
            let total: Decimal = balances.iter().map(|b| b.equity.0).sum();
            let mut lines: Vec<String> = balances
                .iter()
                .map(|b| {
                    format!(
                        "{}: equity {} · available {} · margin {}",
                        b.venue,
                        usd(b.equity.0),
                        usd(b.available.0),
                        usd(b.margin_used.0)
                    )
                })
                .collect();
            lines.push(format!("Total equity: {}", usd(total)));
            lines.join("\n")
        }
        Err(e) => format!("Balances unavailable: {}", e.0),
    }
}

pub fn opportunities(s: &AppState) -> String {
    let top: Vec<String> = s.engine.read(|v| {
        v.opportunities
            .iter()
            .take(5)
            .map(|o| {
                let pct = |d: Decimal| (d * Decimal::ONE_HUNDRED).round_dp(2);
                format!(
                    "{} {} · spread {}% APR · net {}% APR",
                    o.symbol,
                    o.direction.label(),
                    pct(o.spread_apr),
                    pct(o.net_apr)
                )
            })
            .collect()
    });
    if top.is_empty() { "No opportunity ranked yet.".into() } else { top.join("\n") }
}

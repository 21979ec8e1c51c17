//! `server doctor`: checks each configured venue before money is at stake — reachability,
//! clock offset, API key and its permissions, position mode, balances — and says exactly what
//! is wrong and what to do about it. Read-only: it sends no order and changes no setting.

use crate::clock::Clock;
use crate::settings::Settings;
use crate::venue::VenueClient;
use crate::venue::binance::error::BinanceError;
use crate::venue::binance::{BinanceVenue, wire as bwire};
use crate::venue::build;
use crate::venue::lighter::LighterVenue;
use app::{Venue, VenueMode};
use std::fmt;
use std::time::Instant;

/// A clock further off than this makes signed requests fragile.
const CLOCK_WARN_MS: i64 = 1_000;
/// Lighter auth tokens and tx expiry tolerate little more than this.
const CLOCK_FAIL_MS: i64 = 30_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub venue: Venue,
    pub check: &'static str,
    pub verdict: Verdict,
    pub detail: String,
}

#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
}

impl Report {
    /// No check failed (warnings allowed).
    pub fn passed(&self) -> bool {
        self.findings.iter().all(|f| f.verdict != Verdict::Fail)
    }

    pub fn get(&self, venue: Venue, check: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.venue == venue && f.check == check)
    }

    fn push(&mut self, venue: Venue, check: &'static str, verdict: Verdict, detail: impl Into<String>) {
        self.findings.push(Finding { venue, check, verdict, detail: detail.into() });
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for x in &self.findings {
            let tag = match x.verdict {
                Verdict::Ok => "ok  ",
                Verdict::Warn => "WARN",
                Verdict::Fail => "FAIL",
            };
            writeln!(f, "[{tag}] {:<8} {:<14} {}", x.venue.to_string(), x.check, x.detail)?;
        }
        let fails = self.findings.iter().filter(|x| x.verdict == Verdict::Fail).count();
        let warns = self.findings.iter().filter(|x| x.verdict == Verdict::Warn).count();
        write!(f, "{fails} failed, {warns} warning(s), {} check(s)", self.findings.len())
    }
}

/// Run every check on every configured venue.
pub async fn diagnose(settings: &Settings) -> Report {
    let mut report = Report::default();
    for venue in Venue::ALL {
        let vs = settings.venue(venue);
        match (venue, vs.mode) {
            (_, VenueMode::Sim) => report.push(
                venue,
                "mode",
                Verdict::Ok,
                "simulated venue (paper trading on recorded funding): nothing to check",
            ),
            (Venue::Binance, mode) => match BinanceVenue::new(build::binance_config(vs)) {
                Ok(v) => binance(&mut report, &v, mode).await,
                Err(e) => report.push(venue, "configuration", Verdict::Fail, e.to_string()),
            },
            (Venue::Lighter, mode) => {
                match build::lighter_config(vs)
                    .map_err(|e| e.to_string())
                    .and_then(|c| LighterVenue::new(c).map_err(|e| e.to_string()))
                {
                    Ok(v) => lighter(&mut report, &v, mode).await,
                    Err(e) => report.push(venue, "configuration", Verdict::Fail, e),
                }
            }
        }
    }
    report
}

/// How far the local clock is behind (positive) or ahead of (negative) a venue whose `Date`
/// header said `date_ms`, for a request sent at local `sent_ms` and answered by `received_ms`.
/// The header is the venue's time truncated to the second, taken somewhere in between: only
/// a gap between that second and the request's span is a skew, and its size is the gap (the
/// delay and the truncation are never counted as one).
fn date_header_offset(date_ms: i64, sent_ms: i64, received_ms: i64) -> i64 {
    let last_ms_of_second = date_ms + 999;
    if date_ms > received_ms {
        date_ms - received_ms
    } else if sent_ms > last_ms_of_second {
        last_ms_of_second - sent_ms
    } else {
        0
    }
}

fn clock_verdict(offset_ms: i64) -> (Verdict, String) {
    let side = if offset_ms >= 0 { "behind" } else { "ahead of" };
    let text = format!("local clock is {} ms {side} the venue", offset_ms.abs());
    match offset_ms.abs() {
        d if d <= CLOCK_WARN_MS => (Verdict::Ok, text),
        d if d <= CLOCK_FAIL_MS => (Verdict::Warn, format!("{text}; requests are corrected, but fix NTP")),
        _ => (Verdict::Fail, format!("{text}; signed requests will be refused: synchronise the clock (NTP)")),
    }
}

async fn binance(report: &mut Report, v: &std::sync::Arc<BinanceVenue>, mode: VenueMode) {
    const B: Venue = Venue::Binance;
    let rest = v.rest();
    let started = Instant::now();
    match rest.exchange_info().await {
        Ok(info) => report.push(
            B,
            "reachability",
            Verdict::Ok,
            format!(
                "{} ({mode}): {} symbols in {} ms",
                rest.base_url(),
                info.symbols.len(),
                started.elapsed().as_millis()
            ),
        ),
        Err(e) => {
            let detail = format!("cannot reach {} ({mode}): {e}", rest.base_url());
            report.push(B, "reachability", Verdict::Fail, detail);
            return;
        }
    }
    match rest.sync_time().await {
        Ok(()) => {
            let (verdict, text) = clock_verdict(rest.clock().offset_ms());
            report.push(B, "clock", verdict, text);
        }
        Err(e) => report.push(B, "clock", Verdict::Fail, format!("GET /fapi/v1/time failed: {e}")),
    }
    if !v.can_trade() {
        let detail = "no API key: read-only (market data only); trading requests will be refused. \
                      Set venues.binance.api_key and api_secret (environment or secrets file)";
        report.push(B, "api key", Verdict::Warn, detail);
        return;
    }
    match rest.account().await {
        Ok(_) => report.push(
            B,
            "api key",
            Verdict::Ok,
            "accepted; futures account readable (a missing trading permission shows as -2015 on the first order)",
        ),
        Err(e) => {
            report.push(B, "api key", Verdict::Fail, binance_key_problem(&e));
            return;
        }
    }
    match rest.dual_side().await {
        Ok(bwire::DualSide { dual_side_position: false }) => {
            report.push(B, "position mode", Verdict::Ok, "one-way (as required)")
        }
        Ok(_) => report.push(
            B,
            "position mode",
            Verdict::Fail,
            "hedge mode is on; this platform needs one-way mode: switch it in the Binance futures \
             settings (Position Mode → One-way) with no open positions",
        ),
        Err(e) => report.push(B, "position mode", Verdict::Fail, format!("cannot read the position mode: {e}")),
    }
    match rest.balances().await {
        Ok(rows) => {
            let usdt = rows.iter().find(|r| r.asset == "USDT");
            match usdt {
                Some(b) if b.available_balance > rust_decimal::Decimal::ZERO => report.push(
                    B,
                    "balance",
                    Verdict::Ok,
                    format!("USDT wallet {}, available {}", b.balance, b.available_balance),
                ),
                _ => report.push(B, "balance", Verdict::Warn, "no available USDT: every open will be refused"),
            }
        }
        Err(e) => report.push(B, "balance", Verdict::Fail, format!("cannot read balances: {e}")),
    }
}

fn binance_key_problem(e: &BinanceError) -> String {
    match e.api_code() {
        Some(-2015) | Some(-2014) => format!(
            "API key rejected ({e}): wrong key, this machine's IP is not whitelisted, or the key lacks \
             the Futures permission"
        ),
        Some(-1022) => format!("signature rejected ({e}): api_secret does not belong to api_key"),
        Some(-1021) => format!("timestamp rejected ({e}): synchronise the clock"),
        _ => format!("account request failed: {e}"),
    }
}

async fn lighter(report: &mut Report, v: &LighterVenue, mode: VenueMode) {
    const L: Venue = Venue::Lighter;
    let config = v.config();
    let started = Instant::now();
    match v.rest().order_book_details().await {
        Ok(d) => report.push(
            L,
            "reachability",
            Verdict::Ok,
            format!(
                "{} ({mode}, chain {}): {} markets in {} ms",
                config.rest_url,
                config.chain_id,
                d.order_book_details.len(),
                started.elapsed().as_millis()
            ),
        ),
        Err(e) => {
            let detail = format!("cannot reach {} ({mode}): {e}", config.rest_url);
            report.push(L, "reachability", Verdict::Fail, detail);
            return;
        }
    }
    let sent_ms = Clock::system().wall_ms();
    match v.rest().server_time_ms().await {
        Ok(venue_ms) => {
            let offset = date_header_offset(venue_ms, sent_ms, Clock::system().wall_ms());
            let (verdict, text) = clock_verdict(offset);
            report.push(L, "clock", verdict, format!("{text} (±1 s)"));
        }
        Err(e) => report.push(L, "clock", Verdict::Warn, format!("cannot read the venue clock: {e}")),
    }
    let Some(account) = config.account_index else {
        let detail = "no account_index: read-only (market data only); trading requests will be refused. \
                      Set venues.lighter.account_index, api_key_indexes and api_secret";
        report.push(L, "api key", Verdict::Warn, detail);
        return;
    };
    if let Err(e) = v.rest().account(account).await {
        report.push(L, "account", Verdict::Fail, format!("account {account} cannot be read: {e}"));
        return;
    }
    report.push(L, "account", Verdict::Ok, format!("account {account} found"));
    let ours = v.public_keys();
    if ours.is_empty() {
        report.push(L, "api key", Verdict::Warn, "no API key: positions readable, trading refused");
    }
    for (slot, public) in ours {
        let detail = match v.rest().api_keys(account, slot).await {
            Ok(r) => match r.api_keys.iter().find(|k| k.api_key_index == slot) {
                Some(k) if k.public_key.trim_start_matches("0x").eq_ignore_ascii_case(&public) => {
                    (Verdict::Ok, format!("slot {slot} registered with our public key; can sign orders"))
                }
                Some(k) => (
                    Verdict::Fail,
                    format!(
                        "slot {slot} on account {account} holds public key {}…, but the configured private key \
                         gives {}…: wrong key or wrong slot",
                        short(&k.public_key),
                        short(&public)
                    ),
                ),
                None => (
                    Verdict::Fail,
                    format!("slot {slot} is not registered on account {account}: register the key (ChangePubKey)"),
                ),
            },
            Err(e) => (Verdict::Fail, format!("cannot read API keys of account {account}: {e}")),
        };
        report.push(L, "api key", detail.0, detail.1);
    }
    report.push(L, "position mode", Verdict::Ok, "one-way (Lighter nets one position per market)");
    match v.balance().await {
        Ok(b) if b.available.0 > rust_decimal::Decimal::ZERO => report.push(
            L,
            "balance",
            Verdict::Ok,
            format!("USDC collateral {}, available {}", b.wallet.0, b.available.0),
        ),
        Ok(_) => report.push(L, "balance", Verdict::Warn, "no available USDC: every open will be refused"),
        Err(e) => report.push(L, "balance", Verdict::Fail, format!("cannot read the balance: {e}")),
    }
}

fn short(hex: &str) -> &str {
    let h = hex.trim_start_matches("0x");
    &h[..h.len().min(12)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_header_is_a_skew_only_outside_the_requests_span() {
        // In sync: the second 12:00:00 (…000) was stamped during a request sent at …999.990
        // and answered at …000.020, or one sent at …000.900 and answered at …001.300.
        assert_eq!(date_header_offset(10_000, 9_990, 10_020), 0);
        assert_eq!(date_header_offset(10_000, 10_900, 11_300), 0);
        // The truncation and a slow answer together (the old check called this 1.3 s ahead).
        assert_eq!(date_header_offset(10_000, 10_990, 11_300), 0);
        // The venue is 2 s ahead of us: we are behind by at least 2,000 − the answer's delay.
        assert_eq!(date_header_offset(12_000, 9_990, 10_020), 1_980);
        // We are 5 s ahead: the venue's second ended at 5,999 and we sent at 11,000.
        assert_eq!(date_header_offset(5_000, 11_000, 11_010), -5_001);
        assert_eq!(clock_verdict(date_header_offset(5_000, 11_000, 11_010)).0, Verdict::Warn);
        assert_eq!(clock_verdict(date_header_offset(10_000, 10_990, 11_300)).0, Verdict::Ok);
    }
}

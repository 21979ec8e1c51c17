//! CSV of the History lists (RFC 4180: comma-separated, CRLF, fields with a comma, quote or
//! line break quoted). The first column of every list is the row's id, as the page's
//! `data-row-id`; times appear as ms and as ISO 8601 UTC; money exactly as stored.

use super::{ClosedPosition, FillRecord, FundingRecord};
use crate::TimestampMs;
use crate::equity::{MS_PER_DAY, date};
use crate::text;
use crate::trading::OrderView;

/// A list that can be written as CSV.
pub trait Csv {
    const HEADER: &'static [&'static str];
    fn record(&self) -> Vec<String>;

    /// The header and one line per row.
    fn write_all(rows: &[Self]) -> String
    where
        Self: Sized,
    {
        let mut out = line(Self::HEADER.iter().map(|h| h.to_string()));
        for r in rows {
            out.push_str(&line(r.record()));
        }
        out
    }
}

fn line(fields: impl IntoIterator<Item = String>) -> String {
    let mut l = fields.into_iter().map(|f| quote(&f)).collect::<Vec<_>>().join(",");
    l.push_str("\r\n");
    l
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

/// "2026-03-01T08:00:00.000Z".
pub fn iso_utc(ms: TimestampMs) -> String {
    let t = ms.rem_euclid(MS_PER_DAY);
    let (h, m, s, milli) = (t / 3_600_000, t / 60_000 % 60, t / 1000 % 60, t % 1000);
    format!("{}T{h:02}:{m:02}:{s:02}.{milli:03}Z", date(ms))
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

impl Csv for ClosedPosition {
    const HEADER: &'static [&'static str] = &[
        "id",
        "symbol",
        "strategy",
        "direction",
        "status",
        "opened_ms",
        "opened_utc",
        "closed_ms",
        "closed_utc",
        "peak_qty",
        "price_pnl",
        "funding",
        "fees",
        "net",
        "note",
    ];

    fn record(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.symbol.to_string(),
            self.strategy.to_string(),
            text::name(&self.direction),
            text::name(&self.status),
            self.opened_ms.to_string(),
            iso_utc(self.opened_ms),
            opt(self.closed_ms),
            opt(self.closed_ms.map(iso_utc)),
            opt(self.peak_qty),
            self.price_pnl.to_string(),
            self.funding.to_string(),
            self.fees.to_string(),
            self.net.to_string(),
            self.note.clone().unwrap_or_default(),
        ]
    }
}

impl Csv for OrderView {
    const HEADER: &'static [&'static str] = &[
        "client_order_id",
        "position_id",
        "strategy",
        "venue",
        "symbol",
        "side",
        "purpose",
        "slice",
        "status",
        "qty",
        "limit_price",
        "filled_qty",
        "avg_price",
        "fee",
        "reduce_only",
        "created_ms",
        "created_utc",
        "updated_ms",
        "error",
    ];

    fn record(&self) -> Vec<String> {
        vec![
            self.client_order_id.to_string(),
            self.position_id.to_string(),
            self.strategy.to_string(),
            self.venue.to_string(),
            self.symbol.to_string(),
            text::name(&self.side),
            text::name(&self.purpose),
            self.slice.to_string(),
            text::name(&self.status),
            self.qty.to_string(),
            opt(self.limit_price),
            self.filled_qty.to_string(),
            opt(self.avg_price),
            self.fee.to_string(),
            self.reduce_only.to_string(),
            self.created_ms.to_string(),
            iso_utc(self.created_ms),
            self.updated_ms.to_string(),
            self.error.clone().unwrap_or_default(),
        ]
    }
}

impl Csv for FillRecord {
    const HEADER: &'static [&'static str] = &[
        "id",
        "time_ms",
        "time_utc",
        "position_id",
        "strategy",
        "client_order_id",
        "venue",
        "symbol",
        "side",
        "purpose",
        "qty",
        "price",
        "fee",
        "realized_pnl",
        "order_filled_qty",
    ];

    fn record(&self) -> Vec<String> {
        vec![
            self.row_id(),
            self.time_ms.to_string(),
            iso_utc(self.time_ms),
            self.position_id.to_string(),
            self.strategy.to_string(),
            self.client_order_id.to_string(),
            self.venue.to_string(),
            self.symbol.to_string(),
            text::name(&self.side),
            text::name(&self.purpose),
            self.qty.to_string(),
            self.price.to_string(),
            self.fee.to_string(),
            self.realized_pnl.to_string(),
            self.filled_qty.to_string(),
        ]
    }
}

impl Csv for FundingRecord {
    const HEADER: &'static [&'static str] = &[
        "id",
        "time_ms",
        "time_utc",
        "position_id",
        "strategy",
        "venue",
        "payment_id",
        "symbol",
        "rate",
        "interval_hours",
        "position_qty",
        "mark_price",
        "amount",
    ];

    fn record(&self) -> Vec<String> {
        vec![
            self.row_id(),
            self.time_ms.to_string(),
            iso_utc(self.time_ms),
            self.position_id.to_string(),
            self.strategy.to_string(),
            self.venue.to_string(),
            self.payment_id.clone(),
            self.symbol.to_string(),
            self.rate.rate.normalize().to_string(),
            self.rate.interval.hours().to_string(),
            self.position_qty.to_string(),
            self.mark_price.to_string(),
            self.amount.to_string(),
        ]
    }
}

//! `server history import FILE…`: more settled funding from CSV files shaped like the embedded
//! ones — Binance's `symbol,fundingTime,fundingRate,markPrice,intervalHours` or the hourly
//! `coin,time,fundingRate` (Lighter's, as Hyperliquid records it) — into the database, where the
//! backtester finds it. A bad row stops the import with its file and line; nothing of that
//! file is stored.

use crate::db;
use crate::venue::sim::history::{self, BINANCE_HEADER, HOURLY_HEADER, Recorded, Series};
use app::{Symbol, Venue};
use sea_orm::DatabaseConnection;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path} line {line}: {message}")]
    Row { path: PathBuf, line: usize, message: String },
    #[error("storing {path}: {source}")]
    Database { path: PathBuf, source: sea_orm::DbErr },
}

/// What one file held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub venue: Venue,
    pub rows: usize,
    pub added: u64,
    pub symbols: usize,
}

/// Read one file's settlements; the header says whose they are.
pub fn parse(path: &Path, text: &str) -> Result<Vec<Recorded>, ImportError> {
    let row_error = |line: usize, message: String| ImportError::Row { path: path.to_owned(), line, message };
    let header = text.lines().next().unwrap_or_default().trim().trim_start_matches('\u{feff}');
    let (venue, parsed) = if header == BINANCE_HEADER {
        (Venue::Binance, history::parse_binance(text))
    } else if header == HOURLY_HEADER {
        (Venue::Lighter, history::parse_hourly(text))
    } else {
        let message =
            format!("unknown header `{header}`: expected `{BINANCE_HEADER}` (Binance) or `{HOURLY_HEADER}` (Lighter)");
        return Err(row_error(1, message));
    };
    let series: BTreeMap<Symbol, Series> = parsed.map_err(|e| row_error(e.line, e.message))?;
    Ok(series
        .into_iter()
        .flat_map(|(symbol, s)| {
            s.0.into_iter().map(move |settlement| Recorded { venue, symbol: symbol.clone(), settlement })
        })
        .collect())
}

/// Parse every file first, then store them: a bad row anywhere stores nothing.
pub async fn import(db: &DatabaseConnection, paths: &[PathBuf]) -> Result<Vec<Imported>, ImportError> {
    let mut files = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(path).map_err(|source| ImportError::Read { path: path.clone(), source })?;
        files.push((path, parse(path, &text)?));
    }
    let mut out = Vec::new();
    for (path, rows) in files {
        let stored: Vec<_> = rows.iter().map(super::data::row).collect();
        let added = db::funding::insert_settled(db, &stored)
            .await
            .map_err(|source| ImportError::Database { path: path.clone(), source })?;
        let venue = rows.first().map_or(Venue::Binance, |r| r.venue);
        let mut symbols: Vec<&Symbol> = rows.iter().map(|r| &r.symbol).collect();
        symbols.dedup();
        out.push(Imported { venue, rows: rows.len(), added, symbols: symbols.len() });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_row_names_its_file_and_line() {
        let text = "symbol,fundingTime,fundingRate,markPrice,intervalHours\n\
                    BTCUSDT,1756684800000,0.0001,108000.5,8\n\
                    BTCUSDT,1756713600000,lots,108100,8\n";
        let e = parse(Path::new("more.csv"), text).unwrap_err().to_string();
        assert_eq!(e, "more.csv line 3: bad fundingRate");
        let e = parse(Path::new("x.csv"), "a,b\n1,2\n").unwrap_err().to_string();
        assert!(e.starts_with("x.csv line 1: unknown header `a,b`"), "{e}");
        let hourly = "coin,time,fundingRate\nBTC,1756684800000,1.25e-05\nETH,1756684800000\n";
        let e = parse(Path::new("h.csv"), hourly).unwrap_err().to_string();
        assert_eq!(e, "h.csv line 3: expected 3 columns");
    }

    #[test]
    fn rows_keep_their_venue_interval_and_mark() {
        let text = "symbol,fundingTime,fundingRate,markPrice,intervalHours\nTIAUSDT,1756684800003,-7.45e-06,3.1,4\n";
        let rows = parse(Path::new("b.csv"), text).unwrap();
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!((r.venue, r.symbol.as_str()), (Venue::Binance, "TIA"));
        assert_eq!(r.settlement.time_ms, 1_756_684_800_000, "snapped to the hour");
        assert_eq!(r.settlement.interval, app::FundingInterval::FOUR_HOURS);
        assert_eq!(r.settlement.mark, Some(rust_decimal_macros::dec!(3.1)));
        assert_eq!(r.settlement.rate, rust_decimal_macros::dec!(-0.00000745));
    }
}

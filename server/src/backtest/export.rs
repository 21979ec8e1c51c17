//! A run written to a directory: `report.json`, `fills.csv` and `funding.csv` with the columns
//! of History's exports (so the same tools read both), and `equity.csv` (`day,equity,drawdown`).

use super::Outcome;
use app::history::Csv;
use std::path::Path;

pub fn write(dir: &Path, outcome: &Outcome) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let json = serde_json::to_vec_pretty(&outcome.report).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("report.json"), json)?;
    std::fs::write(dir.join("fills.csv"), app::history::FillRecord::write_all(&outcome.fills))?;
    std::fs::write(dir.join("funding.csv"), app::history::FundingRecord::write_all(&outcome.payments))?;
    let mut equity = String::from("day,equity,drawdown\r\n");
    for p in &outcome.report.equity {
        equity.push_str(&format!("{},{},{}\r\n", p.day, p.equity, p.drawdown));
    }
    std::fs::write(dir.join("equity.csv"), equity)
}

//! Pieces shared by pages: header and connection indicator, rate and money cells, countdowns,
//! charts.

pub mod conn_status;
pub mod countdown;
pub mod header;
pub mod history_chart;
pub mod history_table;
pub mod money;
pub mod pnl_bars;
pub mod pnl_chart;
pub mod rate_cell;

//! Stored runs side by side (`table#bt-compare`): one column per ticked run, one row per
//! figure, and the parameters that differ between them.

use super::Runs;
use crate::format;
use app::backtest::Report;
use leptos::prelude::*;
use serde_json::Value;
use std::collections::BTreeMap;

type Row = (&'static str, &'static str, fn(&Report) -> String);

const ROWS: [Row; 14] = [
    ("Window", "window", |r| format!("{} → {}", r.from, r.to)),
    ("Symbols", "symbols", |r| r.symbols.len().to_string()),
    ("Net", "net", |r| format::usd(r.net.0)),
    ("Price P&L", "price_pnl", |r| format::usd(r.price_pnl.0)),
    ("Funding", "funding", |r| format::usd(r.funding.0)),
    ("Fees", "fees", |r| format::usd(r.fees.0)),
    ("APR on budget", "apr_budget", |r| format::apr(r.apr_budget)),
    ("APR on capital held", "apr_occupied", |r| format::apr(r.apr_occupied)),
    ("Sharpe", "sharpe", |r| format::fixed(r.sharpe, 2)),
    ("Sortino", "sortino", |r| format::fixed(r.sortino, 2)),
    ("Calmar", "calmar", |r| format::fixed(r.calmar, 2)),
    ("Max drawdown", "max_drawdown_usd", |r| format::usd(r.max_drawdown_usd.0)),
    ("Positions", "positions", |r| r.positions.to_string()),
    ("Time in market", "time_in_market", |r| format::percent(r.time_in_market, 1)),
];

/// Each parameter that differs between the reports, with its value in each.
fn differing(reports: &[Report]) -> Vec<(String, Vec<String>)> {
    let maps: Vec<BTreeMap<String, Value>> = reports
        .iter()
        .map(|r| match serde_json::to_value(&r.params) {
            Ok(Value::Object(m)) => m.into_iter().collect(),
            _ => BTreeMap::new(),
        })
        .collect();
    let Some(first) = maps.first() else { return Vec::new() };
    first
        .keys()
        .filter(|k| maps.iter().any(|m| m.get(*k) != first.get(*k)))
        .map(|k| {
            let values =
                maps.iter().map(|m| m.get(k).map(|v| v.to_string().trim_matches('"').to_owned()).unwrap_or_default());
            (k.clone(), values.collect())
        })
        .collect()
}

#[component]
pub fn Compare(runs: Runs) -> impl IntoView {
    move || {
        let ids: Vec<i64> = runs.compared.get().into_iter().collect();
        if ids.len() < 2 {
            return None;
        }
        let loaded: Vec<(i64, Report)> =
            ids.iter().filter_map(|id| runs.full(*id).and_then(|r| r.report).map(|rep| (*id, rep))).collect();
        let head =
            loaded.iter().map(|(id, _)| view! { <th class="num" data-run=*id>{format!("#{id}")}</th> }).collect_view();
        let reports: Vec<Report> = loaded.iter().map(|(_, r)| r.clone()).collect();
        let rows = ROWS
            .iter()
            .map(|(label, field, get)| {
                let cells = reports.iter().map(|r| view! { <td class="num">{get(r)}</td> }).collect_view();
                view! { <tr data-field=*field><th scope="row">{*label}</th>{cells}</tr> }
            })
            .collect_view();
        let params = differing(&reports)
            .into_iter()
            .map(|(k, values)| {
                let cells = values.into_iter().map(|v| view! { <td class="num">{v}</td> }).collect_view();
                let label = k.clone();
                view! { <tr data-param=k class="bt-param-diff"><th scope="row">{label}</th>{cells}</tr> }
            })
            .collect_view();
        Some(view! {
            <section class="panel" aria-labelledby="bt-compare-title">
                <h2 id="bt-compare-title">"Side by side"</h2>
                <table id="bt-compare" class="data-table" data-runs=loaded.len()>
                    <thead><tr><th></th>{head}</tr></thead>
                    <tbody>{rows}{params}</tbody>
                </table>
            </section>
        })
    }
}

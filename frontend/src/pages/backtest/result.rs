//! One finished run in full (`section#bt-result`): money, returns, drawdown and activity
//! (`[data-field=…]`), the equity and drawdown charts, the per-symbol table
//! (`table#bt-symbols`), a sweep's ranked points, and for admins `#bt-copy-params`, which hands
//! the run's parameters to the Config form.

use super::Runs;
use super::chart::DayChart;
use crate::auth::Session;
use crate::format;
use crate::pages::config::ParamsDraft;
use app::auth::Role;
use app::backtest::{BacktestRun, Report, parse_day};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use rust_decimal::Decimal;

#[component]
pub fn Shown(runs: Runs) -> impl IntoView {
    move || {
        let id = runs.selected.get()?;
        let run = runs.full(id);
        Some(match run.filter(|r| r.report.is_some()) {
            Some(run) => view! { <RunResult run/> }.into_any(),
            None => view! {
                <section class="panel" id="bt-result" data-run=id data-ready="false">
                    <h2>{format!("Run #{id}")}</h2>
                    <p class="muted">"The report appears here when the run is done."</p>
                </section>
            }
            .into_any(),
        })
    }
}

/// A figure: `<dt>label</dt><dd data-field=…>value</dd>`.
fn figure(label: &'static str, field: &'static str, text: String, class: &'static str) -> impl IntoView + use<> {
    view! {
        <dt>{label}</dt>
        <dd data-field=field class=format!("num {class}")>{text}</dd>
    }
}

fn usd(label: &'static str, field: &'static str, v: app::Usd) -> impl IntoView + use<> {
    figure(label, field, format::usd(v.0), format::usd_class(v.0))
}

/// A cost or a size: its sign is not the point.
fn plain(label: &'static str, field: &'static str, v: app::Usd) -> impl IntoView + use<> {
    figure(label, field, format::usd_plain(v.0), "")
}

fn ratio(v: Decimal) -> String {
    format::fixed(v, 2)
}

#[component]
fn RunResult(run: BacktestRun) -> impl IntoView {
    let Some(r) = run.report.clone() else { return ().into_any() };
    let session = use_context::<Session>();
    let admin = session.is_none_or(|s| s.can(Role::Admin));
    let draft = use_context::<ParamsDraft>();
    let navigate = use_navigate();
    let params = r.params.clone();
    let id = run.id;
    let copy = move |_| {
        if let Some(d) = draft {
            d.0.set(Some((format!("backtest #{id}"), params.clone())));
        }
        navigate("/config", Default::default());
    };
    let equity: Vec<_> = r.equity.iter().filter_map(|p| Some((parse_day(&p.day)?, p.equity.0))).collect();
    let drawdown: Vec<_> = r.equity.iter().filter_map(|p| Some((parse_day(&p.day)?, -p.drawdown.0))).collect();
    let exits =
        r.exits_by_reason.iter().map(|(k, v)| format!("{} {v}", k.replace('_', " "))).collect::<Vec<_>>().join(", ");
    let symbols = r
        .per_symbol
        .iter()
        .map(|s| {
            view! {
                <tr data-symbol=s.symbol.to_string()>
                    <td>{s.symbol.to_string()}</td>
                    <td class="num" data-col="opens">{s.opens}</td>
                    <td class="num" data-col="hours">{format::fixed(s.hours_held, 1)}</td>
                    <td class=format!("num money {}", format::usd_class(s.funding.0)) data-col="funding">{format::usd(s.funding.0)}</td>
                    <td class="num money" data-col="fees">{format::usd_plain(s.fees.0)}</td>
                    <td class=format!("num money {}", format::usd_class(s.price_pnl.0)) data-col="price">{format::usd(s.price_pnl.0)}</td>
                    <td class=format!("num money {}", format::usd_class(s.net.0)) data-col="net">{format::usd(s.net.0)}</td>
                </tr>
            }
        })
        .collect_view();
    let dd_when = match (&r.drawdown_start, &r.drawdown_end) {
        (Some(a), Some(b)) => format!("{a} → {b}"),
        _ => "–".to_owned(),
    };
    view! {
        <section class="panel" id="bt-result" data-run=id data-ready="true">
            <div class="toolbar">
                <h2>{format!("Run #{id}: {} → {}", r.from, r.to)}</h2>
                <span class="muted">{headline(&r)}</span>
                {admin.then(|| view! {
                    <button id="bt-copy-params" type="button" class="btn" on:click=copy.clone()>
                        "Use these parameters in Config"
                    </button>
                })}
            </div>
            <div class="bt-figures">
                <dl>
                    {usd("Net", "net", r.net)}
                    {usd("Price P&L", "price_pnl", r.price_pnl)}
                    {usd("Funding", "funding", r.funding)}
                    {usd("  Binance", "funding_binance", r.funding_by_venue.binance)}
                    {usd("  Lighter", "funding_lighter", r.funding_by_venue.lighter)}
                    {plain("Fees", "fees", r.fees)}
                </dl>
                <dl>
                    {figure("APR on budget", "apr_budget", format::apr(r.apr_budget), format::percent_sign_class(r.apr_budget, 2))}
                    {figure("APR on capital held", "apr_occupied", format::apr(r.apr_occupied), format::percent_sign_class(r.apr_occupied, 2))}
                    {figure("Sharpe", "sharpe", ratio(r.sharpe), "")}
                    {figure("Sortino", "sortino", ratio(r.sortino), "")}
                    {figure("Calmar", "calmar", ratio(r.calmar), "")}
                    {plain("Budget", "budget", r.budget)}
                </dl>
                <dl>
                    {plain("Max drawdown", "max_drawdown_usd", r.max_drawdown_usd)}
                    {figure("  as % of peak", "max_drawdown_pct", format!("{}%", format::fixed(r.max_drawdown_pct, 2)), "")}
                    {figure("  from → to", "drawdown_when", dd_when, "")}
                    {figure("Positions", "positions", r.positions.to_string(), "")}
                    {figure("Exits", "exits", exits, "")}
                    {figure("Holding avg / longest", "holding", format!("{} h / {} h", format::fixed(r.avg_holding_hours, 1), format::fixed(r.longest_holding_hours, 1)), "")}
                </dl>
                <dl>
                    {plain("Turnover", "turnover", r.turnover)}
                    {figure("Time in market", "time_in_market", format::percent(r.time_in_market, 1), "")}
                    {figure("Liquidation-buffer exits", "liquidation_buffer_actions", r.liquidation_buffer_actions.to_string(), "")}
                    {figure("Fills / payments", "fills", format!("{} / {}", r.fills, r.payments), "")}
                    {figure("Engine events", "events", format!("{} in {} ms", r.events, r.elapsed_ms), "")}
                </dl>
            </div>
            <div class="pnl-charts">
                <DayChart id="bt-equity" title="Equity" points=equity/>
                <DayChart id="bt-drawdown" title="Drawdown" points=drawdown area=true/>
            </div>
            <table id="bt-symbols" class="data-table">
                <thead>
                    <tr>
                        <th>"Symbol"</th>
                        <th class="num">"Opens"</th>
                        <th class="num">"Hours held"</th>
                        <th class="num">"Funding"</th>
                        <th class="num">"Fees"</th>
                        <th class="num">"Price P&L"</th>
                        <th class="num">"Net"</th>
                    </tr>
                </thead>
                <tbody>{symbols}</tbody>
            </table>
            {(!run.sweep.is_empty()).then(|| view! { <SweepTable run=run.clone()/> })}
        </section>
    }
    .into_any()
}

fn headline(r: &Report) -> String {
    let symbols = r.symbols.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
    format!(
        "{symbols} · marks every {} · seed {}{}",
        r.resolution.as_str(),
        r.seed,
        if r.strict { " · strict" } else { "" }
    )
}

#[component]
fn SweepTable(run: BacktestRun) -> impl IntoView {
    let rows = run
        .sweep
        .iter()
        .map(|p| {
            let set = p.set.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ");
            view! {
                <tr>
                    <td class="num">{p.rank}</td>
                    <td>{set}</td>
                    <td class=format!("num money {}", format::usd_class(p.net.0))>{format::usd(p.net.0)}</td>
                    <td class="num">{format::apr(p.apr_budget)}</td>
                    <td class="num">{ratio(p.sharpe)}</td>
                    <td class="num">{format!("{}%", format::fixed(p.max_drawdown_pct, 2))}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h3>"Sweep, best first"</h3>
        <table id="bt-sweep" class="data-table">
            <thead><tr><th>"Rank"</th><th>"Point"</th><th class="num">"Net"</th><th class="num">"APR"</th><th class="num">"Sharpe"</th><th class="num">"Max DD"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

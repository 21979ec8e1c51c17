//! The History page's table (`table#history-table`): one of the four lists, a row per record
//! (`tr[data-row-id]`, the id the CSV export puts in its first column), a cell per figure
//! (`td[data-col]`). Money is rounded for the eye only (the export is exact); a negative figure
//! carries its '-' and the `neg` class.

use crate::format;
use app::history::{ClosedPosition, FillRecord, FundingRecord, HistoryList, Page};
use app::trading::{OrderView, PositionId};
use app::{Price, Qty, SpreadDirection, Usd, Venue};
use leptos::prelude::*;
use rust_decimal::Decimal;

/// Places for money in rows (fees of a small fill are fractions of a cent).
const ROW_DP: u32 = 4;
/// Prices derived from cumulative fills can run to many places; the export keeps them all.
const MAX_PRICE_DP: u32 = 8;

/// A page of whichever list the page shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Rows {
    Positions(Page<ClosedPosition>),
    Orders(Page<OrderView>),
    Fills(Page<FillRecord>),
    Funding(Page<FundingRecord>),
}

impl Rows {
    pub fn list(&self) -> HistoryList {
        match self {
            Rows::Positions(_) => HistoryList::Positions,
            Rows::Orders(_) => HistoryList::Orders,
            Rows::Fills(_) => HistoryList::Fills,
            Rows::Funding(_) => HistoryList::Funding,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Rows::Positions(p) => p.rows.len(),
            Rows::Orders(p) => p.rows.len(),
            Rows::Fills(p) => p.rows.len(),
            Rows::Funding(p) => p.rows.len(),
        }
    }

    /// (next cursor, total, limit) of the page.
    pub fn paging(&self) -> (Option<String>, u64, u32) {
        match self {
            Rows::Positions(p) => (p.next_cursor.clone(), p.total, p.limit),
            Rows::Orders(p) => (p.next_cursor.clone(), p.total, p.limit),
            Rows::Fills(p) => (p.next_cursor.clone(), p.total, p.limit),
            Rows::Funding(p) => (p.next_cursor.clone(), p.total, p.limit),
        }
    }
}

/// A signed amount: "-12.3400" with class `neg`, "+0.5000" with `pos`, "0.0000" with `zero`.
/// Cells of money also carry the class `money` (sizes may be signed too, without colour).
pub fn signed_usd(v: Usd, dp: u32) -> (String, &'static str) {
    (format::signed(v.0, dp), format::sign_class(format::round(v.0, dp)))
}

fn money_cell(col: &'static str, v: Usd) -> impl IntoView {
    let (text, class) = signed_usd(v, ROW_DP);
    view! { <td data-col=col class=format!("num money {class}")>{text}</td> }
}

/// Fees as paid: a cost, shown positive (a rebate is negative).
fn fee_cell(v: Usd) -> impl IntoView {
    let class = if format::round(v.0, ROW_DP) < Decimal::ZERO { "num money neg" } else { "num money" };
    view! { <td data-col="fee" class=class>{format::fixed(v.0, ROW_DP)}</td> }
}

fn price_text(p: Price) -> String {
    let n = p.0.normalize();
    let n = if n.scale() > MAX_PRICE_DP { format::round(n, MAX_PRICE_DP).normalize() } else { n };
    format::price(Price(n))
}

/// A quantity as the venue's step gave it, signed when it is a position.
fn qty_text(q: Qty) -> String {
    let n = q.0.normalize();
    format::fixed(n, n.scale())
}

fn time_text(ms: i64) -> String {
    format!("{} {}", format::utc_month_day(ms), format::utc_time(ms))
}

fn venue_cell(v: Venue) -> impl IntoView {
    view! { <td data-col="venue"><span class=format!("venue-name venue-{v}")>{v.label()}</span></td> }
}

/// An enum's name as a label: `partially_filled` reads "partially filled".
fn text<T: serde::Serialize>(v: &T) -> String {
    app::text::name(v).replace('_', " ")
}

fn direction(d: SpreadDirection) -> &'static str {
    match d {
        SpreadDirection::LongLighterShortBinance => "Long Lighter / Short Binance",
        SpreadDirection::LongBinanceShortLighter => "Long Binance / Short Lighter",
    }
}

fn held(from: i64, to: Option<i64>) -> String {
    let Some(to) = to else { return "—".to_owned() };
    let mins = (to - from).max(0) / 60_000;
    if mins >= 24 * 60 {
        format!("{}d {}h", mins / 1440, mins / 60 % 24)
    } else {
        format!("{}h {}m", mins / 60, mins % 60)
    }
}

/// A position's id as a button that narrows every list to that position.
fn position_cell(col: &'static str, id: PositionId, pick: Callback<PositionId>) -> impl IntoView {
    view! {
        <td data-col=col class="num">
            <button type="button" class="link" data-position=id.to_string() title="Only this position"
                on:click=move |_| pick.run(id)>{id.to_string()}</button>
        </td>
    }
}

fn header(cols: &[(&'static str, &'static str)]) -> impl IntoView {
    let cells = cols.iter().map(|(col, label)| view! { <th scope="col" data-col=*col>{*label}</th> }).collect_view();
    view! { <thead><tr>{cells}</tr></thead> }
}

const POSITION_COLS: [(&str, &str); 12] = [
    ("id", "#"),
    ("symbol", "Symbol"),
    ("strategy", "Strategy"),
    ("direction", "Direction"),
    ("status", "Status"),
    ("closed", "Closed (UTC)"),
    ("held", "Held"),
    ("peak_qty", "Size"),
    ("price_pnl", "Price P&L"),
    ("funding", "Funding"),
    ("fees", "Fees"),
    ("net", "Net"),
];

fn position_row(p: ClosedPosition, pick: Callback<PositionId>) -> impl IntoView {
    view! {
        <tr data-row-id=p.id.to_string() title=p.note.clone().unwrap_or_default()>
            {position_cell("id", p.id, pick)}
            <th scope="row" data-col="symbol" class="symbol">{p.symbol.to_string()}</th>
            <td data-col="strategy">{p.strategy.to_string()}</td>
            <td data-col="direction" class="direction">{direction(p.direction)}</td>
            <td data-col="status" class=format!("status status-{}", text(&p.status))>{text(&p.status)}</td>
            <td data-col="closed" class="num">{p.closed_ms.map(time_text).unwrap_or_default()}</td>
            <td data-col="held" class="num">{held(p.opened_ms, p.closed_ms)}</td>
            <td data-col="peak_qty" class="num">{p.peak_qty.map_or_else(|| "—".to_owned(), qty_text)}</td>
            {money_cell("price_pnl", p.price_pnl)}
            {money_cell("funding", p.funding)}
            {fee_cell(p.fees)}
            {money_cell("net", p.net)}
        </tr>
    }
}

const ORDER_COLS: [(&str, &str); 12] = [
    ("created", "Created (UTC)"),
    ("client_order_id", "Order"),
    ("position_id", "Pos."),
    ("symbol", "Symbol"),
    ("strategy", "Strategy"),
    ("venue", "Venue"),
    ("side", "Side"),
    ("purpose", "Purpose"),
    ("status", "Status"),
    ("filled_qty", "Filled / qty"),
    ("avg_price", "Avg price"),
    ("fee", "Fee"),
];

fn order_row(o: OrderView, pick: Callback<PositionId>) -> impl IntoView {
    let (row_id, id) = (o.client_order_id.to_string(), o.client_order_id.to_string());
    view! {
        <tr data-row-id=row_id title=o.error.clone().unwrap_or_default()>
            <td data-col="created" class="num">{time_text(o.created_ms)}</td>
            <td data-col="client_order_id" class="mono">{id}</td>
            {position_cell("position_id", o.position_id, pick)}
            <th scope="row" data-col="symbol" class="symbol">{o.symbol.to_string()}</th>
            <td data-col="strategy">{o.strategy.to_string()}</td>
            {venue_cell(o.venue)}
            <td data-col="side" class=format!("side side-{}", text(&o.side))>{text(&o.side)}</td>
            <td data-col="purpose">{text(&o.purpose)}</td>
            <td data-col="status" class=format!("status status-{}", text(&o.status))>{text(&o.status)}</td>
            <td data-col="filled_qty" class="num">{format!("{} / {}", qty_text(o.filled_qty), qty_text(o.qty))}</td>
            <td data-col="avg_price" class="num">{o.avg_price.map_or_else(|| "—".to_owned(), price_text)}</td>
            {fee_cell(o.fee)}
        </tr>
    }
}

const FILL_COLS: [(&str, &str); 12] = [
    ("time", "Time (UTC)"),
    ("position_id", "Pos."),
    ("symbol", "Symbol"),
    ("strategy", "Strategy"),
    ("venue", "Venue"),
    ("side", "Side"),
    ("purpose", "Purpose"),
    ("qty", "Qty"),
    ("price", "Price"),
    ("fee", "Fee"),
    ("realized_pnl", "Realised P&L"),
    ("client_order_id", "Order"),
];

fn fill_row(f: FillRecord, pick: Callback<PositionId>) -> impl IntoView {
    view! {
        <tr data-row-id=f.row_id()>
            <td data-col="time" class="num">{time_text(f.time_ms)}</td>
            {position_cell("position_id", f.position_id, pick)}
            <th scope="row" data-col="symbol" class="symbol">{f.symbol.to_string()}</th>
            <td data-col="strategy">{f.strategy.to_string()}</td>
            {venue_cell(f.venue)}
            <td data-col="side" class=format!("side side-{}", text(&f.side))>{text(&f.side)}</td>
            <td data-col="purpose">{text(&f.purpose)}</td>
            <td data-col="qty" class="num">{qty_text(f.qty)}</td>
            <td data-col="price" class="num">{price_text(f.price)}</td>
            {fee_cell(f.fee)}
            {money_cell("realized_pnl", f.realized_pnl)}
            <td data-col="client_order_id" class="mono">{f.client_order_id.to_string()}</td>
        </tr>
    }
}

const FUNDING_COLS: [(&str, &str); 9] = [
    ("time", "Time (UTC)"),
    ("position_id", "Pos."),
    ("symbol", "Symbol"),
    ("strategy", "Strategy"),
    ("venue", "Venue"),
    ("rate", "Rate"),
    ("position_qty", "Leg size"),
    ("mark_price", "Mark"),
    ("amount", "Amount"),
];

fn funding_row(p: FundingRecord, pick: Callback<PositionId>) -> impl IntoView {
    let rate = format!("{} / {}", format::percent_signed(p.rate.rate, 4), format::interval(p.rate.interval));
    view! {
        <tr data-row-id=p.row_id() title=format!("payment {}", p.payment_id)>
            <td data-col="time" class="num">{time_text(p.time_ms)}</td>
            {position_cell("position_id", p.position_id, pick)}
            <th scope="row" data-col="symbol" class="symbol">{p.symbol.to_string()}</th>
            <td data-col="strategy">{p.strategy.to_string()}</td>
            {venue_cell(p.venue)}
            <td data-col="rate" class=format!("num {}", format::percent_sign_class(p.rate.rate, 4))>{rate}</td>
            <td data-col="position_qty" class="num">{qty_text(p.position_qty)}</td>
            <td data-col="mark_price" class="num">{price_text(p.mark_price)}</td>
            {money_cell("amount", p.amount)}
        </tr>
    }
}

fn empty(cols: usize) -> impl IntoView {
    view! { <tr class="empty"><td colspan=cols>"No records match the filter."</td></tr> }
}

/// The table of one page; `pick` is called with a position id the user selects.
#[component]
pub fn HistoryTable(rows: Rows, pick: Callback<PositionId>) -> impl IntoView {
    let list = rows.list().as_str();
    let n = rows.len();
    let (head, body) = match rows {
        Rows::Positions(p) => (
            header(&POSITION_COLS).into_any(),
            p.rows.into_iter().map(|r| position_row(r, pick)).collect_view().into_any(),
        ),
        Rows::Orders(p) => {
            (header(&ORDER_COLS).into_any(), p.rows.into_iter().map(|r| order_row(r, pick)).collect_view().into_any())
        }
        Rows::Fills(p) => {
            (header(&FILL_COLS).into_any(), p.rows.into_iter().map(|r| fill_row(r, pick)).collect_view().into_any())
        }
        Rows::Funding(p) => (
            header(&FUNDING_COLS).into_any(),
            p.rows.into_iter().map(|r| funding_row(r, pick)).collect_view().into_any(),
        ),
    };
    view! {
        <div class="table-wrap">
            <table id="history-table" class="board-table history-table" data-list=list data-rows=n>
                {head}
                <tbody>{body} {(n == 0).then(|| empty(11))}</tbody>
            </table>
        </div>
    }
}

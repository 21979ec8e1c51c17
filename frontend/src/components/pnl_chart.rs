//! The cumulative realised P&L (`svg#pnl-chart`): price P&L realised by fills, settled funding,
//! fees paid (drawn below zero: a cost) and the net of the three, as step lines over the
//! window — each total changes only when a fill or a payment happens. Same axes and sizing as
//! the funding history chart: drawn at its container's pixel width.

use super::history_chart::axis::{self, Frame};
use super::history_chart::grid;
use super::history_chart::measured_width;
use super::history_table::signed_usd;
use crate::format;
use app::history::{PnlParts, PnlPoint, PnlSeries};
use leptos::html::Div;
use leptos::prelude::*;
use rust_decimal::Decimal;
use wasm_bindgen::JsCast;

pub const HEIGHT_PX: f64 = 220.0;
/// Places of the money on the axes and in the readout.
const DP: u32 = 2;

/// A money tick: "+1,200", "-0.50".
pub fn money_label(v: Decimal, step_dp: u32) -> String {
    format::signed(v, step_dp)
}

/// Places a tick needs for its step (0.5 needs one, 20 needs none).
pub fn step_dp(ticks: &[Decimal]) -> u32 {
    match ticks {
        [a, b, ..] => (*b - *a).normalize().scale(),
        _ => DP,
    }
}

/// The four lines, in drawing order (net on top).
const LINES: [(&str, &str); 4] = [("price", "Price P&L"), ("funding", "Funding"), ("fees", "Fees"), ("net", "Net")];

fn value(line: &str, p: &PnlParts) -> Decimal {
    match line {
        "price" => p.price.0,
        "funding" => p.funding.0,
        "fees" => -p.fees.0,
        _ => p.net.0,
    }
}

/// A step line: each total holds until the next event, and to the end of the window.
fn step_points(points: &[PnlPoint], line: &str, frame: &Frame, to_ms: i64) -> String {
    let mut coords = Vec::with_capacity(points.len() * 2 + 1);
    let mut last_y = None;
    for p in points {
        let (x, y) = (frame.x_px(p.time_ms), frame.y_px(value(line, &p.total)));
        if let Some(prev) = last_y {
            coords.push(format!("{x:.1},{prev:.1}"));
        }
        coords.push(format!("{x:.1},{y:.1}"));
        last_y = Some(y);
    }
    if let Some(y) = last_y {
        coords.push(format!("{:.1},{y:.1}", frame.x_px(to_ms)));
    }
    coords.join(" ")
}

#[component]
pub fn PnlChart(series: PnlSeries) -> impl IntoView {
    let container = NodeRef::<Div>::new();
    let width_px = measured_width(container);
    let has_events = series.points.len() > 1;
    let series = StoredValue::new(series);
    let chart = move || {
        let width = width_px.get();
        (width > 0.0 && has_events).then(|| series.with_value(|s| chart(s, width)))
    };
    view! {
        <div class="pnl-chart" node_ref=container>
            <h3 class="chart-title">"Cumulative realised P&L " <span class="muted">"(USD, UTC)"</span></h3>
            <Legend total=series.with_value(|s| s.total)/>
            {(!has_events).then(|| view! { <p class="chart-note muted">"No fills or funding payments in this window."</p> })}
            {chart}
        </div>
    }
}

#[component]
fn Legend(total: PnlParts) -> impl IntoView {
    let items = LINES
        .iter()
        .map(|(line, label)| {
            let (text, class) = signed_usd(app::Usd(value(line, &total)), DP);
            view! {
                <li class=format!("legend-item legend-{line}")>
                    <span class="swatch" aria-hidden="true"></span>
                    <b>{*label}</b>
                    <span data-field=format!("total-{line}") class=format!("num money {class}")>{text}</span>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="chart-legend pnl-legend">{items}</ul> }
}

fn chart(s: &PnlSeries, width_px: f64) -> impl IntoView + use<> {
    let values = s.points.iter().flat_map(|p| LINES.iter().map(move |(l, _)| value(l, &p.total)));
    let (min, max) = values.fold((Decimal::ZERO, Decimal::ZERO), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (lo, hi, ticks) = axis::value_axis(min, max, 5);
    let dp = step_dp(&ticks);
    let frame = Frame::new(width_px, HEIGHT_PX, s.from_ms, s.to_ms.max(s.from_ms + 1), lo, hi);
    let y_grid = grid::value_grid(&frame, &ticks, money_label, dp);
    let x_ticks = grid::time_grid(&frame);
    let lines = LINES
        .iter()
        .map(|(line, _)| {
            view! {
                <polyline class=format!("series series-{line}") data-line=*line
                    points=step_points(&s.points, line, &frame, frame.to_ms) fill="none"/>
            }
        })
        .collect_view();
    let zero = frame.y_px(Decimal::ZERO);
    let points = StoredValue::new(s.points.clone());
    let hover_px = RwSignal::new(None::<f64>);
    let on_move = {
        let frame = frame.clone();
        move |e: leptos::ev::PointerEvent| {
            let Some(svg) = e.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
            let x = f64::from(e.client_x()) - svg.get_bounding_client_rect().left();
            hover_px.set((frame.left_px..=frame.right_px).contains(&x).then_some(x));
        }
    };
    let readout = {
        let frame = frame.clone();
        move || {
            let x = hover_px.get()?;
            // The total in force at the pointer: the last point at or before it.
            let p = points.with_value(|ps| ps.iter().rev().find(|p| frame.x_px(p.time_ms) <= x).copied())?;
            let lines = LINES
                .iter()
                .map(|(line, label)| {
                    let (text, _) = signed_usd(app::Usd(value(line, &p.total)), DP);
                    view! { <tspan x=frame.left_px + 8.0 dy="1.3em" class=format!("readout-{line}")>{format!("{label} {text}")}</tspan> }
                })
                .collect_view();
            let when = format!("{} {} UTC", format::utc_month_day(p.time_ms), format::utc_hour_minute(p.time_ms));
            Some(view! {
                <line class="crosshair" x1=x x2=x y1=frame.top_px y2=frame.bottom_px/>
                <text class="readout" x=frame.left_px + 8.0 y=frame.top_px>
                    <tspan x=frame.left_px + 8.0 dy="0.9em">{when}</tspan>
                    {lines}
                </text>
            })
        }
    };
    view! {
        <svg id="pnl-chart" width=width_px height=HEIGHT_PX viewBox=format!("0 0 {width_px} {HEIGHT_PX}")
            role="img" aria-label="Cumulative realised P&L: price, funding, fees and net"
            on:pointermove=on_move on:pointerleave=move |_| hover_px.set(None)>
            <g class="axis">{y_grid}{x_ticks}</g>
            <line class="zero-line" x1=frame.left_px x2=frame.right_px y1=zero y2=zero/>
            <line class="axis-line" x1=frame.left_px x2=frame.left_px y1=frame.top_px y2=frame.bottom_px/>
            {lines}
            {readout}
        </svg>
    }
}

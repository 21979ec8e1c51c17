//! A daily series as a line (`svg#<id>`): the equity curve, or the drawdown below zero as a
//! filled area. Same axes, margins and sizing as the History charts: drawn at its container's
//! pixel width.

use crate::components::history_chart::axis::{self, Frame};
use crate::components::history_chart::grid;
use crate::components::history_chart::measured_width;
use crate::components::pnl_chart::{money_label, step_dp};
use app::TimestampMs;
use leptos::html::Div;
use leptos::prelude::*;
use rust_decimal::Decimal;

const HEIGHT_PX: f64 = 200.0;

#[component]
pub fn DayChart(
    id: &'static str,
    title: &'static str,
    /// (00:00 UTC of the day, value), in order.
    points: Vec<(TimestampMs, Decimal)>,
    /// Fill the area between the line and zero (the drawdown).
    #[prop(optional)]
    area: bool,
) -> impl IntoView {
    let container = NodeRef::<Div>::new();
    let width_px = measured_width(container);
    let points = StoredValue::new(points);
    let chart = move || {
        let width = width_px.get();
        (width > 0.0).then(|| points.with_value(|p| draw(id, title, p, width, area)))
    };
    view! {
        <div class="pnl-chart bt-chart" node_ref=container>
            <h3 class="chart-title">{title} " " <span class="muted">"(USD, daily, UTC)"</span></h3>
            {chart}
        </div>
    }
}

fn draw(
    id: &'static str,
    title: &'static str,
    p: &[(TimestampMs, Decimal)],
    width_px: f64,
    area: bool,
) -> impl IntoView + use<> {
    let (min, max) = p.iter().fold((None::<Decimal>, None::<Decimal>), |(lo, hi), (_, v)| {
        (Some(lo.map_or(*v, |l| l.min(*v))), Some(hi.map_or(*v, |h| h.max(*v))))
    });
    let (min, max) = (min.unwrap_or_default(), max.unwrap_or_default());
    // The drawdown hangs from zero; the equity curve is drawn on its own range (from zero, a
    // budget of 30,000 would flatten a 50 USD move into a line).
    let (lo, hi, ticks) =
        if area { axis::value_axis(min.min(Decimal::ZERO), Decimal::ZERO, 5) } else { fitted(min, max) };
    let dp = step_dp(&ticks);
    let (from, to) = (p.first().map_or(0, |x| x.0), p.last().map_or(1, |x| x.0));
    let frame = Frame::new(width_px, HEIGHT_PX, from, to.max(from + 1), lo, hi);
    let y_grid = grid::value_grid(&frame, &ticks, money_label, dp);
    let x_ticks = grid::time_grid(&frame);
    let coords: Vec<String> = p.iter().map(|(t, v)| format!("{:.1},{:.1}", frame.x_px(*t), frame.y_px(*v))).collect();
    let zero = frame.y_px(Decimal::ZERO);
    let fill = area.then(|| {
        let (first, last) = (frame.x_px(from), frame.x_px(to));
        let shape = format!("{first:.1},{zero:.1} {} {last:.1},{zero:.1}", coords.join(" "));
        view! { <polygon class="series-area" points=shape/> }
    });
    view! {
        <svg id=id width=width_px height=HEIGHT_PX viewBox=format!("0 0 {width_px} {HEIGHT_PX}") role="img"
            aria-label=title data-points=p.len()>
            <g class="axis">{y_grid}{x_ticks}</g>
            <line class="axis-line" x1=frame.left_px x2=frame.left_px y1=frame.top_px y2=frame.bottom_px/>
            {fill}
            <polyline class="series series-net" points=coords.join(" ") fill="none"/>
        </svg>
    }
}

/// An axis over `[min, max]` only, on round steps.
fn fitted(min: Decimal, max: Decimal) -> (Decimal, Decimal, Vec<Decimal>) {
    let (min, max) = if min == max { (min - Decimal::ONE, max + Decimal::ONE) } else { (min, max) };
    let step = axis::nice_step(max - min, 5);
    let (lo, hi) = ((min / step).floor() * step, (max / step).ceil() * step);
    let mut ticks = Vec::new();
    let mut t = lo;
    while t <= hi {
        ticks.push(t.normalize());
        t += step;
    }
    (lo, hi, ticks)
}

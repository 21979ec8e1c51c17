//! Daily realised P&L (`svg#pnl-bars`): one bar per UTC day that had a fill or a payment, up
//! from zero when the day made money (`pos`), down when it lost (`neg`), with the day's split
//! in its tooltip. Unrealised P&L of open positions is not a bar: it has not happened yet.

use super::history_chart::axis::{self, Frame};
use super::history_chart::grid;
use super::history_chart::measured_width;
use super::history_table::signed_usd;
use super::pnl_chart::{HEIGHT_PX, money_label, step_dp};
use crate::format;
use app::equity::{MS_PER_DAY, date, day_start};
use app::history::{PnlDay, PnlSeries};
use leptos::html::Div;
use leptos::prelude::*;
use rust_decimal::Decimal;

#[component]
pub fn PnlBars(series: PnlSeries) -> impl IntoView {
    let container = NodeRef::<Div>::new();
    let width_px = measured_width(container);
    let empty = series.days.is_empty();
    let series = StoredValue::new(series);
    let chart = move || {
        let width = width_px.get();
        (width > 0.0 && !empty).then(|| series.with_value(|s| bars(s, width)))
    };
    view! {
        <div class="pnl-bars" node_ref=container>
            <h3 class="chart-title">"Realised P&L per day " <span class="muted">"(net of fees, USD, UTC days)"</span></h3>
            {empty.then(|| view! { <p class="chart-note muted">"No realised P&L in this window."</p> })}
            {chart}
        </div>
    }
}

fn tooltip(d: &PnlDay) -> String {
    let part = |v| signed_usd(app::Usd(v), 2).0;
    format!(
        "{}: net {} = price {} + funding {} - fees {}",
        date(d.day_ms),
        part(d.pnl.net.0),
        part(d.pnl.price.0),
        part(d.pnl.funding.0),
        format::fixed(d.pnl.fees.0, 2)
    )
}

fn bars(s: &PnlSeries, width_px: f64) -> impl IntoView + use<> {
    let (min, max) =
        s.days.iter().fold((Decimal::ZERO, Decimal::ZERO), |(lo, hi), d| (lo.min(d.pnl.net.0), hi.max(d.pnl.net.0)));
    let (lo, hi, ticks) = axis::value_axis(min, max, 4);
    let dp = step_dp(&ticks);
    let first = day_start(s.from_ms).min(s.days.first().map_or(i64::MAX, |d| d.day_ms));
    let last = day_start(s.to_ms).max(s.days.last().map_or(i64::MIN, |d| d.day_ms)) + MS_PER_DAY;
    let frame = Frame::new(width_px, HEIGHT_PX, first, last, lo, hi);
    let band = frame.x_px(first + MS_PER_DAY) - frame.x_px(first);
    let bar_w = (band * 0.7).clamp(1.0, 48.0);
    let zero = frame.y_px(Decimal::ZERO);
    let y_grid = grid::value_grid(&frame, &ticks, money_label, dp);
    let x_ticks = axis::time_ticks(first, last, grid::time_tick_count(&frame))
        .into_iter()
        .filter(|(t, _)| t.rem_euclid(MS_PER_DAY) == 0)
        .map(|(t, label)| {
            let x = frame.x_px(t) + band / 2.0;
            view! { <text class="tick x-tick" x=x y=frame.bottom_px + 18.0 text-anchor="middle">{label}</text> }
        })
        .collect_view();
    let rects = s
        .days
        .iter()
        .map(|d| {
            let y = frame.y_px(d.pnl.net.0);
            let (_, class) = signed_usd(d.pnl.net, 2);
            let x = frame.x_px(d.day_ms) + (band - bar_w) / 2.0;
            view! {
                <rect class=format!("bar {class}") data-day=date(d.day_ms) data-net=d.pnl.net.to_string()
                    x=x y=y.min(zero) width=bar_w height=(y - zero).abs().max(1.0)>
                    <title>{tooltip(d)}</title>
                </rect>
            }
        })
        .collect_view();
    view! {
        <svg id="pnl-bars" width=width_px height=HEIGHT_PX viewBox=format!("0 0 {width_px} {HEIGHT_PX}")
            role="img" aria-label="Realised P&L per UTC day">
            <g class="axis">{y_grid}{x_ticks}</g>
            {rects}
            <line class="zero-line" x1=frame.left_px x2=frame.right_px y1=zero y2=zero/>
            <line class="axis-line" x1=frame.left_px x2=frame.left_px y1=frame.top_px y2=frame.bottom_px/>
        </svg>
    }
}

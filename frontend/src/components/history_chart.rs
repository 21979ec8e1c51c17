//! The 7-day funding history of one symbol: both venues as per-hour rates over time, in
//! one SVG (`svg#history-chart`) with value and time axes, a zero line and a legend.
//!
//! The SVG is drawn at the pixel width of its container (re-measured on resize), so text
//! stays the same size on a phone as on a desktop instead of being scaled with a viewBox.

pub mod axis;
pub mod grid;

use crate::api::{self, ApiError};
use crate::format;
use app::api::{FundingHistory, FundingPoint, HistoryQuery};
use app::{Symbol, Venue};
use axis::Frame;
use leptos::ev;
use leptos::html::Div;
use leptos::prelude::*;
use rust_decimal::Decimal;
use std::time::Duration;
use wasm_bindgen::JsCast;

/// History gains a point per settlement; a minute is fresh enough (and the server may run a
/// compressed clock, where settlements come quickly).
const REFRESH: Duration = Duration::from_secs(60);
const HEIGHT_PX: f64 = 280.0;

/// The width of `container` in pixels, re-measured on resize: charts draw at their
/// container's width.
pub fn measured_width(container: NodeRef<Div>) -> RwSignal<f64> {
    let width_px = RwSignal::new(0.0_f64);
    let measure = move || {
        if let Some(el) = container.get_untracked() {
            width_px.set(f64::from(el.client_width()));
        }
    };
    Effect::new(move |_| {
        if container.get().is_some() {
            measure();
        }
    });
    let resize = window_event_listener(ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());
    width_px
}

#[component]
pub fn HistoryChart(symbol: Symbol) -> impl IntoView {
    let history = {
        let symbol = symbol.clone();
        LocalResource::new(move || {
            let symbol = symbol.clone();
            async move { api::funding_history(&symbol, &HistoryQuery::default()).await }
        })
    };
    match set_interval_with_handle(move || history.refetch(), REFRESH) {
        Ok(handle) => on_cleanup(move || handle.clear()),
        Err(e) => leptos::logging::error!("history refresh not started: {e:?}"),
    }

    let container = NodeRef::<Div>::new();
    let width_px = measured_width(container);

    let body = move || {
        match history.get() {
        None => view! { <p class="chart-note muted">"Loading history…"</p> }.into_any(),
        Some(Err(e)) => error_view(e).into_any(),
        Some(Ok(h)) if h.points.is_empty() => view! {
            <p class="chart-note muted">"No funding settlements recorded for " {h.symbol.to_string()} " in this range."</p>
        }
        .into_any(),
        Some(Ok(h)) => {
            let width = width_px.get();
            view! {
                <Legend history=h.clone()/>
                {(width > 0.0).then(|| view! { <Chart history=h width_px=width/> })}
            }
            .into_any()
        }
    }
    };
    view! {
        <div class="history" node_ref=container>
            <h3 class="chart-title">"Funding history, 7 days " <span class="muted">"(% per hour, UTC)"</span></h3>
            {body}
        </div>
    }
}

fn error_view(e: ApiError) -> impl IntoView {
    view! { <p class="chart-note error">"Could not load history: " {e.to_string()}</p> }
}

fn venue_points(h: &FundingHistory, venue: Venue) -> Vec<&FundingPoint> {
    let mut points: Vec<&FundingPoint> = h.points.iter().filter(|p| p.venue == venue).collect();
    points.sort_by_key(|p| p.time_ms);
    points
}

/// Per-hour rate in percent: the unit of the value axis.
fn percent_per_hour(p: &FundingPoint) -> Decimal {
    p.per_hour * Decimal::ONE_HUNDRED
}

/// One venue's series, sorted by time, with each point's pixel position.
#[derive(Clone)]
struct Series {
    venue: Venue,
    points: Vec<(FundingPoint, f64, f64)>,
}

impl Series {
    fn new(h: &FundingHistory, venue: Venue, frame: &Frame) -> Self {
        let points = venue_points(h, venue)
            .into_iter()
            .map(|p| (p.clone(), frame.x_px(p.time_ms), frame.y_px(percent_per_hour(p))))
            .collect();
        Self { venue, points }
    }

    fn polyline(&self) -> String {
        let coords: Vec<String> = self.points.iter().map(|(_, x_px, y_px)| format!("{x_px:.1},{y_px:.1}")).collect();
        coords.join(" ")
    }

    /// The point closest to the pointer's x.
    fn nearest(&self, x_px: f64) -> Option<&(FundingPoint, f64, f64)> {
        let i = self.points.partition_point(|(_, px, _)| *px < x_px);
        let before = i.checked_sub(1).and_then(|j| self.points.get(j));
        match (before, self.points.get(i)) {
            (Some(b), Some(a)) => Some(if x_px - b.1 <= a.1 - x_px { b } else { a }),
            (b, a) => b.or(a),
        }
    }
}

#[component]
fn Chart(history: FundingHistory, width_px: f64) -> impl IntoView {
    let h = &history;
    let values = h.points.iter().map(percent_per_hour);
    let min = values.clone().min().unwrap_or_default();
    let max = values.max().unwrap_or_default();
    let (lo, hi, ticks) = axis::value_axis(min, max, 5);
    let step_dp = match ticks.as_slice() {
        [a, b, ..] => (*b - *a).normalize().scale(),
        _ => 3,
    };
    let frame = Frame::new(width_px, HEIGHT_PX, h.from_ms, h.to_ms, lo, hi);
    let y_grid = grid::value_grid(&frame, &ticks, axis::value_label, step_dp);
    let x_ticks = grid::time_grid(&frame);
    let zero_px = frame.y_px(Decimal::ZERO);
    let series = StoredValue::new([Series::new(h, Venue::Binance, &frame), Series::new(h, Venue::Lighter, &frame)]);
    let polylines = series.with_value(|all| {
        all.iter()
            .map(|s| view! { <polyline class=format!("series series-{}", s.venue) points=s.polyline() fill="none"/> })
            .collect_view()
    });

    // The pointer's x inside the plot, for the crosshair and readout.
    let hover_px = RwSignal::new(None::<f64>);
    let on_move = move |ev: leptos::ev::PointerEvent| {
        let Some(svg) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
        let x_px = f64::from(ev.client_x()) - svg.get_bounding_client_rect().left();
        hover_px.set((frame.left_px..=frame.right_px).contains(&x_px).then_some(x_px));
    };
    let crosshair = move || {
        let x_px = hover_px.get()?;
        let marks = series.with_value(|all| {
            all.iter()
                .filter_map(|s| s.nearest(x_px).map(|(p, px, py)| (s.venue, p.clone(), *px, *py)))
                .collect::<Vec<_>>()
        });
        let dots = marks
            .iter()
            .map(|(venue, _, px, py)| view! { <circle class=format!("dot dot-{venue}") cx=*px cy=*py r="3.5"/> })
            .collect_view();
        let lines = marks
            .into_iter()
            .map(|(venue, p, _, _)| {
                view! {
                    <tspan x=frame.left_px + 8.0 dy="1.3em" class=format!("readout-{venue}")>
                        {format!("{} {} /h {} APR · {} UTC", venue.label(), format::per_hour(p.per_hour), format::apr(p.apr), format::utc_month_day(p.time_ms) + " " + &format::utc_hour_minute(p.time_ms))}
                    </tspan>
                }
            })
            .collect_view();
        Some(view! {
            <line class="crosshair" x1=x_px x2=x_px y1=frame.top_px y2=frame.bottom_px/>
            {dots}
            <text class="readout" x=frame.left_px + 8.0 y=frame.top_px>{lines}</text>
        })
    };

    view! {
        <svg
            id="history-chart"
            data-symbol=h.symbol.to_string()
            width=width_px
            height=HEIGHT_PX
            viewBox=format!("0 0 {width_px} {HEIGHT_PX}")
            role="img"
            aria-label=format!("{} funding rate per hour over time, Binance and Lighter", h.symbol)
            on:pointermove=on_move
            on:pointerleave=move |_| hover_px.set(None)
        >
            <g class="axis">{y_grid}{x_ticks}</g>
            <line class="zero-line" x1=frame.left_px x2=frame.right_px y1=zero_px y2=zero_px/>
            <line class="axis-line" x1=frame.left_px x2=frame.left_px y1=frame.top_px y2=frame.bottom_px/>
            <line class="axis-line" x1=frame.left_px x2=frame.right_px y1=frame.bottom_px y2=frame.bottom_px/>
            {polylines}
            {crosshair}
        </svg>
    }
}

/// One entry per venue: its colour, the latest settled rate, and the time-weighted average
/// over the window (total funding over total hours, so 8h and 1h points weigh right).
#[component]
fn Legend(history: FundingHistory) -> impl IntoView {
    let entries = Venue::ALL
        .into_iter()
        .map(|venue| {
            let points = venue_points(&history, venue);
            let stats = points.last().map(|last| {
                let total: Decimal = points.iter().map(|p| p.rate.rate).sum();
                let hours: u32 = points.iter().map(|p| p.rate.interval.hours()).sum();
                let mean_per_hour = total / Decimal::from(hours.max(1));
                let mean_apr = app::FundingRate::new(mean_per_hour, app::FundingInterval::HOURLY).apr();
                format!("last {} · avg {} APR", format::per_hour(last.per_hour), format::apr(mean_apr))
            });
            view! {
                <li class=format!("legend-item legend-{venue}")>
                    <span class="swatch" aria-hidden="true"></span>
                    <b>{venue.label()}</b>
                    <span class="muted">{stats.unwrap_or_else(|| "no data".to_owned())}</span>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="chart-legend">{entries}</ul> }
}

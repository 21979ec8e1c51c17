//! The grid behind every time chart: a line and a label per value tick, and a line and a date
//! per time tick (about one per 80 px of plot).

use super::axis::{self, Frame};
use leptos::prelude::*;
use rust_decimal::Decimal;

/// A horizontal line and its label for each of `ticks`, labelled by `label(tick, dp)`.
pub fn value_grid(
    frame: &Frame,
    ticks: &[Decimal],
    label: fn(Decimal, u32) -> String,
    dp: u32,
) -> impl IntoView + use<> {
    ticks
        .iter()
        .map(|t| {
            let y = frame.y_px(*t);
            view! {
                <line class="grid" x1=frame.left_px x2=frame.right_px y1=y y2=y/>
                <text class="tick y-tick" x=frame.left_px - 6.0 y=y dy="0.32em" text-anchor="end">{label(*t, dp)}</text>
            }
        })
        .collect_view()
}

/// How many time ticks fit the plot's width.
pub fn time_tick_count(frame: &Frame) -> i64 {
    ((frame.right_px - frame.left_px) / 80.0).floor() as i64
}

/// A vertical line and its date for each time tick over the frame's window.
pub fn time_grid(frame: &Frame) -> impl IntoView + use<> {
    axis::time_ticks(frame.from_ms, frame.to_ms, time_tick_count(frame))
        .into_iter()
        .map(|(t, label)| {
            let x = frame.x_px(t);
            view! {
                <line class="grid grid-x" x1=x x2=x y1=frame.top_px y2=frame.bottom_px/>
                <text class="tick x-tick" x=x y=frame.bottom_px + 18.0 text-anchor="middle">{label}</text>
            }
        })
        .collect_view()
}

//! Cells and figures for money: signed, two places, the `neg` class (red) when negative, so
//! that a loss can never be read as a gain.

use crate::format;
use leptos::prelude::*;
use rust_decimal::Decimal;

/// `<td data-col=col>` with a signed USD amount.
#[component]
pub fn UsdCell(#[prop(into)] col: String, #[prop(into)] value: Signal<Decimal>) -> impl IntoView {
    view! {
        <td data-col=col class=move || format!("num usd {}", format::usd_class(value.get()))>
            {move || format::usd(value.get())}
        </td>
    }
}

/// A signed USD amount inline, for summaries and the preview.
#[component]
pub fn Usd(#[prop(into)] value: Signal<Decimal>, #[prop(optional, into)] field: Option<String>) -> impl IntoView {
    view! {
        <span data-field=field class=move || format!("num usd {}", format::usd_class(value.get()))>
            {move || format::usd(value.get())}
        </span>
    }
}

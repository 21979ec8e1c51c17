//! A table cell for a rate: text from `format`, colour class for its sign and strength.

use crate::format;
use app::{FundingInterval, FundingRate};
use leptos::prelude::*;
use rust_decimal::Decimal;

/// The annualised value of a per-hour fraction, by the shared calculator.
fn apr_of_per_hour(per_hour: Decimal) -> Decimal {
    FundingRate::new(per_hour, FundingInterval::HOURLY).apr()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateUnit {
    /// A signed fraction per hour, shown as percent per hour.
    PerHour,
    /// A signed annualised fraction, shown as percent.
    Apr,
    /// A spread: never negative, coloured by strength only.
    SpreadPerHour,
    SpreadApr,
}

impl RateUnit {
    fn text(self, v: Decimal) -> String {
        match self {
            RateUnit::PerHour => format::per_hour(v),
            RateUnit::Apr => format::apr(v),
            RateUnit::SpreadPerHour => format::percent(v, format::PER_HOUR_DP),
            RateUnit::SpreadApr => format::percent(v, format::APR_DP),
        }
    }

    fn class(self, v: Decimal) -> String {
        let (sign, apr) = match self {
            RateUnit::PerHour => (format::percent_sign_class(v, format::PER_HOUR_DP), apr_of_per_hour(v)),
            RateUnit::Apr => (format::percent_sign_class(v, format::APR_DP), v),
            RateUnit::SpreadPerHour => ("spread", apr_of_per_hour(v)),
            RateUnit::SpreadApr => ("spread", v),
        };
        format!("num rate {sign} {}", format::tier_class(apr))
    }
}

/// `<td data-col=col>` showing `value`, or a dash when the venue does not quote the symbol.
#[component]
pub fn RateCell(
    #[prop(into)] col: String,
    unit: RateUnit,
    #[prop(into)] value: Signal<Option<Decimal>>,
) -> impl IntoView {
    let class = move || value.get().map_or_else(|| "num rate na".to_owned(), |v| unit.class(v));
    let text = move || value.get().map_or_else(|| "—".to_owned(), |v| unit.text(v));
    view! { <td data-col=col class=class>{text}</td> }
}

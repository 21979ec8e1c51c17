//! The preview of an open (`#preview`): quantity per leg after rounding, slices, fees,
//! expected funding per hour, per day and as APR, each leg's limit price and margin, and the
//! pre-flight verdict with its reasons (`#preview-verdict[data-ok]`); below it, why the engine
//! is not opening at the moment, if it is not. Figures carry `data-field` hooks.

use crate::api::ApiError;
use crate::components::money::Usd as UsdText;
use crate::format;
use app::order::Side;
use app::sizing::OpenPreview;
use app::trading::EngineStatus;
use leptos::prelude::*;

#[component]
pub fn PreviewPanel(
    preview: Memo<Option<OpenPreview>>,
    engine: LocalResource<Result<Option<EngineStatus>, ApiError>>,
    quote_problem: Signal<Option<String>>,
) -> impl IntoView {
    let blocked = move || engine.get().and_then(Result::ok).flatten().map(|s| s.blocked).unwrap_or_default();
    let body = move || {
        let Some(p) = preview.get() else {
            let why = quote_problem
                .get()
                .unwrap_or_else(|| "The preview appears once the form is filled in correctly.".into());
            return view! { <p class="muted" id="preview-empty">{why}</p> }.into_any();
        };
        preview_view(p).into_any()
    };
    view! {
        <aside id="preview" class="preview" aria-live="polite" aria-labelledby="preview-title">
            <h3 id="preview-title">"Preview " <span class="muted">"(computed here by the engine's sizing code)"</span></h3>
            {body}
            {move || {
                let b = blocked();
                (!b.is_empty()).then(|| view! {
                    <div id="engine-blocked" class="verdict verdict-bad">
                        <b>"The engine is not opening now:"</b>
                        <ul>{b.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
                    </div>
                })
            }}
        </aside>
    }
}

fn preview_view(p: OpenPreview) -> impl IntoView {
    let last = p.qty.0.checked_rem(p.slice_qty.0).filter(|r| !r.is_zero());
    let slices = match last {
        Some(r) => format!("{} × {} (last {})", p.slices, format::qty(p.slice_qty.0), format::qty(r)),
        None => format!("{} × {}", p.slices, format::qty(p.slice_qty.0)),
    };
    let legs = p
        .legs
        .iter()
        .map(|l| {
            let v = l.venue;
            let side = match l.side {
                Side::Buy => "Buy (long)",
                Side::Sell => "Sell (short)",
            };
            view! {
                <tr data-venue=v.to_string()>
                    <th scope="row"><span class=format!("venue-name venue-{v}")>{v.label()}</span></th>
                    <td data-field=format!("{v}-side")>{side}</td>
                    <td data-field=format!("{v}-limit") class="num">{format::price(l.limit_price)}</td>
                    <td data-field=format!("{v}-margin") class="num">{format::usd_plain(l.margin.0)}</td>
                    <td class="num"><UsdText value=-l.entry_fee.0 field=format!("{v}-fee")/></td>
                </tr>
            }
        })
        .collect_view();
    let ok = p.is_ok();
    let refusals = p.refusals.clone();
    view! {
        <dl class="preview-figures">
            <dt>"Quantity per leg"</dt>
            <dd data-field="qty" class="num">{format::qty(p.qty.0)}</dd>
            <dt>"Slices"</dt>
            <dd data-field="slices" data-slice-qty=p.slice_qty.0.to_string() class="num">{slices}</dd>
            <dt>"Notional"</dt>
            <dd data-field="notional" class="num">{format::usd_plain(p.notional.0)} " USD"</dd>
            <dt>"Entry fees"</dt>
            <dd><UsdText value=-p.entry_fees.0 field="entry_fees"/></dd>
            <dt>"Round-trip fees"</dt>
            <dd><UsdText value=-p.round_trip_fees.0 field="round_trip_fees"/></dd>
            <dt>"Funding per hour"</dt>
            <dd><UsdText value=p.funding_per_hour.0 field="funding_per_hour"/></dd>
            <dt>"Funding per day"</dt>
            <dd><UsdText value=p.funding_per_day.0 field="funding_per_day"/></dd>
            <dt>"Funding APR"</dt>
            <dd data-field="apr" class=format!("num {}", format::percent_sign_class(p.apr, format::APR_DP))>
                {format::apr(p.apr)}
            </dd>
        </dl>
        <div class="table-wrap">
            <table class="data-table preview-legs">
                <thead>
                    <tr>
                        <th scope="col">"Leg"</th>
                        <th scope="col">"Side"</th>
                        <th scope="col" class="num" title="Worst price of its IOC orders">"Limit"</th>
                        <th scope="col" class="num">"Margin"</th>
                        <th scope="col" class="num">"Entry fee"</th>
                    </tr>
                </thead>
                <tbody>{legs}</tbody>
            </table>
        </div>
        <div id="preview-verdict" data-ok=ok.to_string() class=if ok { "verdict verdict-ok" } else { "verdict verdict-bad" }>
            {if ok {
                view! { <b>"Pre-flight: OK"</b> }.into_any()
            } else {
                view! {
                    <b>"Pre-flight: refused"</b>
                    <ul>{refusals.into_iter().map(|r| view! { <li class="refusal">{r}</li> }).collect_view()}</ul>
                }
                .into_any()
            }}
        </div>
    }
}

//! Live positions, both legs in one row: `table#positions tr[data-position-id]`, each figure in
//! a `td[data-col=...]` — per leg (`binance-size`, `binance-entry`, `binance-mark`,
//! `binance-liq`, and the same for lighter) and for the pair (`price-pnl`, `funding`, `fees`,
//! `net`, `held`), with the position's strategy and the exits that apply to it
//! (`td[data-col=strategy][data-exits]`). Active positions only; a closed one leaves the table.

use crate::clock::ServerClock;
use crate::components::money::UsdCell;
use crate::format;
use crate::streams::Streams;
use app::trading::{LegView, PositionId, PositionStatus, PositionView};
use app::{Usd, Venue};
use leptos::prelude::*;
use rust_decimal::Decimal;

/// A leg at or nearer than this to its liquidation price is flagged.
const LIQ_WARN: Decimal = Decimal::from_parts(10, 0, 0, false, 2);

#[component]
pub fn Positions() -> impl IntoView {
    let streams = expect_context::<Streams>();
    let ids = Memo::new(move |_| {
        streams
            .positions
            .items()
            .with(|m| m.values().rev().filter(|p| p.status.is_active()).map(|p| p.id).collect::<Vec<PositionId>>())
    });
    let leg_heads = |v: Venue| {
        view! {
            <th scope="col" class="num">"Size"</th>
            <th scope="col" class="num">"Entry"</th>
            <th scope="col" class="num">"Mark"</th>
            <th scope="col" class="num" title=format!("{} mark to liquidation price", v.label())>"Liq. dist."</th>
        }
    };
    view! {
        <section class="panel positions" aria-labelledby="positions-title">
            <h2 id="positions-title">
                "Positions " <span class="muted count">{move || format!("({} active)", ids.with(Vec::len))}</span>
            </h2>
            <div class="table-wrap">
                <table id="positions" class="data-table positions-table">
                    <thead>
                        <tr class="groups">
                            <th colspan="4" scope="colgroup">"Position"</th>
                            <th colspan="4" class="group venue-binance" scope="colgroup">"Binance leg"</th>
                            <th colspan="4" class="group venue-lighter" scope="colgroup">"Lighter leg"</th>
                            <th colspan="4" scope="colgroup">"P&L (USD)"</th>
                            <th rowspan="2" scope="col" class="num">"Held"</th>
                        </tr>
                        <tr>
                            <th scope="col">"Symbol"</th>
                            <th scope="col" title="Who opened it; its exits in the tooltip">"Strategy"</th>
                            <th scope="col">"Direction"</th>
                            <th scope="col">"Status"</th>
                            {leg_heads(Venue::Binance)}
                            {leg_heads(Venue::Lighter)}
                            <th scope="col" class="num" title="Realised and unrealised, both legs">"Price"</th>
                            <th scope="col" class="num" title="Settled funding; the accrued estimate in the tooltip">"Funding"</th>
                            <th scope="col" class="num">"Fees"</th>
                            <th scope="col" class="num">"Net"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || ids.get() key=|id| *id let:id>
                            <PositionRow id/>
                        </For>
                        <Show when=move || ids.with(Vec::is_empty)>
                            <tr class="empty">
                                <td colspan="17">"No open positions."</td>
                            </tr>
                        </Show>
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn PositionRow(id: PositionId) -> impl IntoView {
    let streams = expect_context::<Streams>();
    let clock = expect_context::<ServerClock>();
    let pos = Memo::new(move |_| streams.positions.items().with(|m| m.get(&id).cloned()));
    let field = move |f: fn(&PositionView) -> Usd| {
        Signal::derive(move || pos.with(|p| p.as_ref().map_or(Decimal::ZERO, |p| f(p).value())))
    };
    let symbol = move || pos.with(|p| p.as_ref().map(|p| p.symbol.to_string()).unwrap_or_default());
    let direction = move || pos.with(|p| p.as_ref().map(|p| p.direction.label()).unwrap_or_default());
    let strategy = move || pos.with(|p| p.as_ref().map(|p| p.strategy.to_string()).unwrap_or_default());
    let exits = move || {
        pos.with(|p| {
            p.as_ref().map(|p| format!("exits: {}; and the risk rules", p.exits.describe())).unwrap_or_default()
        })
    };
    let status = move || pos.with(|p| p.as_ref().map(|p| status_label(p.status)).unwrap_or(""));
    let note = move || pos.with(|p| p.as_ref().and_then(|p| p.note.clone()));
    let held = move || {
        pos.with(|p| {
            let p = p.as_ref()?;
            let end = p.closed_ms.or_else(|| clock.now_ms())?;
            Some(format::held(end - p.opened_ms))
        })
        .unwrap_or_else(|| "—".into())
    };
    let funding = field(|p| p.pnl.funding_settled);
    let funding_title = move || {
        pos.with(|p| {
            p.as_ref()
                .map(|p| format!("accrued since the last settlement: {}", format::usd(p.pnl.funding_estimate.value())))
        })
    };
    view! {
        <tr data-position-id=id.to_string() data-status=status>
            <th scope="row" data-col="symbol" class="symbol">{symbol}</th>
            <td data-col="strategy" data-exits=exits title=exits>{strategy}</td>
            <td data-col="direction" class="direction">{direction}</td>
            <td data-col="status" title=note>{status}</td>
            <LegCells pos venue=Venue::Binance/>
            <LegCells pos venue=Venue::Lighter/>
            <UsdCell col="price-pnl" value=field(|p| p.pnl.price_realized + p.pnl.price_unrealized)/>
            <td
                data-col="funding"
                class=move || format!("num usd {}", format::usd_class(funding.get()))
                title=funding_title
            >
                {move || format::usd(funding.get())}
            </td>
            <UsdCell col="fees" value=field(|p| -p.pnl.fees)/>
            <UsdCell col="net" value=field(|p| p.pnl.net)/>
            <td data-col="held" class="num">{held}</td>
        </tr>
    }
}

/// One leg's four cells: size (signed, long positive), entry, mark, distance to liquidation.
#[component]
fn LegCells(pos: Memo<Option<PositionView>>, venue: Venue) -> impl IntoView {
    let leg =
        Memo::new(move |_| pos.with(|p| p.as_ref().and_then(|p| p.legs.iter().find(|l| l.venue == venue).cloned())));
    let text = move |f: fn(&LegView) -> Option<String>| {
        move || leg.with(|l| l.as_ref().and_then(f)).unwrap_or_else(|| "—".into())
    };
    let qty = move || leg.with(|l| l.as_ref().map(|l| l.qty.0.to_string()));
    let size = move || {
        leg.with(|l| {
            l.as_ref().map(|l| {
                let side = if l.qty.0 < Decimal::ZERO { "Short" } else { "Long" };
                format!("{side} {}", format::qty(l.qty.0.abs()))
            })
        })
        .unwrap_or_else(|| "—".into())
    };
    let liq_near = move || leg.with(|l| l.as_ref().and_then(|l| l.liquidation_distance).is_some_and(|d| d <= LIQ_WARN));
    let liq_title = move || {
        leg.with(|l| {
            l.as_ref().and_then(|l| l.liquidation_price).map(|p| format!("liquidation price {}", format::price(p)))
        })
    };
    view! {
        <td data-col=format!("{venue}-size") data-qty=qty class="num size">{size}</td>
        <td data-col=format!("{venue}-entry") class="num">
            {text(|l| (!l.qty.0.is_zero()).then(|| format::price_like(l.entry_price.0, l.mark_price.map(|m| m.0))))}
        </td>
        <td data-col=format!("{venue}-mark") class="num">{text(|l| l.mark_price.map(format::price))}</td>
        <td data-col=format!("{venue}-liq") class="num" class:danger=liq_near title=liq_title>
            {text(|l| l.liquidation_distance.map(|d| format::percent(d, 1)))}
        </td>
    }
}

pub fn status_label(s: PositionStatus) -> &'static str {
    match s {
        PositionStatus::Opening => "opening",
        PositionStatus::Open => "open",
        PositionStatus::Closing => "closing",
        PositionStatus::Closed => "closed",
        PositionStatus::Failed => "failed",
    }
}

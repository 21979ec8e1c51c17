//! Top opportunities (`table#opportunities tr[data-opportunity=SYMBOL]`): the engine's ranking by
//! net APR after fees and slippage, refreshed every few seconds; a trader can take one to the
//! Trading page with symbol and direction filled in.

use crate::api;
use crate::auth::Session;
use crate::components::rate_cell::{RateCell, RateUnit};
use crate::format;
use crate::poll;
use app::auth::Role;
use app::trading::Opportunity;
use leptos::prelude::*;
use leptos_router::components::A;
use std::time::Duration;

const REFRESH: Duration = Duration::from_secs(5);
const SHOWN: usize = 8;

#[component]
pub fn Opportunities() -> impl IntoView {
    let session = expect_context::<Session>();
    let ranked = LocalResource::new(api::opportunities);
    poll::every(REFRESH, move || ranked.refetch());
    let body = move || match ranked.get() {
        None => view! { <tr class="empty"><td colspan="7">"Loading…"</td></tr> }.into_any(),
        Some(Err(e)) => view! { <tr class="empty"><td colspan="7" class="error">{e.to_string()}</td></tr> }.into_any(),
        Some(Ok(v)) if v.is_empty() => {
            view! { <tr class="empty"><td colspan="7">"No opportunity ranked yet."</td></tr> }.into_any()
        }
        Some(Ok(v)) => {
            let can_trade = session.can(Role::Trader);
            v.into_iter().take(SHOWN).map(|o| row(o, can_trade)).collect_view().into_any()
        }
    };
    view! {
        <section class="panel opportunities" aria-labelledby="opps-title">
            <h2 id="opps-title">"Top opportunities"</h2>
            <div class="table-wrap">
                <table id="opportunities" class="data-table">
                    <thead>
                        <tr>
                            <th scope="col">"Symbol"</th>
                            <th scope="col">"Direction"</th>
                            <th scope="col" class="num">"Spread APR"</th>
                            <th scope="col" class="num" title="After round-trip fees and slippage over the horizon">"Net APR"</th>
                            <th scope="col" class="num">"Notional"</th>
                            <th scope="col" class="num" title="Consecutive observations above the entry threshold">"Conf."</th>
                            <th scope="col">""</th>
                        </tr>
                    </thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
        </section>
    }
}

fn row(o: Opportunity, can_trade: bool) -> impl IntoView {
    let symbol = o.symbol.to_string();
    let href = format!("/trading?symbol={symbol}&direction={}", api::direction_param(o.direction));
    view! {
        <tr data-opportunity=symbol.clone() class:excluded=!o.trading>
            <th scope="row" data-col="symbol" class="symbol">{symbol.clone()}</th>
            <td data-col="direction">{o.direction.label()}</td>
            <RateCell col="spread-apr" unit=RateUnit::SpreadApr value=Some(o.spread_apr)/>
            <RateCell col="net-apr" unit=RateUnit::Apr value=Some(o.net_apr)/>
            <td data-col="notional" class="num">{format::usd_plain(o.notional.0)}</td>
            <td data-col="confirmations" class="num">{o.confirmations}</td>
            <td data-col="action">
                {if !o.trading {
                    view! { <span class="muted" title="Excluded by the symbol rules">"excluded"</span> }.into_any()
                } else if can_trade {
                    view! { <A href=href attr:class="btn btn-small">"Trade"</A> }.into_any()
                } else {
                    ().into_any()
                }}
            </td>
        </tr>
    }
}

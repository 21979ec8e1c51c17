//! Open orders (`table#open-orders tr[data-order-id]`): every order of ours not yet final,
//! live from the orders stream. Legs go out as IOC limits, so rows come and go quickly.

use crate::format;
use crate::streams::Streams;
use app::ClientOrderId;
use app::order::Side;
use app::trading::{OrderPurpose, OrderStatus, OrderView};
use leptos::prelude::*;

#[component]
pub fn OpenOrders() -> impl IntoView {
    let streams = expect_context::<Streams>();
    let open = Memo::new(move |_| {
        streams.orders.items().with(|m| {
            let mut v: Vec<OrderView> = m.values().filter(|o| !o.status.is_final()).cloned().collect();
            v.sort_by_key(|o| std::cmp::Reverse(o.created_ms));
            v
        })
    });
    view! {
        <section class="panel orders" aria-labelledby="orders-title">
            <h2 id="orders-title">
                "Open orders " <span class="muted count">{move || format!("({})", open.with(Vec::len))}</span>
            </h2>
            <div class="table-wrap">
                <table id="open-orders" class="data-table">
                    <thead>
                        <tr>
                            <th scope="col">"Time (UTC)"</th>
                            <th scope="col">"Order"</th>
                            <th scope="col">"Symbol"</th>
                            <th scope="col">"Venue"</th>
                            <th scope="col">"Side"</th>
                            <th scope="col" class="num">"Qty"</th>
                            <th scope="col" class="num">"Filled"</th>
                            <th scope="col" class="num">"Limit"</th>
                            <th scope="col">"Purpose"</th>
                            <th scope="col">"Status"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || open.get() key=|o| (o.client_order_id.clone(), o.status, o.filled_qty) let:o>
                            <OrderRow o/>
                        </For>
                        <Show when=move || open.with(Vec::is_empty)>
                            <tr class="empty">
                                <td colspan="10">"No open orders."</td>
                            </tr>
                        </Show>
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn OrderRow(o: OrderView) -> impl IntoView {
    let id: ClientOrderId = o.client_order_id.clone();
    let side = match o.side {
        Side::Buy => "buy",
        Side::Sell => "sell",
    };
    view! {
        <tr data-order-id=id.to_string() data-status=status_label(o.status)>
            <td data-col="time" class="num">{format::utc_time(o.created_ms)}</td>
            <td data-col="id" class="mono">{id.to_string()}</td>
            <td data-col="symbol">{o.symbol.to_string()}</td>
            <td data-col="venue">
                <span class=format!("venue-name venue-{}", o.venue)>{o.venue.label()}</span>
            </td>
            <td data-col="side" class=format!("side-{side}")>{side}</td>
            <td data-col="qty" class="num">{format::qty(o.qty.0)}</td>
            <td data-col="filled" class="num">{format::qty(o.filled_qty.0)}</td>
            <td data-col="limit" class="num">{o.limit_price.map_or_else(|| "market".into(), format::price)}</td>
            <td data-col="purpose">{purpose_label(o.purpose)}</td>
            <td data-col="status" title=o.error.clone()>{status_label(o.status)}</td>
        </tr>
    }
}

fn purpose_label(p: OrderPurpose) -> &'static str {
    match p {
        OrderPurpose::Open => "open",
        OrderPurpose::Close => "close",
        OrderPurpose::Repair => "repair",
        OrderPurpose::Unwind => "unwind",
        OrderPurpose::Reconciliation => "reconciliation",
    }
}

fn status_label(s: OrderStatus) -> &'static str {
    match s {
        OrderStatus::Created => "created",
        OrderStatus::Sent => "sent",
        OrderStatus::Unknown => "unknown",
        OrderStatus::Accepted => "accepted",
        OrderStatus::PartiallyFilled => "partially filled",
        OrderStatus::Filled => "filled",
        OrderStatus::Canceled => "canceled",
        OrderStatus::Expired => "expired",
        OrderStatus::Rejected => "rejected",
    }
}

//! The dashboard (`/`): equity per venue and in total, live positions with both legs in one
//! row, open orders, top opportunities, recent notifications, and the funding board. Each
//! part is its own file; positions, orders and notifications come from the streams, equity
//! and opportunities from REST refreshed every few seconds.

mod equity;
mod notifications;
mod opportunities;
mod orders;
mod positions;

use crate::pages::board::BoardPage;
use leptos::prelude::*;

#[component]
pub fn Dashboard() -> impl IntoView {
    view! {
        <div class="dashboard">
            <h1 class="visually-hidden">"Dashboard"</h1>
            <div class="dash-top">
                <equity::Equity/>
                <notifications::Notifications/>
            </div>
            <positions::Positions/>
            <orders::OpenOrders/>
            <opportunities::Opportunities/>
            <BoardPage/>
        </div>
    }
}

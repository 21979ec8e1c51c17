//! Equity per venue and in total (`table#equity`, a row per venue and `tr[data-venue=total]`),
//! from the balances the engine polls, with the change since the day's snapshot (`/equity`).

use crate::api;
use crate::components::money::UsdCell;
use crate::format;
use crate::poll;
use app::Venue;
use app::equity::{EquityDay, EquityQuery, day_start};
use app::order::Balance;
use leptos::prelude::*;
use rust_decimal::Decimal;
use std::time::Duration;

const REFRESH: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq)]
struct Row {
    key: String,
    label: String,
    equity: Decimal,
    wallet: Decimal,
    available: Decimal,
    margin_used: Decimal,
    /// Equity now minus the day's snapshot, when there is one.
    today: Option<Decimal>,
}

fn rows(balances: &[Balance], day: Option<&EquityDay>) -> Vec<Row> {
    let snapshot = |v: Venue| day.and_then(|d| d.venues.iter().find(|e| e.venue == v)).map(|e| e.equity.0);
    let mut rows: Vec<Row> = balances
        .iter()
        .map(|b| Row {
            key: b.venue.to_string(),
            label: b.venue.label().to_owned(),
            equity: b.equity.0,
            wallet: b.wallet.0,
            available: b.available.0,
            margin_used: b.margin_used.0,
            today: snapshot(b.venue).map(|s| b.equity.0 - s),
        })
        .collect();
    let sum = |f: fn(&Row) -> Decimal| rows.iter().map(f).sum::<Decimal>();
    let today = rows.iter().map(|r| r.today).sum::<Option<Decimal>>();
    let total = Row {
        key: "total".into(),
        label: "Total".into(),
        equity: sum(|r| r.equity),
        wallet: sum(|r| r.wallet),
        available: sum(|r| r.available),
        margin_used: sum(|r| r.margin_used),
        today,
    };
    rows.push(total);
    rows
}

#[component]
pub fn Equity() -> impl IntoView {
    let balances = LocalResource::new(api::balances);
    let today = LocalResource::new(|| async {
        // The venues' day, from their clock as the status reports it.
        let now = api::status().await?.now_ms;
        let days = api::equity(&EquityQuery { from: Some(day_start(now)), to: Some(now) }).await?;
        Ok::<_, api::ApiError>(days.into_iter().last())
    });
    poll::every(REFRESH, move || balances.refetch());
    poll::every(REFRESH * 12, move || today.refetch());

    let body = move || match balances.get() {
        None => view! { <p class="muted">"Loading balances…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error">"Balances unavailable: " {e.to_string()}</p> }.into_any(),
        Some(Ok(b)) if b.is_empty() => view! { <p class="muted">"No balance reported yet."</p> }.into_any(),
        Some(Ok(b)) => {
            let day = today.get().and_then(Result::ok).flatten();
            let total = b.iter().map(|x| x.equity.0).sum::<Decimal>();
            view! {
                <p class="equity-total">
                    <span class="muted">"Total equity "</span>
                    <b id="equity-total" class="num">{format::usd_plain(total)} " USD"</b>
                </p>
                <div class="table-wrap">
                    <table id="equity" class="data-table">
                        <thead>
                            <tr>
                                <th scope="col">"Venue"</th>
                                <th scope="col" class="num">"Equity"</th>
                                <th scope="col" class="num">"Wallet"</th>
                                <th scope="col" class="num">"Available"</th>
                                <th scope="col" class="num">"Margin used"</th>
                                <th scope="col" class="num" title="Equity now minus the day's snapshot (UTC)">"Today"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {rows(&b, day.as_ref()).into_iter().map(row_view).collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any()
        }
    };
    view! {
        <section class="panel equity" aria-labelledby="equity-title">
            <h2 id="equity-title">"Equity"</h2>
            {body}
        </section>
    }
}

fn row_view(r: Row) -> impl IntoView {
    let class = if r.key == "total" { "total" } else { "" };
    view! {
        <tr data-venue=r.key.clone() class=class>
            <th scope="row" data-col="venue">{r.label}</th>
            <td data-col="equity" class="num">{format::usd_plain(r.equity)}</td>
            <td data-col="wallet" class="num">{format::usd_plain(r.wallet)}</td>
            <td data-col="available" class="num">{format::usd_plain(r.available)}</td>
            <td data-col="margin-used" class="num">{format::usd_plain(r.margin_used)}</td>
            {match r.today {
                Some(d) => view! { <UsdCell col="today" value=d/> }.into_any(),
                None => view! { <td data-col="today" class="num muted">"—"</td> }.into_any(),
            }}
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::Usd;
    use app::equity::VenueEquity;
    use rust_decimal_macros::dec;

    fn balance(venue: Venue, equity: Decimal) -> Balance {
        Balance {
            venue,
            equity: Usd(equity),
            wallet: Usd(equity),
            available: Usd(equity / Decimal::TWO),
            margin_used: Usd(equity / Decimal::TWO),
            time_ms: 0,
        }
    }

    #[test]
    fn a_total_row_and_the_change_since_the_snapshot() {
        let b = [balance(Venue::Binance, dec!(100)), balance(Venue::Lighter, dec!(50))];
        let snap = |venue, e| VenueEquity { venue, equity: Usd(e), wallet: Usd(e), unrealised: Usd::ZERO, taken_ms: 0 };
        let day = EquityDay {
            day_ms: 0,
            date: "1970-01-01".into(),
            total: Usd(dec!(160)),
            venues: vec![snap(Venue::Binance, dec!(90)), snap(Venue::Lighter, dec!(70))],
        };
        let r = rows(&b, Some(&day));
        assert_eq!(r.len(), 3);
        assert_eq!((r[0].today, r[1].today), (Some(dec!(10)), Some(dec!(-20))));
        assert_eq!((r[2].equity, r[2].today), (dec!(150), Some(dec!(-10))));
        // Without a snapshot for a venue the total's change is unknown, not wrong.
        let r = rows(&b, None);
        assert_eq!(r[2].today, None);
    }
}

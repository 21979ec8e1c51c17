//! One row per venue (`table#venues tr[data-venue]`): mode, connection, REST round trip of
//! the last probe, age of the latest market data, symbols listed, and the last probe error.

use crate::status::ServerStatus;
use app::api::VenueStatus;
use leptos::prelude::*;

/// A REST round trip above this is shown as slow.
const SLOW_MS: u64 = 500;

#[component]
pub fn VenueTable() -> impl IntoView {
    let status = expect_context::<ServerStatus>();
    let rows = move || match status.latest() {
        None => view! { <tr class="empty"><td colspan="7">"Waiting for the server's status…"</td></tr> }.into_any(),
        Some(s) => s.venues.into_iter().map(|v| view! { <VenueRow v/> }).collect_view().into_any(),
    };
    view! {
        <div class="table-wrap">
            <table id="venues" class="data-table">
                <thead>
                    <tr>
                        <th scope="col">"Venue"</th>
                        <th scope="col" class="hide-narrow">"Mode"</th>
                        <th scope="col">"Connection"</th>
                        <th scope="col" class="num" title="Round trip of a cheap REST call, probed every 10 s">"Latency"</th>
                        <th scope="col" class="num" title="Age of the latest market update, on the venue's clock">"Data age"</th>
                        <th scope="col" class="num hide-narrow">"Symbols"</th>
                        <th scope="col" class="hide-narrow">"Last error"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <p class="legend muted">
            "Connected: market data arrives and is fresh. Latency: the REST path orders take. "
            "A simulated venue answers at once. Data age runs on the venue's clock, which a "
            "simulator may compress."
        </p>
    }
}

#[component]
fn VenueRow(v: VenueStatus) -> impl IntoView {
    let venue = v.venue;
    let (conn_class, conn_text) = if v.connected { ("verdict yes", "connected") } else { ("verdict no", "down") };
    let latency = match v.latency_ms {
        Some(ms) => view! { <span class:slow=(ms > SLOW_MS)>{format!("{ms} ms")}</span> }.into_any(),
        None if v.last_error.is_some() => view! { <span class="verdict no">"no answer"</span> }.into_any(),
        None => view! { <span class="muted">"probing…"</span> }.into_any(),
    };
    let age = v.data_age_ms.map(age_text).unwrap_or_else(|| "no data yet".into());
    let error_line = v.last_error.clone().map(|e| view! { <div class="error small show-narrow">{e}</div> });
    let probed = v.probed_ms.map(|ms| format!("probed {} UTC", crate::format::utc_time(ms))).unwrap_or_default();
    view! {
        <tr data-venue=venue.as_str() data-connected=v.connected.to_string()>
            <th scope="row" data-col="venue">
                <span class=format!("venue-name venue-{venue}")>{venue.label()}</span>
            </th>
            <td data-col="mode" class="hide-narrow">{v.mode.as_str().to_uppercase()}</td>
            <td data-col="connected">
                <span class=conn_class>{conn_text}</span>
                // On a phone the error column is hidden: the error goes under the connection.
                {error_line}
            </td>
            <td data-col="latency" class="num" title=probed data-ms=v.latency_ms.map(|m| m.to_string())>
                {latency}
            </td>
            <td data-col="data-age" class="num" data-ms=v.data_age_ms.map(|m| m.to_string())>{age}</td>
            <td data-col="symbols" class="num hide-narrow">{v.symbols}</td>
            <td data-col="error" class="error wrap hide-narrow">{v.last_error.unwrap_or_default()}</td>
        </tr>
    }
}

/// "850 ms", "12.4 s", "3 min".
fn age_text(ms: i64) -> String {
    match ms {
        ..1_000 => format!("{} ms", ms.max(0)),
        1_000..60_000 => format!("{:.1} s", ms as f64 / 1000.0),
        _ => format!("{} min", ms / 60_000),
    }
}

//! The History filters: symbol, strategy, venue, status, and a window of UTC days. Checked in the
//! browser first (a message beside each bad field, nothing sent); the server's 400s land
//! beside their field too.

use crate::api::ApiError;
use app::equity::{MS_PER_DAY, date};
use app::history::{HistoryList, ListQuery, PnlQuery};
use app::trading::PositionId;
use app::{StrategyId, Symbol, TimestampMs, Venue};
use leptos::prelude::*;

/// What the lists are filtered by, once checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Criteria {
    pub symbol: Option<Symbol>,
    pub strategy: Option<StrategyId>,
    pub venue: Option<Venue>,
    pub status: Option<String>,
    pub position_id: Option<PositionId>,
    /// 00:00 UTC of the first day.
    pub from: Option<TimestampMs>,
    /// The last millisecond of the last day.
    pub to: Option<TimestampMs>,
}

impl Criteria {
    /// The query of one page of `list`: filters that do not apply to it are left out.
    pub fn list_query(&self, list: HistoryList, cursor: Option<String>, limit: u32) -> ListQuery {
        ListQuery {
            symbol: self.symbol.clone(),
            venue: self.venue.filter(|_| list.has_venue()),
            position_id: self.position_id,
            strategy: self.strategy.clone(),
            status: self.status.clone().filter(|_| list.has_status()),
            from: self.from,
            to: self.to,
            limit: Some(limit),
            cursor,
            format: None,
        }
    }

    pub fn pnl_query(&self) -> PnlQuery {
        PnlQuery { symbol: self.symbol.clone(), strategy: self.strategy.clone(), from: self.from, to: self.to }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// 00:00 UTC of a "YYYY-MM-DD" date (what `<input type=date>` gives), if it is one.
pub fn day_ms(s: &str) -> Option<TimestampMs> {
    let mut parts = s.trim().splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let ms = days_from_civil(y, m, d) * MS_PER_DAY;
    // 2026-02-31 is not a day: it would come back as March 3.
    (date(ms) == format!("{y:04}-{m:02}-{d:02}")).then_some(ms)
}

/// The text of the inputs, before checking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    pub symbol: String,
    pub strategy: String,
    pub venue: String,
    pub status: String,
    pub from: String,
    pub to: String,
}

impl Draft {
    /// The criteria, or every bad field with its message.
    pub fn check(&self) -> Result<Criteria, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let symbol = self.symbol.trim().to_ascii_uppercase();
        let symbol = match symbol.as_str() {
            "" => None,
            s => Symbol::new(s).map_err(|_| errors.push(("symbol", "letters and digits only, e.g. ETH".into()))).ok(),
        };
        let strategy = match self.strategy.trim() {
            "" => None,
            s => StrategyId::new(s)
                .map_err(|_| errors.push(("strategy", "a strategy's name: auto, manual, or e.g. carry-1".into())))
                .ok(),
        };
        let mut day = |field: &'static str, text: &str| match text.trim() {
            "" => None,
            t => day_ms(t).or_else(|| {
                errors.push((field, "a date as YYYY-MM-DD".into()));
                None
            }),
        };
        let from = day("from", &self.from);
        let to = day("to", &self.to).map(|d| d + MS_PER_DAY - 1);
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            errors.push(("from", "must not be after the last day".into()));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Criteria {
            symbol,
            strategy,
            venue: self.venue.parse().ok(),
            status: Some(self.status.clone()).filter(|s| !s.is_empty()),
            position_id: None,
            from,
            to,
        })
    }
}

const POSITION_STATUSES: [&str; 2] = ["closed", "failed"];
const ORDER_STATUSES: [&str; 9] =
    ["filled", "partially_filled", "canceled", "expired", "rejected", "accepted", "sent", "unknown", "created"];

/// One labelled input and its message (`#history-<field>`, `#history-<field>-error`).
fn field(name: &'static str, label: &'static str, message: Signal<Option<String>>, input: AnyView) -> impl IntoView {
    view! {
        <label class="field" data-field=name class:invalid=move || message.with(Option::is_some)>
            <span class="field-label">{label}</span>
            {input}
            <span class="field-error" id=format!("history-{name}-error") role="alert"
                hidden=move || message.with(Option::is_none)>{move || message.get()}</span>
        </label>
    }
}

#[component]
pub fn Filters(
    tab: Signal<HistoryList>,
    /// The criteria in force (the position picked in a table is not an input).
    criteria: Signal<Criteria>,
    /// Called with the checked criteria; never with bad input.
    apply: Callback<Criteria>,
    #[prop(into)] server_error: Signal<Option<ApiError>>,
) -> impl IntoView {
    let draft = RwSignal::new(Draft::default());
    let errors = RwSignal::new(Vec::<(&'static str, String)>::new());
    let message = move |name: &'static str| {
        Signal::derive(move || {
            errors
                .with(|e| e.iter().find(|(f, _)| *f == name).map(|(_, m)| m.clone()))
                .or_else(|| server_error.with(|e| e.as_ref().and_then(|e| e.field_message(name))))
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match draft.with(Draft::check) {
            Ok(c) => {
                errors.set(Vec::new());
                apply.run(Criteria { position_id: criteria.with_untracked(|c| c.position_id), ..c });
            }
            Err(e) => errors.set(e),
        }
    };
    let reset = move |_| {
        draft.set(Draft::default());
        errors.set(Vec::new());
        apply.run(Criteria::default());
    };
    let text_input =
        |name: &'static str, kind: &'static str, get: fn(&Draft) -> String, set: fn(&mut Draft, String)| {
            view! {
                <input id=format!("history-{name}") name=name type=kind
                    prop:value=move || draft.with(get)
                    on:input=move |ev| draft.update(|d| set(d, event_target_value(&ev)))/>
            }
            .into_any()
        };
    let symbol = view! {
        <input id="history-symbol" name="symbol" type="search" placeholder="All" autocapitalize="characters"
            prop:value=move || draft.with(|d| d.symbol.clone())
            on:input=move |ev| draft.update(|d| d.symbol = event_target_value(&ev))/>
    }
    .into_any();
    let strategy = view! {
        <input id="history-strategy" name="strategy" type="search" placeholder="All" list="history-strategies"
            prop:value=move || draft.with(|d| d.strategy.clone())
            on:input=move |ev| draft.update(|d| d.strategy = event_target_value(&ev))/>
        <datalist id="history-strategies">
            <option value="auto"></option>
            <option value="manual"></option>
        </datalist>
    }
    .into_any();
    let venue = view! {
        <select id="history-venue" name="venue" prop:disabled=move || !tab.get().has_venue()
            prop:value=move || draft.with(|d| d.venue.clone())
            on:change=move |ev| draft.update(|d| d.venue = event_target_value(&ev))>
            <option value="">"Both"</option>
            <option value="binance">"Binance"</option>
            <option value="lighter">"Lighter"</option>
        </select>
    }
    .into_any();
    let status_options = move || {
        let list: &[&str] = match tab.get() {
            HistoryList::Positions => &POSITION_STATUSES,
            HistoryList::Orders => &ORDER_STATUSES,
            _ => &[],
        };
        list.iter().map(|s| view! { <option value=*s>{s.replace('_', " ")}</option> }).collect_view()
    };
    let status = view! {
        <select id="history-status" name="status" prop:disabled=move || !tab.get().has_status()
            prop:value=move || draft.with(|d| d.status.clone())
            on:change=move |ev| draft.update(|d| d.status = event_target_value(&ev))>
            <option value="">"Any"</option>
            {status_options}
        </select>
    }
    .into_any();
    // A status belongs to one list: the page drops it from the criteria on a switch.
    Effect::new(move |prev: Option<HistoryList>| {
        let now = tab.get();
        if prev.is_some_and(|p| p != now) {
            draft.update(|d| d.status.clear());
        }
        now
    });
    view! {
        <form id="history-filters" class="filters" on:submit=submit novalidate>
            {field("symbol", "Symbol", message("symbol"), symbol)}
            {field("strategy", "Strategy", message("strategy"), strategy)}
            {field("venue", "Venue", message("venue"), venue)}
            {field("status", "Status", message("status"), status)}
            {field("from", "From (UTC day)", message("from"), text_input("from", "date", |d| d.from.clone(), |d, v| d.from = v))}
            {field("to", "To (UTC day)", message("to"), text_input("to", "date", |d| d.to.clone(), |d, v| d.to = v))}
            {move || criteria.with(|c| c.position_id).map(|id| view! {
                <div class="field" data-field="position_id">
                    <span class="field-label">"Position"</span>
                    <button id="history-position" type="button" class="btn chip" title="Show every position"
                        on:click=move |_| apply.run(Criteria { position_id: None, ..criteria.get_untracked() })>
                        {format!("#{id} ×")}
                    </button>
                </div>
            })}
            <div class="filter-actions">
                <button id="history-apply" type="submit" class="btn primary">"Apply"</button>
                <button id="history-reset" type="button" class="btn" on:click=reset>"Reset"</button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_days() {
        assert_eq!(day_ms("2026-03-01"), Some(1_772_323_200_000));
        assert_eq!(day_ms("1970-01-01"), Some(0));
        for bad in ["2026-02-31", "2026-13-01", "26-3-1x", "", "yesterday"] {
            assert_eq!(day_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_draft_is_checked_whole() {
        let d =
            Draft { symbol: " eth ".into(), from: "2026-03-02".into(), to: "2026-03-02".into(), ..Default::default() };
        let c = d.check().unwrap();
        assert_eq!(c.symbol.as_ref().map(Symbol::as_str), Some("ETH"));
        assert_eq!((c.from, c.to), (Some(1_772_409_600_000), Some(1_772_409_600_000 + MS_PER_DAY - 1)));
        let bad = Draft {
            symbol: "ETH-USD".into(),
            from: "2026-03-03".into(),
            to: "2026-03-02".into(),
            ..Default::default()
        };
        let fields: Vec<&str> = bad.check().unwrap_err().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["symbol", "from"]);
        let c = Draft { strategy: "carry-1".into(), ..Default::default() }.check().unwrap();
        assert_eq!(c.list_query(HistoryList::Fills, None, 5).to_query_string(), "strategy=carry-1&limit=5");
        assert_eq!(Draft { strategy: "Carry 1".into(), ..Default::default() }.check().unwrap_err()[0].0, "strategy");
    }

    #[test]
    fn filters_that_do_not_apply_are_left_out() {
        let c = Criteria { venue: Some(Venue::Lighter), status: Some("filled".into()), ..Default::default() };
        let q = c.list_query(HistoryList::Positions, None, 25);
        assert_eq!((q.venue, q.status.as_deref(), q.limit), (None, Some("filled"), Some(25)));
        let q = c.list_query(HistoryList::Fills, None, 25);
        assert_eq!((q.venue, q.status), (Some(Venue::Lighter), None));
        let q = c.list_query(HistoryList::Orders, Some("5:x".into()), 25);
        assert_eq!(q.to_query_string(), "venue=lighter&status=filled&limit=25&cursor=5%3Ax");
    }
}

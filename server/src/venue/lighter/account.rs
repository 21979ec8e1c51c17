//! Account reads over REST — positions, balance, orders, fills, funding payments — and the
//! re-query after a reconnect that republishes whatever changed while the socket was down.
//! Every report found here also goes through `Live`, so subscribers see each change once.

use app::order::{Balance, Fill, FundingPayment, OrderReport, VenuePosition};
use app::{ClientOrderId, Symbol, TimestampMs};

use super::encode;
use super::parse::{self, LighterMarket, account as pa};
use super::shared::{Shared, parse_error, read_error};
use super::wire;
use crate::venue::{VenueError, VenueEvent};

/// Pages of inactive orders / trades / funding rows read before giving up on older history.
const MAX_PAGES: usize = 5;

pub async fn detailed_account(shared: &Shared) -> Result<wire::DetailedAccount, VenueError> {
    let account = shared.account()?;
    let resp = shared.rest.account(account).await.map_err(read_error)?;
    resp.accounts
        .into_iter()
        .find(|a| a.account_index == account)
        .ok_or_else(|| super::shared::fatal(format!("Lighter has no account {account}")))
}

pub fn position_of(shared: &Shared, p: &wire::Position) -> Result<Option<VenuePosition>, VenueError> {
    let id = parse::market_id(p.market_id).map_err(parse_error)?;
    let Some(symbol) = shared.symbol_of(id) else { return Ok(None) };
    let mark = shared.live().stats.get(&id).map(|s| s.mark);
    pa::position(p, &symbol, mark).map(Some).map_err(parse_error)
}

/// Non-zero positions only.
pub async fn positions(shared: &Shared) -> Result<Vec<VenuePosition>, VenueError> {
    ensure_directory(shared).await?;
    let acct = detailed_account(shared).await?;
    let mut out = Vec::new();
    for p in &acct.positions {
        if let Some(pos) = position_of(shared, p)?.filter(|v| !v.qty.is_zero()) {
            out.push(pos);
        }
    }
    Ok(out)
}

pub async fn balance(shared: &Shared) -> Result<Balance, VenueError> {
    let acct = detailed_account(shared).await?;
    pa::balance(&acct, shared.clock().now_ms()).map_err(parse_error)
}

async fn ensure_directory(shared: &Shared) -> Result<(), VenueError> {
    if shared.directory().is_empty() {
        shared.refresh_markets().await?;
    }
    Ok(())
}

/// A wire order as our report (our id if we placed it), recorded and published if new.
pub fn record_order(shared: &Shared, o: &wire::Order) -> Result<Option<OrderReport>, VenueError> {
    let id = parse::market_id(o.market_index).map_err(parse_error)?;
    let Some(symbol) = shared.symbol_of(id) else { return Ok(None) };
    let client_id = shared.live().client_id(o.client_order_index);
    let Some(client_id) = client_id else { return Ok(None) };
    let report = pa::order_report(o, client_id, &symbol).map_err(parse_error)?;
    let changed = shared.live().order_update(o.client_order_index, report.clone());
    if let Some(r) = changed {
        shared.publish(VenueEvent::Order(r));
        shared.changed();
    }
    Ok(Some(report))
}

/// Active orders first, then recent inactive ones, by client order index.
pub async fn find_order(shared: &Shared, market: &LighterMarket, coi: i64) -> Result<Option<wire::Order>, VenueError> {
    let account = shared.account()?;
    let active =
        shared.with_auth(|t| async move { shared.rest.active_orders(account, market.market_id, &t).await }).await?;
    if let Some(o) = active.orders.into_iter().find(|o| o.client_order_index == coi) {
        return Ok(Some(o));
    }
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let c = cursor.clone();
        let page = shared
            .with_auth(|t| {
                let c = c.clone();
                async move { shared.rest.inactive_orders(account, Some(market.market_id), c.as_deref(), &t).await }
            })
            .await?;
        if let Some(o) = page.orders.iter().find(|o| o.client_order_index == coi) {
            return Ok(Some(o.clone()));
        }
        match page.next_cursor.filter(|c| !c.is_empty() && !page.orders.is_empty()) {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok(None)
}

pub async fn query_order(
    shared: &Shared,
    symbol: &Symbol,
    id: &ClientOrderId,
) -> Result<Option<OrderReport>, VenueError> {
    let market = shared.market(symbol).await?;
    let coi = encode::client_order_index(id);
    match find_order(shared, &market, coi).await? {
        Some(o) => {
            let report = record_order(shared, &o)?;
            // Report under the id the caller asked with, even if another process placed it.
            Ok(report.map(|r| OrderReport { client_order_id: id.clone(), ..r }))
        }
        None => Ok(None),
    }
}

pub async fn open_orders(shared: &Shared) -> Result<Vec<OrderReport>, VenueError> {
    ensure_directory(shared).await?;
    let account = shared.account()?;
    let acct = detailed_account(shared).await?;
    let mut markets: Vec<i16> = acct
        .positions
        .iter()
        .filter(|p| p.open_order_count > 0)
        .filter_map(|p| parse::market_id(p.market_id).ok())
        .collect();
    let dir = shared.directory();
    let open = shared.live().open_order_indexes();
    for (_, symbol) in open {
        markets.extend(dir.market(&symbol).map(|m| m.market_id));
    }
    markets.sort_unstable();
    markets.dedup();
    let mut out = Vec::new();
    for m in markets {
        let resp = shared.with_auth(|t| async move { shared.rest.active_orders(account, m, &t).await }).await?;
        for o in &resp.orders {
            out.extend(record_order(shared, o)?.filter(|r| !r.status.is_final()));
        }
    }
    Ok(out)
}

/// Our fills at or after `since_ms`, oldest first; each new one is also published.
pub async fn fills(shared: &Shared, since_ms: TimestampMs) -> Result<Vec<Fill>, VenueError> {
    ensure_directory(shared).await?;
    let account = shared.account()?;
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let c = cursor.clone();
        let page = shared
            .with_auth(|t| {
                let c = c.clone();
                async move { shared.rest.trades(account, c.as_deref(), &t).await }
            })
            .await?;
        let oldest = page.trades.iter().map(|t| t.timestamp).min();
        for t in page.trades.iter().filter(|t| t.timestamp >= since_ms) {
            out.extend(fill_of(shared, t, account)?);
        }
        match (page.next_cursor.filter(|c| !c.is_empty()), oldest) {
            (Some(next), Some(o)) if o >= since_ms => cursor = Some(next),
            _ => break,
        }
    }
    out.sort_by(|a, b| (a.time_ms, &a.trade_id).cmp(&(b.time_ms, &b.trade_id)));
    Ok(out)
}

pub fn fill_of(shared: &Shared, t: &wire::Trade, account: i64) -> Result<Option<Fill>, VenueError> {
    let Some(ours) = pa::our_side(t, account) else { return Ok(None) };
    let id = parse::market_id(t.market_id).map_err(parse_error)?;
    let Some(symbol) = shared.symbol_of(id) else { return Ok(None) };
    let Some(client_id) = shared.live().client_id(ours.client_order_index) else { return Ok(None) };
    let fill = pa::fill(t, &ours, client_id, &symbol).map_err(parse_error)?;
    if let Some(f) = shared.live().fill_update(fill.clone()) {
        shared.publish(VenueEvent::Fill(f));
    }
    Ok(Some(fill))
}

/// Settled funding at or after `since_ms`, oldest first; `amount` > 0 means received.
pub async fn funding_payments(shared: &Shared, since_ms: TimestampMs) -> Result<Vec<FundingPayment>, VenueError> {
    ensure_directory(shared).await?;
    let account = shared.account()?;
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let c = cursor.clone();
        let page = shared
            .with_auth(|t| {
                let c = c.clone();
                async move { shared.rest.position_funding(account, c.as_deref(), &t).await }
            })
            .await?;
        let oldest = page.position_fundings.iter().map(|f| f.timestamp * 1000).min();
        for f in page.position_fundings.iter().filter(|f| f.timestamp * 1000 >= since_ms) {
            out.extend(payment_of(shared, f.market_id, &pa::FundingFields::from(f))?);
        }
        match (page.next_cursor.filter(|c| !c.is_empty()), oldest) {
            (Some(next), Some(o)) if o >= since_ms => cursor = Some(next),
            _ => break,
        }
    }
    out.sort_by(|a, b| (a.time_ms, &a.payment_id).cmp(&(b.time_ms, &b.payment_id)));
    Ok(out)
}

pub fn payment_of(
    shared: &Shared,
    market: i64,
    f: &pa::FundingFields<'_>,
) -> Result<Option<FundingPayment>, VenueError> {
    let id = parse::market_id(market).map_err(parse_error)?;
    let Some(symbol) = shared.symbol_of(id) else { return Ok(None) };
    let p = pa::funding_payment(f, &symbol).map_err(parse_error)?;
    if let Some(new) = shared.live().funding_update(p.clone()) {
        shared.publish(VenueEvent::FundingPaid(new));
    }
    Ok(Some(p))
}

/// After a reconnect: positions, every order we last saw open, and recent fills and funding,
/// so that nothing that happened while the socket was down is lost. Best effort: a failure
/// is logged and the next reconnect (or the caller's own queries) catches up.
pub async fn reconcile(shared: &Shared, since_ms: TimestampMs) {
    if shared.trading.is_none() {
        return;
    }
    let result: Result<(), VenueError> = async {
        for p in positions(shared).await? {
            shared.publish(VenueEvent::Position(p));
        }
        let dir = shared.directory();
        let open = shared.live().open_order_indexes();
        for (coi, symbol) in open {
            if let Some(m) = dir.market(&symbol)
                && let Some(o) = find_order(shared, m, coi).await?
            {
                record_order(shared, &o)?;
            }
        }
        fills(shared, since_ms).await?;
        funding_payments(shared, since_ms).await?;
        Ok(())
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "Lighter re-query after reconnect failed");
    }
}

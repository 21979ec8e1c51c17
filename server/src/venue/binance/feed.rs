//! Socket items into [`VenueEvent`]s: marks and funding (with the symbol's interval), books,
//! order reports and fills (each trade published once), positions, funding payments (read
//! from income when an ACCOUNT_UPDATE says FUNDING_FEE), and connection state. A reconnect
//! triggers a REST resync so nothing sent while we were away is lost.

use super::user_stream::UserItem;
use super::wire::{AccountUpdate, MarketEvent, MarketPayload, OrderTradeUpdate, UserEvent};
use super::ws::{MarketItem, Route};
use super::{Shared, parse};
use crate::venue::VenueEvent;
use app::{Usd, Venue};
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const META_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Connected only when every socket of the connector is up; publish on change.
fn socket_state(shared: &Shared, socket: &'static str, up: bool, expected: usize) {
    let changed = {
        let mut cache = shared.cache();
        if up {
            cache.sockets_up.insert(socket);
        } else {
            cache.sockets_up.remove(socket);
        }
        let all = cache.sockets_up.len() >= expected;
        let changed = all != cache.all_up;
        cache.all_up = all;
        changed.then_some(all)
    };
    if let Some(connected) = changed {
        shared.publish(VenueEvent::Connection { venue: Venue::Binance, connected, time_ms: shared.now_ms() });
    }
}

fn expected_sockets(shared: &Shared) -> usize {
    let market = if shared.tuning.streams == super::StreamSelection::None { 0 } else { 2 };
    market + usize::from(shared.rest.has_credentials())
}

pub(super) async fn consume_market(shared: Arc<Shared>, mut rx: mpsc::Receiver<MarketItem>, cancel: CancellationToken) {
    let expected = expected_sockets(&shared);
    let mut connected_before = false;
    if let Err(e) = shared.ensure_meta().await {
        tracing::warn!(error = %e, "binance metadata not loaded yet; funding events wait for it");
    }
    // Intervals can change (Binance moves symbols between 8 h and 4 h): reload metadata when
    // stale. `ensure_meta` is free while fresh, so ticking often also retries a failed load.
    let mut meta_tick = tokio::time::interval(META_CHECK_EVERY.min(shared.tuning.metadata_ttl));
    meta_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        let item = tokio::select! {
            _ = cancel.cancelled() => return,
            _ = meta_tick.tick() => {
                let shared = shared.clone();
                tokio::spawn(async move {
                    if let Err(e) = shared.ensure_meta().await {
                        tracing::warn!(error = %e, "binance metadata refresh failed");
                    }
                });
                continue;
            }
            item = rx.recv() => match item { Some(i) => i, None => return },
        };
        match item {
            MarketItem::Connected(route) => {
                socket_state(&shared, route.path(), true, expected);
                if route == Route::Market {
                    // Marks and rates published while we were away are stale: take a snapshot.
                    if connected_before {
                        let shared = shared.clone();
                        tokio::spawn(async move { refresh_funding(&shared).await });
                    }
                    connected_before = true;
                }
            }
            MarketItem::Disconnected(route, _) => socket_state(&shared, route.path(), false, expected),
            MarketItem::Data(MarketPayload::One(e)) => on_market(&shared, e),
            MarketItem::Data(MarketPayload::Many(events)) => events.into_iter().for_each(|e| on_market(&shared, e)),
        }
    }
}

fn on_market(shared: &Shared, event: MarketEvent) {
    match event {
        MarketEvent::MarkPrice(u) => {
            let Ok(symbol) = parse::symbol_of(&u.symbol) else { return };
            let (interval, last, known) = {
                let c = shared.cache();
                (c.interval(&symbol), c.last_settled(&symbol), c.meta_loaded_ms.is_some())
            };
            match parse::mark_update(&u, interval, last) {
                Ok((mark, funding)) => {
                    shared.cache().marks.insert(symbol, mark.mark);
                    shared.publish(VenueEvent::Mark(mark));
                    // Until fundingInfo is read the interval is a guess; a rate with a guessed
                    // interval is the 8x bug, so it is not published.
                    if let (Some(f), true) = (funding, known) {
                        shared.publish(VenueEvent::Funding(f));
                    }
                }
                Err(e) => tracing::warn!(error = %e, "skipping binance mark update"),
            }
        }
        MarketEvent::BookTicker(u) => match parse::book_update(&u) {
            Ok(book) => shared.publish(VenueEvent::Book(book)),
            Err(e) => tracing::debug!(error = %e, "skipping binance book update"),
        },
        MarketEvent::Other => {}
    }
}

async fn refresh_funding(shared: &Shared) {
    match shared.funding_board().await {
        Ok(list) => list.into_iter().for_each(|f| shared.publish(VenueEvent::Funding(f))),
        Err(e) => tracing::warn!(error = %e, "binance funding refresh after reconnect failed"),
    }
}

pub(super) async fn consume_user(shared: Arc<Shared>, mut rx: mpsc::Receiver<UserItem>, cancel: CancellationToken) {
    let expected = expected_sockets(&shared);
    loop {
        let item = tokio::select! {
            _ = cancel.cancelled() => return,
            item = rx.recv() => match item { Some(i) => i, None => return },
        };
        match item {
            // "Connected" is reported only after the resync, so a consumer that sees it knows
            // the state missed while away has already been published.
            UserItem::Connected => {
                if let Err(e) = shared.resync_account().await {
                    tracing::warn!(error = %e, "binance account resync after connect failed");
                }
                socket_state(&shared, "/private", true, expected);
            }
            UserItem::Disconnected(reason) => {
                tracing::info!(%reason, "binance user stream down");
                let now = shared.now_ms();
                shared.cache().user_down_since.get_or_insert(now);
                socket_state(&shared, "/private", false, expected);
            }
            UserItem::Event(UserEvent::OrderTradeUpdate(u)) => on_order(&shared, &u),
            UserItem::Event(UserEvent::AccountUpdate(u)) => on_account(&shared, &u).await,
            UserItem::Event(UserEvent::ListenKeyExpired {} | UserEvent::Other) => {}
        }
    }
}

fn on_order(shared: &Shared, u: &OrderTradeUpdate) {
    let o = &u.order;
    let Ok(id) = parse::client_order_id(&o.client_order_id) else {
        tracing::warn!(id = %o.client_order_id, "binance order update with an id we cannot use");
        return;
    };
    let is_new_trade =
        o.execution_type == "TRADE" && shared.cache().trades_seen.insert((o.symbol.clone(), o.trade_id.to_string()));
    let fill_fee = if is_new_trade {
        let amount = o.commission.unwrap_or_default();
        let asset = o.commission_asset.as_deref().unwrap_or("");
        let cache = shared.cache();
        let price = |a: &str| parse::symbol_of(&format!("{a}USDT")).ok().and_then(|s| cache.marks.get(&s).map(|p| p.0));
        Usd(parse::fee_in_usd(amount, asset, price).unwrap_or_else(|| {
            tracing::warn!(%asset, "no price for a binance commission asset; fill fee reported as zero");
            rust_decimal::Decimal::ZERO
        }))
    } else {
        Usd::ZERO
    };
    let cum_fee =
        if is_new_trade { shared.cache().add_order_fee(&id, fill_fee) } else { shared.cache().order_fee(&id) };
    match parse::order_update(o, u.event_time, cum_fee, fill_fee) {
        Ok((report, fill)) => {
            shared.cache().remember_order(o.order_id, &id, &report.symbol);
            shared.publish(VenueEvent::Order(report));
            if let (Some(f), true) = (fill, is_new_trade) {
                shared.publish(VenueEvent::Fill(f));
            }
        }
        Err(e) => tracing::warn!(error = %e, "skipping binance order update"),
    }
}

async fn on_account(shared: &Shared, u: &AccountUpdate) {
    for p in &u.data.positions {
        if p.position_side != "BOTH" && !p.position_side.is_empty() {
            continue; // hedge-mode rows: the connector trades one-way mode only
        }
        let Ok(symbol) = parse::symbol_of(&p.symbol) else { continue };
        let (mark, mut leverage) = {
            let c = shared.cache();
            (c.marks.get(&symbol).copied(), c.leverage.get(&symbol).copied())
        };
        if leverage.is_none() {
            // A position we have not seen before: its leverage (and so its margin) is only on
            // positionRisk. One read per symbol; cached afterwards.
            leverage = position_leverage(shared, &p.symbol).await;
        }
        match parse::position_update(p, mark, leverage) {
            Ok(position) => {
                let mut cache = shared.cache();
                if position.qty.is_zero() {
                    cache.open_positions.remove(&symbol);
                } else {
                    cache.open_positions.insert(symbol);
                }
                drop(cache);
                shared.publish(VenueEvent::Position(position));
            }
            Err(e) => tracing::warn!(error = %e, "skipping binance position update"),
        }
    }
    if u.data.reason == "FUNDING_FEE" {
        // The event carries only balances; the per-symbol amounts come from income.
        let since = u.event_time.saturating_sub(shared.tuning.resync_lookback.as_millis() as i64);
        if let Err(e) = shared.publish_new_funding(since).await {
            tracing::warn!(error = %e, "binance funding income read failed");
        }
    }
}

async fn position_leverage(shared: &Shared, venue_symbol: &str) -> Option<u32> {
    let rows = match shared.rest.position_risk(Some(venue_symbol)).await {
        Ok(rows) => rows,
        Err(e) => {
            tracing::warn!(error = %e, symbol = venue_symbol, "binance leverage lookup failed");
            return None;
        }
    };
    let leverage = rows.first().and_then(|r| u32::try_from(r.leverage).ok()).filter(|l| *l > 0)?;
    let symbol = parse::symbol_of(venue_symbol).ok()?;
    shared.cache().leverage.insert(symbol, leverage);
    Some(leverage)
}

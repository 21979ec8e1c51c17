//! WebSocket events: mark price (with the funding rate and next settlement), book ticker,
//! order updates (report plus fill) and position updates.

use super::super::wire::{BookTickerUpdate, MarkPriceUpdate, OrderUpdate, PositionUpdate};
use super::{ParseError, checked_div, checked_mul, nonzero, symbol_of};
use app::market::{BookLevel, FundingSnapshot, MarkPrice, TopOfBook};
use app::order::{Fill, OrderReport, VenuePosition};
use app::{FundingInterval, FundingRate, Price, Qty, Usd, Venue};
use rust_decimal::Decimal;

/// A mark update carries the funding rate `r` that will settle at `T`; `interval` is the
/// symbol's (from fundingInfo), so the rate keeps its unit.
pub fn mark_update(
    u: &MarkPriceUpdate,
    interval: FundingInterval,
    last_settled: Option<FundingRate>,
) -> Result<(MarkPrice, Option<FundingSnapshot>), ParseError> {
    let symbol = symbol_of(&u.symbol)?;
    let mark = MarkPrice {
        venue: Venue::Binance,
        symbol: symbol.clone(),
        mark: Price(u.mark_price),
        index: Price(u.index_price.unwrap_or(u.mark_price)),
        time_ms: u.event_time,
    };
    let funding = match u.funding_rate {
        Some(rate) if u.next_funding_time > 0 => Some(FundingSnapshot {
            venue: Venue::Binance,
            symbol,
            predicted: FundingRate::new(rate, interval),
            last_settled,
            next_funding_ms: u.next_funding_time,
            time_ms: u.event_time,
        }),
        _ => None,
    };
    Ok((mark, funding))
}

pub fn book_update(u: &BookTickerUpdate) -> Result<TopOfBook, ParseError> {
    Ok(TopOfBook {
        venue: Venue::Binance,
        symbol: symbol_of(&u.symbol)?,
        bid: BookLevel { price: Price(u.bid_price), qty: Qty(u.bid_qty) },
        ask: BookLevel { price: Price(u.ask_price), qty: Qty(u.ask_qty) },
        time_ms: u.event_time,
    })
}

/// An order update as a report, plus a fill when it is a trade (`x == "TRADE"`). `cum_fee` is
/// the order's fee so far *including* this trade's, summed by the caller; `fill_fee` is this
/// trade's commission in USD.
pub fn order_update(
    o: &OrderUpdate,
    event_time: i64,
    cum_fee: Usd,
    fill_fee: Usd,
) -> Result<(OrderReport, Option<Fill>), ParseError> {
    let client_order_id = super::client_order_id(&o.client_order_id)?;
    let symbol = symbol_of(&o.symbol)?;
    let side = super::side(&o.side)?;
    let report = OrderReport {
        venue: Venue::Binance,
        client_order_id: client_order_id.clone(),
        venue_order_id: o.order_id.to_string(),
        symbol: symbol.clone(),
        side,
        qty: Qty(o.orig_qty),
        filled_qty: Qty(o.cum_qty),
        avg_price: nonzero(o.avg_price).map(Price),
        status: super::order_status(&o.status)?,
        fee: cum_fee,
        time_ms: event_time,
    };
    let fill = (o.execution_type == "TRADE" && !o.last_qty.is_zero()).then(|| Fill {
        venue: Venue::Binance,
        trade_id: o.trade_id.to_string(),
        client_order_id,
        symbol,
        side,
        qty: Qty(o.last_qty),
        price: Price(o.last_price),
        fee: fill_fee,
        is_maker: o.is_maker,
        time_ms: o.trade_time,
    });
    Ok((report, fill))
}

/// A position row of ACCOUNT_UPDATE. The event has no mark, liquidation price or leverage;
/// the caller passes what it last knew (mark falls back to entry, leverage to 1).
pub fn position_update(
    p: &PositionUpdate,
    mark: Option<Price>,
    leverage: Option<u32>,
) -> Result<VenuePosition, ParseError> {
    let mark = mark.unwrap_or(Price(p.entry_price));
    let leverage = leverage.filter(|l| *l > 0).unwrap_or(1);
    let margin = if p.margin_type == "isolated" {
        p.isolated_wallet
    } else {
        checked_div("pa", checked_mul("pa", p.position_amt.abs(), mark.0)?, Decimal::from(leverage))?
    };
    Ok(VenuePosition {
        venue: Venue::Binance,
        symbol: symbol_of(&p.symbol)?,
        qty: Qty(p.position_amt),
        entry_price: Price(p.entry_price),
        mark_price: mark,
        liquidation_price: None,
        margin: Usd(margin),
        leverage,
        unrealized_pnl: Usd(p.unrealized_pnl),
    })
}

/// A market-socket frame: data (combined or raw) or a command reply.
pub fn market_frame(text: &str) -> Result<super::super::wire::MarketFrame, ParseError> {
    Ok(super::super::wire::decode(text.as_bytes())?)
}

/// A user-data event.
pub fn user_event(text: &str) -> Result<super::super::wire::UserEvent, ParseError> {
    Ok(super::super::wire::decode(text.as_bytes())?)
}

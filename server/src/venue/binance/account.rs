//! Account reads that need joining: positions, open orders, fills (userTrades is per symbol
//! and names orders by Binance's id), funding payments (income rows joined with the settled
//! rate and mark), and the resync that republishes whatever the sockets missed.

use super::endpoints::OrderRef;
use super::error::BinanceError;
use super::{Shared, parse};
use crate::venue::VenueEvent;
use app::order::{Fill, FundingPayment, OrderReport, VenuePosition};
use app::{Price, Symbol, TimestampMs, Usd};
use std::collections::{BTreeMap, BTreeSet, HashMap};

const PAGE: u32 = 1000;
const MAX_PAGES: u32 = 10;
/// userTrades accepts at most a 7-day span per call.
const TRADE_WINDOW_MS: i64 = 7 * 24 * 3_600_000;
/// Fills are read at most this far back.
const MAX_FILL_LOOKBACK_MS: i64 = 30 * 24 * 3_600_000;
/// How far past our estimate of the venue's clock the last trade window reaches.
const CLOCK_SLACK_MS: i64 = 60_000;
/// An income row is matched to the settlement nearest in time, within this.
const FUNDING_MATCH_MS: i64 = 5 * 60_000;

impl Shared {
    pub(super) async fn positions(&self) -> Result<Vec<VenuePosition>, BinanceError> {
        let rows = self.rest.position_risk(None).await?;
        let mut out = Vec::new();
        let mut cache_updates = Vec::new();
        for r in &rows {
            if let Some(p) = parse::position(r)? {
                cache_updates.push((p.symbol.clone(), p.leverage, p.mark_price));
                out.push(p);
            }
        }
        let mut cache = self.cache();
        for (symbol, leverage, mark) in cache_updates {
            cache.leverage.insert(symbol.clone(), leverage);
            cache.marks.entry(symbol).or_insert(mark);
        }
        Ok(out)
    }

    pub(super) async fn open_orders(&self) -> Result<Vec<OrderReport>, BinanceError> {
        let rows = self.rest.open_orders(None).await?;
        let mut out = Vec::with_capacity(rows.len());
        for o in &rows {
            let id = parse::client_order_id(&o.client_order_id)?;
            let report = parse::order_report(o, self.cache().order_fee(&id))?;
            self.cache().remember_order(o.order_id, &id, &report.symbol);
            out.push(report);
        }
        Ok(out)
    }

    /// Pages of income of one type since `since_ms`.
    async fn income_since(
        &self,
        income_type: &str,
        since_ms: TimestampMs,
    ) -> Result<Vec<super::wire::Income>, BinanceError> {
        let mut rows = Vec::new();
        for page in 1..=MAX_PAGES {
            let batch = self.rest.income(Some(income_type), Some(since_ms), None, Some(page), PAGE).await?;
            let full = batch.len() as u32 >= PAGE;
            rows.extend(batch);
            if !full {
                break;
            }
        }
        Ok(rows)
    }

    /// Symbols that may have fills since `since_ms`: those traded through this connector, those
    /// with a position, and those with commission income (trades made elsewhere or before a
    /// restart).
    async fn fill_symbols(&self, since_ms: TimestampMs) -> Result<BTreeSet<Symbol>, BinanceError> {
        let mut symbols: BTreeSet<Symbol> = {
            let cache = self.cache();
            cache.traded.iter().chain(cache.open_positions.iter()).cloned().collect()
        };
        for row in self.income_since("COMMISSION", since_ms).await? {
            if let Ok(s) = parse::symbol_of(&row.symbol) {
                symbols.insert(s);
            }
        }
        Ok(symbols)
    }

    /// The USD price of a commission asset other than a stablecoin (BNB), from the mark cache
    /// or premiumIndex.
    async fn asset_prices(&self, trades: &[super::wire::UserTrade]) -> HashMap<String, rust_decimal::Decimal> {
        let mut prices = HashMap::new();
        for t in trades {
            if parse::fee_in_usd(t.commission, &t.commission_asset, |_| None).is_some()
                || prices.contains_key(&t.commission_asset)
            {
                continue;
            }
            let cached = parse::symbol_of(&format!("{}USDT", t.commission_asset))
                .ok()
                .and_then(|s| self.cache().marks.get(&s).map(|p| p.0));
            let price = match cached {
                Some(p) => Some(p),
                None => self
                    .rest
                    .premium_index(Some(&format!("{}USDT", t.commission_asset)))
                    .await
                    .ok()
                    .and_then(|r| r.first().map(|p| p.mark_price)),
            };
            if let Some(p) = price {
                prices.insert(t.commission_asset.clone(), p);
            }
        }
        prices
    }

    pub(super) async fn fills(&self, since_ms: TimestampMs) -> Result<Vec<Fill>, BinanceError> {
        let now = self.now_ms();
        let since_ms = since_ms.max(now.saturating_sub(MAX_FILL_LOOKBACK_MS));
        // `now` is our estimate of the venue's clock; a trade stamped a few ms after it must
        // not fall outside the last window, so that window reaches a minute past it.
        let horizon = now.saturating_add(CLOCK_SLACK_MS);
        let mut trades = Vec::new();
        for symbol in self.fill_symbols(since_ms).await? {
            let vs = parse::venue_symbol(&symbol);
            let mut start = since_ms;
            while start <= horizon {
                let end = start.saturating_add(TRADE_WINDOW_MS - 1).min(horizon);
                let batch = self.rest.user_trades(&vs, Some(start), Some(end), PAGE).await?;
                let last = batch.iter().map(|t| t.time).max();
                let full = batch.len() as u32 >= PAGE;
                trades.extend(batch);
                start = match (full, last) {
                    (true, Some(t)) => t.saturating_add(1),
                    _ => end.saturating_add(1),
                };
            }
        }
        trades.sort_by_key(|t| (t.time, t.id));
        let prices = self.asset_prices(&trades).await;
        let mut fills = Vec::with_capacity(trades.len());
        for t in &trades {
            let Some(id) = self.client_id_for(&t.symbol, t.order_id).await? else { continue };
            let fee = parse::fee_in_usd(t.commission, &t.commission_asset, |a| prices.get(a).copied()).unwrap_or_else(|| {
                tracing::warn!(asset = %t.commission_asset, "cannot price a binance commission; reporting zero fee");
                rust_decimal::Decimal::ZERO
            });
            fills.push(parse::fill(t, id, Usd(fee))?);
        }
        Ok(fills)
    }

    /// Our id for a Binance order id: cached, or looked up once (weight 1).
    async fn client_id_for(
        &self,
        venue_symbol: &str,
        order_id: i64,
    ) -> Result<Option<app::ClientOrderId>, BinanceError> {
        if let Some(id) = self.cache().client_id(order_id) {
            return Ok(Some(id));
        }
        let Some(o) = self.rest.query_order(venue_symbol, OrderRef::Venue(order_id)).await? else {
            tracing::warn!(order_id, "binance trade names an order that no longer exists; skipped");
            return Ok(None);
        };
        let id = parse::client_order_id(&o.client_order_id)?;
        let symbol = parse::symbol_of(&o.symbol)?;
        self.cache().remember_order(order_id, &id, &symbol);
        Ok(Some(id))
    }

    /// FUNDING_FEE income since `since_ms`, each joined with its settlement (rate and mark).
    pub(super) async fn funding_payments(&self, since_ms: TimestampMs) -> Result<Vec<FundingPayment>, BinanceError> {
        self.ensure_meta().await?;
        let mut rows = self.income_since("FUNDING_FEE", since_ms).await?;
        rows.sort_by_key(|r| (r.time, r.tran_id));
        rows.dedup_by_key(|r| r.tran_id);
        let mut by_symbol: BTreeMap<String, Vec<super::wire::Income>> = BTreeMap::new();
        for r in rows {
            by_symbol.entry(r.symbol.clone()).or_default().push(r);
        }
        let mut out = Vec::new();
        for (vs, incomes) in by_symbol {
            let Ok(symbol) = parse::symbol_of(&vs) else { continue };
            let (Some(first), Some(last)) = (incomes.first().map(|r| r.time), incomes.last().map(|r| r.time)) else {
                continue;
            };
            let from = first.saturating_sub(FUNDING_MATCH_MS + 8 * app::MS_PER_HOUR);
            let rates =
                self.rest.funding_rate(&vs, Some(from), Some(last.saturating_add(FUNDING_MATCH_MS)), PAGE).await?;
            let marks: HashMap<i64, Price> =
                rates.iter().map(|r| (r.funding_time, Price(r.mark_price.unwrap_or_default()))).collect();
            let settled = parse::settled_funding(&rates, self.cache().interval(&symbol))?;
            for income in &incomes {
                let nearest = settled.iter().min_by_key(|s| s.time_ms.abs_diff(income.time));
                let (rate, mark) = match nearest {
                    Some(s) if s.time_ms.abs_diff(income.time) <= FUNDING_MATCH_MS as u64 => {
                        (s.rate, marks.get(&s.time_ms).copied().unwrap_or_default())
                    }
                    _ => (
                        app::FundingRate::new(rust_decimal::Decimal::ZERO, self.cache().interval(&symbol)),
                        Price::ZERO,
                    ),
                };
                out.push(parse::funding_payment(income, rate, mark)?);
            }
        }
        out.sort_by_key(|p| p.time_ms);
        Ok(out)
    }

    /// Publish funding payments not yet published (dedup by `tranId`).
    pub(super) async fn publish_new_funding(&self, since_ms: TimestampMs) -> Result<(), BinanceError> {
        for p in self.funding_payments(since_ms).await? {
            if self.cache().funding_seen.insert(p.payment_id.clone()) {
                self.publish(VenueEvent::FundingPaid(p));
            }
        }
        Ok(())
    }

    /// After the user stream (re)connects: positions, open orders, fills and funding since just
    /// before it went down, published so that no update is lost. Fills and payments already
    /// published from the socket are not repeated.
    pub(super) async fn resync_account(&self) -> Result<(), BinanceError> {
        let now = self.now_ms();
        let lookback = self.tuning.resync_lookback.as_millis() as i64;
        let since = self.cache().user_down_since.unwrap_or(now).min(now).saturating_sub(lookback);
        let positions = self.positions().await?;
        let held: BTreeSet<Symbol> = positions.iter().map(|p| p.symbol.clone()).collect();
        let gone: Vec<Symbol> = self.cache().open_positions.difference(&held).cloned().collect();
        for p in positions {
            self.publish(VenueEvent::Position(p));
        }
        for symbol in gone {
            self.publish(VenueEvent::Position(flat(symbol)));
        }
        self.cache().open_positions = held;
        for o in self.open_orders().await? {
            self.publish(VenueEvent::Order(o));
        }
        let mut touched: BTreeMap<app::ClientOrderId, Symbol> = BTreeMap::new();
        for f in self.fills(since).await? {
            if self.cache().trades_seen.insert((parse::venue_symbol(&f.symbol), f.trade_id.clone())) {
                touched.insert(f.client_order_id.clone(), f.symbol.clone());
                self.publish(VenueEvent::Fill(f));
            }
        }
        for (id, symbol) in touched {
            if let Some(report) = self.query_order(&symbol, &id).await? {
                self.publish(VenueEvent::Order(report));
            }
        }
        self.publish_new_funding(since).await?;
        self.cache().user_down_since = None;
        Ok(())
    }
}

fn flat(symbol: Symbol) -> VenuePosition {
    VenuePosition {
        venue: app::Venue::Binance,
        symbol,
        qty: app::Qty::ZERO,
        entry_price: Price::ZERO,
        mark_price: Price::ZERO,
        liquidation_price: None,
        margin: Usd::ZERO,
        leverage: 1,
        unrealized_pnl: Usd::ZERO,
    }
}

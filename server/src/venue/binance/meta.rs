//! Market metadata and funding reads: exchangeInfo (markets, filters, rate limits), fundingInfo
//! (per-symbol intervals; absent means 8 h), premiumIndex snapshots and settled history.

use super::Shared;
use super::error::BinanceError;
use super::parse::{self, MarketMeta};
use app::market::{FundingSnapshot, SettledFunding};
use app::{FundingRate, MS_PER_HOUR, Symbol, TimestampMs};

/// A settlement can post about a minute late; tolerate that before calling a cache stale.
const SETTLEMENT_SLACK_MS: i64 = 5 * 60_000;
const HISTORY_PAGE: u32 = 1000;
/// Enough history before `from` to infer the first row's interval from its gap.
const INTERVAL_CONTEXT_MS: i64 = 8 * MS_PER_HOUR;

impl Shared {
    fn meta_fresh(&self) -> bool {
        let ttl = self.tuning.metadata_ttl.as_millis() as i64;
        let now = self.rest.clock().local_ms();
        self.cache().meta_loaded_ms.is_some_and(|t| now.saturating_sub(t) < ttl)
    }

    /// Load exchangeInfo and fundingInfo unless fresh. A failed fundingInfo fails the load: a
    /// rate without its true interval is the 8x bug.
    pub(super) async fn ensure_meta(&self) -> Result<(), BinanceError> {
        if self.meta_fresh() {
            return Ok(());
        }
        let _guard = self.meta_lock.lock().await;
        if self.meta_fresh() {
            return Ok(());
        }
        let info = self.rest.exchange_info().await?;
        let meta = parse::exchange_info(&info, self.tuning.market_defaults);
        self.rest.limiter().set_limits(meta.limits);
        let intervals = parse::funding_intervals(&self.rest.funding_info().await?);
        let mut cache = self.cache();
        cache.markets = meta.markets.into_iter().map(|m| (m.market.symbol.clone(), m)).collect();
        cache.intervals = intervals;
        cache.meta_loaded_ms = Some(self.rest.clock().local_ms());
        Ok(())
    }

    pub(super) async fn markets(&self) -> Result<Vec<MarketMeta>, BinanceError> {
        self.ensure_meta().await?;
        Ok(self.cache().markets.values().cloned().collect())
    }

    /// The last settled rate, read from fundingRate only when the cache predates the
    /// settlement just before `next_funding_ms`.
    async fn last_settled(
        &self,
        symbol: &Symbol,
        next_funding_ms: TimestampMs,
    ) -> Result<Option<FundingRate>, BinanceError> {
        let interval = self.cache().interval(symbol);
        let expected = next_funding_ms.saturating_sub(interval.millis()).saturating_sub(SETTLEMENT_SLACK_MS);
        if let Some((t, rate)) = self.cache().last_settled.get(symbol)
            && *t >= expected
        {
            return Ok(Some(*rate));
        }
        let rows = self.rest.funding_rate(&parse::venue_symbol(symbol), None, None, 1).await?;
        let settled = parse::settled_funding(&rows, interval)?;
        let mut cache = self.cache();
        for s in &settled {
            cache.remember_settled(symbol, s.time_ms, s.rate);
        }
        Ok(cache.last_settled(symbol))
    }

    pub(super) async fn funding(&self, symbol: &Symbol) -> Result<FundingSnapshot, BinanceError> {
        self.ensure_meta().await?;
        let p = self.rest.premium_index(Some(&parse::venue_symbol(symbol))).await?;
        let p = p.first().ok_or_else(|| BinanceError::Decode("empty premiumIndex".into()))?;
        let last = self.last_settled(symbol, p.next_funding_time).await?;
        let interval = self.cache().interval(symbol);
        parse::funding_snapshot(p, interval, last)?.ok_or_else(|| BinanceError::Api {
            status: 400,
            code: -1121,
            msg: format!("{symbol} has no funding"),
        })
    }

    /// Every perpetual's funding from one premiumIndex call (weight 10): the funding board.
    pub(super) async fn funding_board(&self) -> Result<Vec<FundingSnapshot>, BinanceError> {
        self.ensure_meta().await?;
        let rows = self.rest.premium_index(None).await?;
        let cache = self.cache();
        let mut out = Vec::new();
        for p in &rows {
            let Ok(symbol) = parse::symbol_of(&p.symbol) else { continue };
            if !cache.markets.contains_key(&symbol) {
                continue;
            }
            if let Some(s) = parse::funding_snapshot(p, cache.interval(&symbol), cache.last_settled(&symbol))? {
                out.push(s);
            }
        }
        Ok(out)
    }

    /// Settled rates in `(from, to]`, oldest first, paging through fundingRate.
    pub(super) async fn funding_history(
        &self,
        symbol: &Symbol,
        from_ms: TimestampMs,
        to_ms: TimestampMs,
    ) -> Result<Vec<SettledFunding>, BinanceError> {
        self.ensure_meta().await?;
        let vs = parse::venue_symbol(symbol);
        let mut rows = Vec::new();
        let mut start = from_ms.saturating_add(1).saturating_sub(INTERVAL_CONTEXT_MS);
        loop {
            let page = self.rest.funding_rate(&vs, Some(start), Some(to_ms), HISTORY_PAGE).await?;
            let full = page.len() as u32 >= HISTORY_PAGE;
            let Some(last) = page.iter().map(|r| r.funding_time).max() else { break };
            rows.extend(page);
            if !full || last >= to_ms {
                break;
            }
            start = last.saturating_add(1);
        }
        let interval = self.cache().interval(symbol);
        let mut settled = parse::settled_funding(&rows, interval)?;
        settled.dedup_by_key(|s| s.time_ms);
        if let Some(last) = settled.last() {
            self.cache().remember_settled(symbol, last.time_ms, last.rate);
        }
        settled.retain(|s| s.time_ms > from_ms && s.time_ms <= to_ms);
        Ok(settled)
    }
}

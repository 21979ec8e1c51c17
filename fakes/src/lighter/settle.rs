//! Hourly funding settlement: every open position pays or receives size × mark × rate/100,
//! longs paying when the rate is positive. Writes `positionFunding` rows (signed `change`),
//! the market's `fundings` row (magnitude + the side that paid) and rolls the market's
//! `funding_rate` to the rate just settled.

use std::str::FromStr;

use rust_decimal::Decimal;

use super::exchange::Exchange;
use super::model::{FundingRow, PositionFundingRow};

impl Exchange {
    pub fn settle(&mut self, time_ms: i64) {
        let markets: Vec<i16> = self.markets.keys().copied().collect();
        for m in markets {
            let Some(mk) = self.markets.get(&m).cloned() else { continue };
            let rate = Decimal::from_str(mk.current_funding.trim()).unwrap_or_default();
            let per_unit = mk.mark * rate.abs() / Decimal::ONE_HUNDRED;
            let longs_pay = rate > Decimal::ZERO;
            let accounts: Vec<i64> = self.accounts.keys().copied().collect();
            for a in accounts {
                let units = self.position(a, m);
                if units == 0 {
                    continue;
                }
                let size = mk.size(units).abs();
                let long = units > 0;
                let payment = (size * per_unit).round_dp(6);
                let change = if rate.is_zero() {
                    Decimal::ZERO
                } else if long == longs_pay {
                    -payment
                } else {
                    payment
                };
                if let Some(acct) = self.accounts.get_mut(&a) {
                    acct.collateral += change;
                    if let Some(p) = acct.positions.get_mut(&m) {
                        p.funding_paid -= change;
                    }
                }
                let row = PositionFundingRow {
                    account: a,
                    timestamp_s: time_ms / 1000,
                    market: m,
                    funding_id: self.next_funding_id,
                    change,
                    rate: mk.current_funding.clone(),
                    size,
                    long,
                };
                self.next_funding_id += 1;
                let idx = self.position_fundings.len();
                self.position_fundings.push(row);
                let touch = self.touched_accounts.entry(a).or_default();
                touch.fundings.push(idx);
                touch.markets.insert(m);
            }
            self.fundings.entry(m).or_default().push(FundingRow {
                timestamp_s: time_ms / 1000,
                value: per_unit.round_dp(8),
                rate: rate.abs(),
                longs_paid: rate >= Decimal::ZERO,
            });
            if let Some(mk) = self.markets.get_mut(&m) {
                mk.last_funding = mk.current_funding.clone();
                mk.funding_timestamp = time_ms;
            }
            self.touched_stats.insert(m);
        }
    }
}

//! The fake's configuration and the standard scripted profile: ETH (0), BTC (1) and SOL (2)
//! with marks, books and funding, one funded test account, a liquidity account, the 60/min
//! standard rate limit and the standard account's speed bumps.

use std::time::Duration;

use rust_decimal::Decimal;

use super::clock::FakeClock;
use super::model::FakeMarket;
use lighter_signer::TESTNET_CHAIN_ID;

/// The account `fakes lighter` funds for manual trials. Its key is a throwaway from the
/// public signer test vectors (never a real key), printed so a client can be configured.
pub const DEMO_ACCOUNT: i64 = 100_042;
pub const DEMO_API_KEY_INDEX: u8 = 2;
pub const DEMO_PRIVATE_KEY: &str = "029c384d9f7b86e700196c1786c2e7b94593474573ea46c35b4f86c31531f79ac4b42b654fdf1d6e";

#[derive(Debug, Clone)]
pub struct FakeAccount {
    pub index: i64,
    pub collateral: Decimal,
    /// (api_key_index, public key bytes).
    pub keys: Vec<(u8, [u8; 40])>,
}

#[derive(Debug, Clone)]
pub struct FakeConfig {
    pub chain_id: u32,
    pub clock: FakeClock,
    pub taker_bump: Duration,
    pub maker_bump: Duration,
    pub cancel_bump: Duration,
    pub rate_limit_per_minute: Option<u32>,
    /// How often the server sends `{"type":"ping"}`.
    pub ping_interval: Duration,
    /// How often the clock is checked for a top of the hour to settle.
    pub settle_tick: Duration,
    pub markets: Vec<FakeMarket>,
    /// Scripted book per market: (market, bids, asks) as (price, size) decimals.
    pub books: Vec<(i16, Vec<(Decimal, Decimal)>, Vec<(Decimal, Decimal)>)>,
    pub accounts: Vec<FakeAccount>,
    /// Owner of the scripted liquidity.
    pub maker_account: i64,
}

/// `levels` price levels each side, `step` apart, around `mid`.
pub fn ladder(
    mid: Decimal,
    step: Decimal,
    size: Decimal,
    levels: u32,
) -> (Vec<(Decimal, Decimal)>, Vec<(Decimal, Decimal)>) {
    let bids = (1..=levels).map(|i| (mid - step * Decimal::from(i), size)).collect();
    let asks = (1..=levels).map(|i| (mid + step * Decimal::from(i), size)).collect();
    (bids, asks)
}

impl FakeConfig {
    /// The standard profile plus the funded demo account (100,000 USDC, key slot 2).
    pub fn with_demo_account(mut self) -> Self {
        let signer =
            lighter_signer::LighterSigner::new(DEMO_PRIVATE_KEY, DEMO_ACCOUNT, DEMO_API_KEY_INDEX, self.chain_id)
                .expect("the demo key is a valid private key");
        self.accounts.push(FakeAccount {
            index: DEMO_ACCOUNT,
            collateral: Decimal::from(100_000),
            keys: vec![(DEMO_API_KEY_INDEX, signer.public_key())],
        });
        self
    }
}

impl Default for FakeConfig {
    fn default() -> Self {
        let mut eth = FakeMarket::new(0, "ETH", 4, 2, Decimal::new(2400, 0));
        eth.min_base = Decimal::new(50, 4);
        eth.current_funding = "0.0008".into();
        let mut btc = FakeMarket::new(1, "BTC", 5, 1, Decimal::new(65_000, 0));
        btc.min_base = Decimal::new(20, 5);
        btc.current_funding = "0.0012".into();
        let mut sol = FakeMarket::new(2, "SOL", 3, 3, Decimal::new(150, 0));
        sol.min_base = Decimal::new(50, 3);
        sol.current_funding = "-0.0005".into();
        let (eb, ea) = ladder(eth.mark, Decimal::new(10, 2), Decimal::new(5, 0), 5);
        let (bb, ba) = ladder(btc.mark, Decimal::new(10, 1), Decimal::new(5, 1), 5);
        let (sb, sa) = ladder(sol.mark, Decimal::new(10, 3), Decimal::new(100, 0), 5);
        Self {
            chain_id: TESTNET_CHAIN_ID,
            clock: FakeClock::Wall,
            taker_bump: Duration::from_millis(300),
            maker_bump: Duration::from_millis(200),
            cancel_bump: Duration::from_millis(150),
            rate_limit_per_minute: Some(60),
            ping_interval: Duration::from_secs(20),
            settle_tick: Duration::from_millis(250),
            markets: vec![eth, btc, sol],
            books: vec![(0, eb, ea), (1, bb, ba), (2, sb, sa)],
            accounts: Vec::new(),
            maker_account: 1,
        }
    }
}

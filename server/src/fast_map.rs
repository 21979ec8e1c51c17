//! The hash maps on the market-data path (the engine's market cache and entries, the sampler,
//! the simulators): keyed by venue and symbol, which our own code writes, so a fast
//! non-cryptographic hasher instead of SipHash, with a fixed seed so that every run walks a
//! map in the same order.

pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

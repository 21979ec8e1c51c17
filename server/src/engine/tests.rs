//! Engine tests: recorded event lists in, outputs asserted; the engine driven against the
//! simulated venues (manual clock) with injected faults; and exact replay of the event log.

mod faults;
mod flows;
mod harness;
mod history;
mod preview;
mod ranking;
mod reconcile;
mod replay;
mod retention;
mod signals;
mod stored;

//! Runnable EventCore examples.
//!
//! - [`banking`]: accounts, deposits, withdrawals and transfers; the README
//!   demo (`cargo run -p eventcore-examples --bin banking`).
//! - [`fulfilment`]: an order-fulfilment saga with a process manager, a
//!   compensation and a payment timeout
//!   (`cargo run -p eventcore-examples --bin saga`).

pub mod banking;
pub mod fulfilment;

#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

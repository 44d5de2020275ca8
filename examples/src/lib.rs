//! Runnable EventCore examples.
//!
//! - [`banking`]: accounts, deposits, withdrawals and transfers; the README
//!   demo (`cargo run -p eventcore-examples --bin banking`).

pub mod banking;

#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

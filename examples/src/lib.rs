//! Runnable EventCore examples.
//!
//! - [`banking`]: accounts, deposits, withdrawals and transfers; the README
//!   demo (`cargo run -p eventcore-examples --bin banking`).
//! - [`ecommerce`]: orders reserving stock on all their products at once,
//!   composed event enums, stream discovery and an inventory projection
//!   (`cargo run -p eventcore-examples --bin shop`).
//! - [`fulfilment`]: an order-fulfilment saga with a process manager, a
//!   compensation and a payment timeout
//!   (`cargo run -p eventcore-examples --bin saga`).
//! - [`service`]: the banking domain behind an HTTP API, with health and
//!   Prometheus metrics (`cargo run -p eventcore-examples --bin service`).

pub mod banking;
pub mod ecommerce;
pub mod fulfilment;
pub mod service;

#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

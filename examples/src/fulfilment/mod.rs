//! Order fulfilment, a long-running saga across order, inventory, wallet
//! and shipment streams: the process manager and the scheduled timeout of
//! [`eventcore::process`] at work.
//!
//! A customer places an order ([`PlaceOrder`]); the [`Fulfilment`] process
//! reserves its stock and schedules a payment timeout; the customer submits
//! a payment ([`SubmitPayment`]), which the process charges to the wallet;
//! a paid order ships. Two paths end an order early:
//!
//! - **compensation**: a wallet that cannot pay cancels the order and
//!   releases its stock;
//! - **timeout**: no payment within the window, and [`PaymentTimeouts`]
//!   cancels the order and releases its stock.
//!
//! Every order ends in exactly one terminal state, shipped or cancelled;
//! every step is a command that reads the order's stream, so two steps that
//! race (a payment and its timeout) cannot both win. [`audit`] checks all of
//! it: `cargo run -p eventcore-examples --bin saga` runs a shop day, and
//! `tests/saga_restarts.rs` runs one while killing and restarting the
//! process and its scheduler.

mod audit;
mod commands;
mod day;
mod events;
mod process;

pub use audit::{Audit, OrderOutcome, audit, story};
pub use commands::{
    CancelOrder, ChargePayment, FundWallet, PlaceOrder, ReserveStock, Restock, ShipOrder,
    ShopError, SubmitPayment,
};
pub use day::{Customer, Day, DayError, PlannedOrder};
pub use events::{
    CancelReason, Closed, Inventory, Order, Shipment, ShopEvent, Wallet, inventory_stream,
    order_stream, shipment_stream, wallet_stream,
};
pub use process::{Fulfilment, FulfilmentError, PAYMENT_TIMEOUTS, PaymentTimeout, PaymentTimeouts};

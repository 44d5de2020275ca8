use std::collections::HashMap;

use eventcore::{Event, Fold, RecordedEvent, StreamId, ValidationError};
use serde::{Deserialize, Serialize};

/// Why an order was cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CancelReason {
    /// Not enough stock to reserve.
    OutOfStock,
    /// The customer's wallet could not pay.
    PaymentDeclined,
    /// No payment arrived in time.
    PaymentTimeout,
}

/// Everything that happens in the shop: orders, stock, wallets and
/// shipments, each in its own streams (`order-…`, `inventory-…`,
/// `wallet-…`, `shipment-…`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Event)]
pub enum ShopEvent {
    /// An order was placed (on its order stream).
    OrderPlaced {
        /// The order.
        order: String,
        /// What it buys.
        sku: String,
        /// How many.
        quantity: u32,
        /// What it costs, in cents.
        amount_cents: u64,
        /// Who pays.
        wallet: String,
    },
    /// Stock was set aside for the order (on its order stream).
    ItemsReserved {
        /// The order.
        order: String,
    },
    /// The customer sent a payment for the order (on its order stream).
    PaymentSubmitted {
        /// The order.
        order: String,
        /// The paying wallet.
        wallet: String,
        /// What the order buys, so the process can release it.
        sku: String,
    },
    /// The order was paid (on its order stream).
    OrderPaid {
        /// The order.
        order: String,
    },
    /// The order was cancelled: a terminal state (on its order stream).
    OrderCancelled {
        /// The order.
        order: String,
        /// Why.
        reason: CancelReason,
    },
    /// The order left the warehouse: a terminal state (on its order stream).
    OrderShipped {
        /// The order.
        order: String,
    },
    /// Stock arrived (on an inventory stream).
    Restocked {
        /// How many.
        quantity: u32,
    },
    /// Stock was set aside for an order (on an inventory stream).
    StockReserved {
        /// The order.
        order: String,
        /// How many.
        quantity: u32,
    },
    /// An order's reservation went back on the shelf (on an inventory
    /// stream).
    StockReleased {
        /// The order.
        order: String,
        /// How many.
        quantity: u32,
    },
    /// Money was put in a wallet.
    WalletFunded {
        /// How much, in cents.
        cents: u64,
    },
    /// A wallet paid for an order.
    Charged {
        /// The order.
        order: String,
        /// How much, in cents.
        cents: u64,
    },
    /// A parcel was made up for an order (on its shipment stream).
    ShipmentCreated {
        /// The order.
        order: String,
    },
}

/// The stream of order `order`.
pub fn order_stream(order: &str) -> Result<StreamId, ValidationError> {
    StreamId::try_new(format!("order-{order}"))
}

/// The stock of `sku`.
pub fn inventory_stream(sku: &str) -> Result<StreamId, ValidationError> {
    StreamId::try_new(format!("inventory-{sku}"))
}

/// The wallet `wallet`.
pub fn wallet_stream(wallet: &str) -> Result<StreamId, ValidationError> {
    StreamId::try_new(format!("wallet-{wallet}"))
}

/// The shipment of order `order`.
pub fn shipment_stream(order: &str) -> Result<StreamId, ValidationError> {
    StreamId::try_new(format!("shipment-{order}"))
}

/// Where an order stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Order {
    /// What was placed, if anything: sku, quantity, amount, wallet.
    pub placed: Option<(String, u32, u64, String)>,
    /// Whether its stock is reserved.
    pub reserved: bool,
    /// Whether a payment was submitted.
    pub payment_submitted: bool,
    /// Whether it is paid.
    pub paid: bool,
    /// Its terminal state, once reached.
    pub closed: Option<Closed>,
}

/// How an order ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Closed {
    /// Shipped.
    Shipped,
    /// Cancelled, and why.
    Cancelled(CancelReason),
}

impl Fold<ShopEvent> for Order {
    fn fold(&mut self, event: &RecordedEvent<ShopEvent>) {
        match event.payload() {
            ShopEvent::OrderPlaced {
                sku,
                quantity,
                amount_cents,
                wallet,
                ..
            } => self.placed = Some((sku.clone(), *quantity, *amount_cents, wallet.clone())),
            ShopEvent::ItemsReserved { .. } => self.reserved = true,
            ShopEvent::PaymentSubmitted { .. } => self.payment_submitted = true,
            ShopEvent::OrderPaid { .. } => self.paid = true,
            ShopEvent::OrderCancelled { reason, .. } => {
                self.closed = Some(Closed::Cancelled(*reason));
            }
            ShopEvent::OrderShipped { .. } => self.closed = Some(Closed::Shipped),
            _ => {}
        }
    }
}

/// The stock of one sku.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inventory {
    /// Units on the shelf, not reserved.
    pub available: i64,
    /// The live reservations, by order.
    pub reserved: HashMap<String, u32>,
}

impl Fold<ShopEvent> for Inventory {
    fn fold(&mut self, event: &RecordedEvent<ShopEvent>) {
        match event.payload() {
            ShopEvent::Restocked { quantity } => self.available += i64::from(*quantity),
            ShopEvent::StockReserved { order, quantity } => {
                self.available -= i64::from(*quantity);
                self.reserved.insert(order.clone(), *quantity);
            }
            ShopEvent::StockReleased { order, quantity } => {
                self.available += i64::from(*quantity);
                self.reserved.remove(order);
            }
            _ => {}
        }
    }
}

/// A wallet's balance and the orders it paid.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Wallet {
    /// Cents left.
    pub balance: u64,
    /// The orders charged.
    pub charged: Vec<String>,
}

impl Fold<ShopEvent> for Wallet {
    fn fold(&mut self, event: &RecordedEvent<ShopEvent>) {
        match event.payload() {
            ShopEvent::WalletFunded { cents } => self.balance += cents,
            ShopEvent::Charged { order, cents } => {
                self.balance = self.balance.saturating_sub(*cents);
                self.charged.push(order.clone());
            }
            _ => {}
        }
    }
}

/// Whether a shipment was made up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shipment {
    /// Made up.
    pub created: bool,
}

impl Fold<ShopEvent> for Shipment {
    fn fold(&mut self, event: &RecordedEvent<ShopEvent>) {
        if let ShopEvent::ShipmentCreated { .. } = event.payload() {
            self.created = true;
        }
    }
}

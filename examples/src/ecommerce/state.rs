//! What an order's stream and a product's stream fold into. Each state
//! folds its own part of [`ShopEvent`], and through
//! `#[eventcore::fold(via = ShopEvent)]` the composed enum too, so the
//! commands (whose event type is `ShopEvent`) use them as stream state.

use eventcore::{Fold, RecordedEvent};

use super::{OrderEvent, OrderLine, ProductEvent, ShopEvent};

/// Where an order is in its life.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OrderStatus {
    /// Nothing has happened to the order yet.
    #[default]
    NotPlaced,
    /// Placed: its stock is reserved.
    Placed,
    /// Cancelled: its stock was released.
    Cancelled,
    /// Shipped: its stock left the warehouse.
    Shipped,
}

/// One order, folded from its stream.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Order {
    /// Where the order is.
    pub status: OrderStatus,
    /// What was ordered (empty until placed).
    pub lines: Vec<OrderLine>,
}

#[eventcore::fold(via = ShopEvent)]
impl Fold<OrderEvent> for Order {
    fn fold(&mut self, event: &RecordedEvent<OrderEvent>) {
        match event.payload() {
            OrderEvent::Placed { lines } => {
                self.status = OrderStatus::Placed;
                self.lines.clone_from(lines);
            }
            OrderEvent::Cancelled => self.status = OrderStatus::Cancelled,
            OrderEvent::Shipped => self.status = OrderStatus::Shipped,
        }
    }
}

/// One product's stock, folded from its stream; the inventory projection
/// folds it the same way.
///
/// Every unit ever restocked is in exactly one place, so
/// `restocked == available + reserved + shipped`
/// ([`Stock::is_conserved`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stock {
    /// Whether the product was ever restocked: the shop knows it.
    pub known: bool,
    /// Every unit ever restocked.
    pub restocked: u64,
    /// Units free to reserve.
    pub available: u64,
    /// Units reserved for placed orders.
    pub reserved: u64,
    /// Units shipped.
    pub shipped: u64,
}

impl Stock {
    /// The most units of one product the warehouse holds (available and
    /// reserved together).
    pub const CAPACITY: u64 = 100_000;

    /// The units in the warehouse: available or reserved.
    #[must_use]
    pub const fn on_hand(&self) -> u64 {
        self.available.saturating_add(self.reserved)
    }

    /// Whether every unit restocked is available, reserved or shipped.
    #[must_use]
    pub fn is_conserved(&self) -> bool {
        let placed = self.available.checked_add(self.reserved);
        placed.and_then(|units| units.checked_add(self.shipped)) == Some(self.restocked)
    }
}

#[eventcore::fold(via = ShopEvent)]
impl Fold<ProductEvent> for Stock {
    fn fold(&mut self, event: &RecordedEvent<ProductEvent>) {
        // Moves `units` from one counter to another, never below zero and
        // never making or losing a unit. The commands check before they
        // write, so the clamp only acts on a hand-edited stream. (Inside
        // the block, so that `#[eventcore::fold]` fingerprints it too.)
        fn shift(from: &mut u64, to: &mut u64, units: u64) {
            let moved = units.min(*from);
            *from -= moved;
            *to = to.saturating_add(moved);
        }

        match event.payload() {
            ProductEvent::Restocked { quantity } => {
                self.known = true;
                self.restocked = self.restocked.saturating_add(quantity.units());
                self.available = self.available.saturating_add(quantity.units());
            }
            ProductEvent::Reserved { quantity, .. } => {
                shift(&mut self.available, &mut self.reserved, quantity.units());
            }
            ProductEvent::Released { quantity, .. } => {
                shift(&mut self.reserved, &mut self.available, quantity.units());
            }
            ProductEvent::Shipped { quantity, .. } => {
                shift(&mut self.reserved, &mut self.shipped, quantity.units());
            }
        }
    }
}

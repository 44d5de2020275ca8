//! What happens in the shop: an order's events and a product's, each in
//! its own enum, and [`ShopEvent`] composing both for the commands that
//! write to orders and products at once.

use eventcore::Event;
use serde::{Deserialize, Serialize};

use super::{OrderId, Price, ProductId, Quantity};

/// One line of an order: a product, how many units, and the unit price
/// agreed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    /// The product.
    pub product: ProductId,
    /// How many units.
    pub quantity: Quantity,
    /// The price of one unit.
    pub unit_price: Price,
}

impl OrderLine {
    /// The most lines an order may have: each is a product stream the
    /// order's commands read and write.
    pub const MAX_PER_ORDER: usize = 16;

    /// A line.
    #[must_use]
    pub const fn new(product: ProductId, quantity: Quantity, unit_price: Price) -> Self {
        Self {
            product,
            quantity,
            unit_price,
        }
    }

    /// The line's product: what `#[stream(ids = OrderLine::product)]` names
    /// the line's stream by.
    #[must_use]
    pub const fn product(&self) -> &ProductId {
        &self.product
    }

    /// The line's total in cents (at most `Quantity::MAX` times
    /// `Price::MAX_CENTS`, far inside `u64`).
    #[must_use]
    pub fn total_cents(&self) -> u64 {
        self.quantity.units() * self.unit_price.cents()
    }
}

/// Everything that happens to an order, in its stream `order-<id>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Event)]
pub enum OrderEvent {
    /// The order was placed, and its stock reserved.
    Placed {
        /// What was ordered.
        lines: Vec<OrderLine>,
    },
    /// The order was cancelled, and its stock released.
    Cancelled,
    /// The order was shipped.
    Shipped,
}

/// Everything that happens to a product's stock, in its stream
/// `product-<id>`.
///
/// Type names are shared by every part of a composed enum, so the
/// product's shipment is stored as `StockShipped`, apart from the order's
/// `Shipped`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Event)]
pub enum ProductEvent {
    /// Units arrived in the warehouse.
    Restocked {
        /// How many.
        quantity: Quantity,
    },
    /// Units were set aside for an order.
    Reserved {
        /// The order.
        order: OrderId,
        /// How many.
        quantity: Quantity,
    },
    /// An order was cancelled: its units are available again.
    Released {
        /// The order.
        order: OrderId,
        /// How many.
        quantity: Quantity,
    },
    /// An order's reserved units left the warehouse.
    #[event(rename = "StockShipped")]
    Shipped {
        /// The order.
        order: OrderId,
        /// How many.
        quantity: Quantity,
    },
}

impl ProductEvent {
    /// The order this event is about, if any.
    #[must_use]
    pub const fn order(&self) -> Option<&OrderId> {
        match self {
            Self::Restocked { .. } => None,
            Self::Reserved { order, .. }
            | Self::Released { order, .. }
            | Self::Shipped { order, .. } => Some(order),
        }
    }
}

/// The event type of the shop's commands: an order's events and a
/// product's, each stored exactly as its own enum stores it.
///
/// ```
/// use eventcore::Event;
/// use eventcore_examples::ecommerce::ShopEvent;
///
/// assert_eq!(
///     ShopEvent::EVENT_TYPES,
///     ["Placed", "Cancelled", "Shipped", "Restocked", "Reserved", "Released", "StockShipped"]
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Event)]
#[event(compose)]
pub enum ShopEvent {
    /// An order's event.
    Order(OrderEvent),
    /// A product's event.
    Product(ProductEvent),
}

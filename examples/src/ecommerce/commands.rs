//! Placing orders and restocking products, and the rules they keep.

use eventcore::{Command, CommandLogic, StreamHandle, StreamHandles, emit, require};

use super::{
    InvalidInput, Order, OrderEvent, OrderId, OrderLine, OrderStatus, ProductEvent, ProductId,
    Quantity, ShopEvent, Stock,
};

/// Why the shop refused a command.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShopError {
    /// An order is placed once.
    #[error("order {0} was already placed")]
    OrderAlreadyPlaced(OrderId),
    /// The order was never placed.
    #[error("order {0} was never placed")]
    OrderNotFound(OrderId),
    /// The order was cancelled: it cannot be cancelled or shipped again.
    #[error("order {0} is already cancelled")]
    OrderCancelled(OrderId),
    /// The order was shipped: it cannot be cancelled or shipped again.
    #[error("order {0} has already shipped")]
    OrderShipped(OrderId),
    /// The product was never restocked.
    #[error("product {0} is not in the catalogue (it was never restocked)")]
    UnknownProduct(ProductId),
    /// Reserving would take the product's available stock below zero.
    #[error(
        "product {product} has {available} units available, fewer than the {requested} ordered"
    )]
    InsufficientStock {
        /// The product.
        product: ProductId,
        /// Its available units.
        available: u64,
        /// The units the order line asks for.
        requested: Quantity,
    },
    /// Restocking would pass [`Stock::CAPACITY`].
    #[error(
        "product {product} holds {on_hand} units: {incoming} more would pass the capacity of {capacity}",
        capacity = Stock::CAPACITY
    )]
    OverCapacity {
        /// The product.
        product: ProductId,
        /// Its available and reserved units.
        on_hand: u64,
        /// The units restocked.
        incoming: Quantity,
    },
    /// Releasing or shipping an order's line would take the product's
    /// reserved stock below zero: the history lost the reservation.
    #[error(
        "order {order} needs {quantity} reserved units of {product}, but the product has {reserved} reserved"
    )]
    ReservationMissing {
        /// The order.
        order: OrderId,
        /// The product.
        product: ProductId,
        /// The product's reserved units.
        reserved: u64,
        /// The units on the order's line.
        quantity: Quantity,
    },
    /// The executor handed `handle` no stream for one of the order's
    /// products (it reads every stream a command names, so this is a bug).
    #[error("no stream of product {0} was read for this command")]
    ProductNotRead(ProductId),
}

/// The rules every command on an existing order shares: it was placed,
/// and not yet cancelled or shipped.
pub(crate) fn ensure_open(order: &Order, id: &OrderId) -> Result<(), ShopError> {
    match order.status {
        OrderStatus::Placed => Ok(()),
        OrderStatus::NotPlaced => Err(ShopError::OrderNotFound(id.clone())),
        OrderStatus::Cancelled => Err(ShopError::OrderCancelled(id.clone())),
        OrderStatus::Shipped => Err(ShopError::OrderShipped(id.clone())),
    }
}

/// The handle of `product`'s stream among `handles`.
pub(crate) fn handle_of<'h, 'a, C: Command>(
    handles: &'h mut StreamHandles<'a, C>,
    product: &ProductId,
) -> Result<&'h mut StreamHandle<'a, C>, ShopError> {
    handles
        .get_mut(product)
        .ok_or_else(|| ShopError::ProductNotRead(product.clone()))
}

/// Places an order: reserves every line's units on its product, all in one
/// atomic write to the order and every product, or refuses the whole
/// order.
///
/// The lines name the products: `#[stream(ids = OrderLine::product)]` reads
/// and folds one [`Stock`] per line's product, however many lines there
/// are.
#[derive(Clone, Debug, Command)]
#[command(event = ShopEvent)]
pub struct PlaceOrder {
    /// The new order.
    #[stream(state = Order)]
    order: OrderId,
    /// What is ordered; each line's product is a stream.
    #[stream(state = Stock, ids = OrderLine::product)]
    lines: Vec<OrderLine>,
}

impl PlaceOrder {
    /// An order of `lines`: 1 to [`OrderLine::MAX_PER_ORDER`] of them,
    /// each product on one line only.
    pub fn new(order: OrderId, lines: Vec<OrderLine>) -> Result<Self, InvalidInput> {
        if lines.is_empty() {
            return Err(InvalidInput::NoLines(order));
        }
        if lines.len() > OrderLine::MAX_PER_ORDER {
            let lines = lines.len();
            return Err(InvalidInput::TooManyLines { order, lines });
        }
        for (i, line) in lines.iter().enumerate() {
            if lines[..i].iter().any(|l| l.product == line.product) {
                let product = line.product.clone();
                return Err(InvalidInput::DuplicateProduct { order, product });
            }
        }
        Ok(Self { order, lines })
    }

    /// The order.
    #[must_use]
    pub const fn order(&self) -> &OrderId {
        &self.order
    }

    /// The order's lines.
    #[must_use]
    pub fn lines(&self) -> &[OrderLine] {
        &self.lines
    }
}

impl CommandLogic for PlaceOrder {
    type Error = ShopError;

    fn handle(&self, state: Self::State, streams: &mut Self::Streams<'_>) -> Result<(), ShopError> {
        require!(
            state.order.status == OrderStatus::NotPlaced,
            ShopError::OrderAlreadyPlaced(self.order.clone())
        );
        for line in &self.lines {
            let stock = state.lines.get(line.product()).copied().unwrap_or_default();
            require!(stock.known, ShopError::UnknownProduct(line.product.clone()));
            require!(
                stock.available >= line.quantity.units(),
                ShopError::InsufficientStock {
                    product: line.product.clone(),
                    available: stock.available,
                    requested: line.quantity,
                }
            );
        }
        let lines = self.lines.clone();
        emit!(streams.order, OrderEvent::Placed { lines }.into());
        for line in &self.lines {
            let reserved = ProductEvent::Reserved {
                order: self.order.clone(),
                quantity: line.quantity,
            };
            handle_of(&mut streams.lines, line.product())?.emit(reserved.into());
        }
        Ok(())
    }
}

/// Restocks a product; the first restock puts it in the catalogue.
#[derive(Clone, Debug, Command)]
#[command(event = ShopEvent)]
pub struct RestockProduct {
    /// The product.
    #[stream(state = Stock)]
    pub product: ProductId,
    /// How many units arrive.
    pub quantity: Quantity,
}

impl CommandLogic for RestockProduct {
    type Error = ShopError;

    fn handle(&self, state: Self::State, streams: &mut Self::Streams<'_>) -> Result<(), ShopError> {
        let on_hand = state.product.on_hand();
        require!(
            on_hand.saturating_add(self.quantity.units()) <= Stock::CAPACITY,
            ShopError::OverCapacity {
                product: self.product.clone(),
                on_hand,
                incoming: self.quantity,
            }
        );
        let restocked = ProductEvent::Restocked {
            quantity: self.quantity,
        };
        emit!(streams.product, restocked.into());
        Ok(())
    }
}

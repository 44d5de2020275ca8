//! Cancelling and shipping an order: both discover the order's products
//! from the order's own stream, then write to the order and to every one
//! of its products at once.

use eventcore::{
    Command, CommandLogic, StreamHandle, StreamHandles, StreamId, StreamResolver, StreamStates,
};

use super::{
    Order, OrderEvent, OrderId, ProductEvent, Quantity, ShopError, ShopEvent, Stock,
    commands::{ensure_open, handle_of},
};

/// The products of the order folded so far: the streams a resolver asks
/// for once it has seen the order.
fn products_of(order: &Order) -> Vec<StreamId> {
    order
        .lines
        .iter()
        .map(|line| line.product.stream_id().clone())
        .collect()
}

/// Ends an open order: `order_event` on the order's stream, and on each
/// line's product `product_event(order, quantity)`, after checking that
/// the product holds the line's reservation (so no reserved stock goes
/// below zero).
fn settle<C: Command<Event = ShopEvent>>(
    id: &OrderId,
    order: &Order,
    stocks: &StreamStates<Stock>,
    order_stream: &mut StreamHandle<'_, C>,
    products: &mut StreamHandles<'_, C>,
    order_event: OrderEvent,
    product_event: fn(OrderId, Quantity) -> ProductEvent,
) -> Result<(), ShopError> {
    ensure_open(order, id)?;
    for line in &order.lines {
        // A discovered product with no events has no entry.
        let reserved = stocks.get(line.product()).map_or(0, |stock| stock.reserved);
        if reserved < line.quantity.units() {
            return Err(ShopError::ReservationMissing {
                order: id.clone(),
                product: line.product.clone(),
                reserved,
                quantity: line.quantity,
            });
        }
    }
    order_stream.emit(order_event.into());
    for line in &order.lines {
        let event = product_event(id.clone(), line.quantity);
        handle_of(products, line.product())?.emit(event.into());
    }
    Ok(())
}

/// Cancels a placed order and releases its reserved stock on every one of
/// its products.
///
/// The command names only the order: its products are discovered from the
/// order's lines (`#[command(resolver)]`), and each discovered product's
/// stream folds into a [`Stock`] (`discovered_state = Stock`), so the
/// release is checked against what the product holds.
#[derive(Clone, Debug, Command)]
#[command(event = ShopEvent, resolver, discovered_state = Stock)]
pub struct CancelOrder {
    /// The order.
    #[stream(state = Order)]
    pub order: OrderId,
}

impl StreamResolver for CancelOrder {
    fn resolve(&self, state: &CancelOrderState) -> Vec<StreamId> {
        products_of(&state.order)
    }
}

impl CommandLogic for CancelOrder {
    type Error = ShopError;

    fn handle(&self, state: Self::State, streams: &mut Self::Streams<'_>) -> Result<(), ShopError> {
        let released = |order, quantity| ProductEvent::Released { order, quantity };
        settle(
            &self.order,
            &state.order,
            &state.discovered,
            &mut streams.order,
            &mut streams.discovered,
            OrderEvent::Cancelled,
            released,
        )
    }
}

/// Ships a placed order: its reserved units leave the warehouse, on every
/// one of its products. Its products are discovered like
/// [`CancelOrder`]'s.
#[derive(Clone, Debug, Command)]
#[command(event = ShopEvent, resolver, discovered_state = Stock)]
pub struct ShipOrder {
    /// The order.
    #[stream(state = Order)]
    pub order: OrderId,
}

impl StreamResolver for ShipOrder {
    fn resolve(&self, state: &ShipOrderState) -> Vec<StreamId> {
        products_of(&state.order)
    }
}

impl CommandLogic for ShipOrder {
    type Error = ShopError;

    fn handle(&self, state: Self::State, streams: &mut Self::Streams<'_>) -> Result<(), ShopError> {
        let shipped = |order, quantity| ProductEvent::Shipped { order, quantity };
        settle(
            &self.order,
            &state.order,
            &state.discovered,
            &mut streams.order,
            &mut streams.discovered,
            OrderEvent::Shipped,
            shipped,
        )
    }
}

//! A scenario's history may mix streams named by different id types.

#![cfg(test)]

use eventcore::{Command, CommandLogic, Event, Fold, RecordedEvent, StreamId, require};
use eventcore_testing::scenario::{given, given_no_events};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
enum Shop {
    Restocked { units: u32 },
    Reserved { units: u32 },
    Placed { units: u32 },
}

#[derive(Clone, Debug, PartialEq)]
struct ProductId(StreamId);

impl From<ProductId> for StreamId {
    fn from(id: ProductId) -> Self {
        id.0
    }
}

#[derive(Clone, Debug, PartialEq)]
struct OrderId(StreamId);

impl From<OrderId> for StreamId {
    fn from(id: OrderId) -> Self {
        id.0
    }
}

#[derive(Default)]
struct Stock(u32);

impl Fold<Shop> for Stock {
    fn fold(&mut self, event: &RecordedEvent<Shop>) {
        match event.payload() {
            Shop::Restocked { units } => self.0 += units,
            Shop::Reserved { units } => self.0 -= units,
            Shop::Placed { .. } => {}
        }
    }
}

#[derive(Default)]
struct Order(bool);

impl Fold<Shop> for Order {
    fn fold(&mut self, event: &RecordedEvent<Shop>) {
        self.0 |= matches!(event.payload(), Shop::Placed { .. });
    }
}

#[derive(Debug, PartialEq, thiserror::Error)]
enum Refused {
    #[error("only {0} in stock")]
    Short(u32),
    #[error("the order is already placed")]
    Placed,
}

#[derive(Command)]
#[command(event = Shop)]
struct Place {
    #[stream(state = Order)]
    order: OrderId,
    #[stream(state = Stock)]
    product: ProductId,
    units: u32,
}

impl CommandLogic for Place {
    type Error = Refused;

    fn handle(&self, state: PlaceState, streams: &mut PlaceStreams<'_>) -> Result<(), Refused> {
        require!(!state.order.0, Refused::Placed);
        require!(
            state.product.0 >= self.units,
            Refused::Short(state.product.0)
        );
        streams.product.emit(Shop::Reserved { units: self.units });
        streams.order.emit(Shop::Placed { units: self.units });
        Ok(())
    }
}

fn ids() -> (OrderId, ProductId) {
    (
        OrderId(StreamId::try_new("order-1").unwrap()),
        ProductId(StreamId::try_new("product-lamp").unwrap()),
    )
}

#[test]
fn a_history_chains_events_of_streams_with_different_id_types() {
    let (order, product) = ids();
    given_no_events::<Shop>()
        .and(&product, Shop::Restocked { units: 3 })
        .when(Place {
            order: order.clone(),
            product: product.clone(),
            units: 2,
        })
        .then_emits([
            (product.0.clone(), Shop::Reserved { units: 2 }),
            (order.0.clone(), Shop::Placed { units: 2 }),
        ]);
    given([(product.clone(), Shop::Restocked { units: 3 })])
        .and(&order, Shop::Placed { units: 1 })
        .when(Place {
            order,
            product,
            units: 1,
        })
        .then_fails_with(Refused::Placed);
}

#[test]
fn events_added_with_and_come_after_the_given_ones() {
    let (order, product) = ids();
    given([(product.clone(), Shop::Restocked { units: 1 })])
        .and(&product, Shop::Reserved { units: 1 })
        .when(Place {
            order,
            product,
            units: 1,
        })
        .then_fails_with(Refused::Short(0));
}

//! `#[command(resolver, discovered_state = T)]`: the generated state folds
//! every discovered stream into its own `T`, keyed by id, next to the
//! declared fields' states.

#![cfg(test)]

use eventcore::{
    Command, CommandError, CommandExecutor, CommandLogic, Event, Fold, RecordedEvent, StreamId,
    StreamResolver, require,
};
use eventcore_memory::MemoryStore;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
enum Shop {
    Placed { products: Vec<String>, units: u32 },
    Restocked { units: u32 },
    Reserved { units: u32 },
    Released { units: u32 },
}

/// The products an order reserved, from its stream.
#[derive(Default)]
struct Order {
    products: Vec<StreamId>,
    units: u32,
}

impl Fold<Shop> for Order {
    fn fold(&mut self, event: &RecordedEvent<Shop>) {
        if let Shop::Placed { products, units } = event.payload() {
            self.products = products
                .iter()
                .filter_map(|p| StreamId::try_new(p).ok())
                .collect();
            self.units = *units;
        }
    }
}

#[derive(Default, Debug, PartialEq)]
struct Stock {
    available: u32,
    reserved: u32,
}

impl Fold<Shop> for Stock {
    fn fold(&mut self, event: &RecordedEvent<Shop>) {
        match event.payload() {
            Shop::Restocked { units } => self.available += units,
            Shop::Reserved { units } => {
                self.available -= units;
                self.reserved += units;
            }
            Shop::Released { units } => {
                self.available += units;
                self.reserved -= units;
            }
            Shop::Placed { .. } => {}
        }
    }
}

#[derive(Debug, PartialEq, thiserror::Error)]
#[error("{product} has only {reserved} reserved")]
struct NotReserved {
    product: String,
    reserved: u32,
}

/// Releases an order's units on every product it reserved: the products
/// are discovered from the order, and their states are generated.
#[derive(Command)]
#[command(event = Shop, resolver, discovered_state = Stock)]
struct Cancel {
    #[stream(state = Order)]
    order: StreamId,
}

impl StreamResolver for Cancel {
    fn resolve(&self, state: &CancelState) -> Vec<StreamId> {
        state.order.products.clone()
    }
}

impl CommandLogic for Cancel {
    type Error = NotReserved;

    fn handle(
        &self,
        state: CancelState,
        streams: &mut CancelStreams<'_>,
    ) -> Result<(), NotReserved> {
        let units = state.order.units;
        for product in &state.order.products {
            let reserved = state.discovered.get(product).map_or(0, |s| s.reserved);
            require!(
                reserved >= units,
                NotReserved {
                    product: product.to_string(),
                    reserved
                }
            );
            if let Some(handle) = streams.discovered.get_mut(product) {
                handle.emit(Shop::Released { units });
            }
        }
        Ok(())
    }
}

/// Writes one event: the test's setup.
#[derive(Command)]
#[command(event = Shop)]
struct Record {
    #[stream]
    stream: StreamId,
    event: Shop,
}

impl eventcore::CommandState for Record {
    type State = ();
    fn initial_state(&self) {}
    fn apply(&self, (): &mut (), _: &RecordedEvent<Shop>) {}
}

impl CommandLogic for Record {
    type Error = std::convert::Infallible;

    fn handle(&self, (): (), streams: &mut RecordStreams<'_>) -> Result<(), Self::Error> {
        streams.stream.emit(self.event.clone());
        Ok(())
    }
}

#[tokio::test]
async fn discovered_streams_fold_into_generated_states_keyed_by_id() {
    let executor = CommandExecutor::new(MemoryStore::new());
    let id = |name: &str| StreamId::try_new(name).unwrap();
    let record = |stream: &str, event| Record {
        stream: id(stream),
        event,
    };
    for (stream, event) in [
        ("product-a", Shop::Restocked { units: 5 }),
        ("product-b", Shop::Restocked { units: 5 }),
        ("product-a", Shop::Reserved { units: 2 }),
        ("product-b", Shop::Reserved { units: 2 }),
        (
            "order-1",
            Shop::Placed {
                products: vec!["product-a".into(), "product-b".into()],
                units: 2,
            },
        ),
        // An order naming a product that never reserved anything.
        (
            "order-2",
            Shop::Placed {
                products: vec!["product-a".into(), "product-c".into()],
                units: 1,
            },
        ),
    ] {
        executor.execute(record(stream, event)).await.unwrap();
    }
    let done = executor
        .execute(Cancel {
            order: id("order-1"),
        })
        .await
        .unwrap();
    let released: Vec<&str> = done.events.iter().map(|e| e.stream_id().as_str()).collect();
    assert_eq!(released, ["product-a", "product-b"]);
    let a: Stock = executor.load(&id("product-a")).await.unwrap();
    assert_eq!(
        a,
        Stock {
            available: 5,
            reserved: 0
        }
    );

    // product-c has no events: no state for it, and the rule refuses.
    let refused = executor
        .execute(Cancel {
            order: id("order-2"),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(
            &refused,
            CommandError::Rejected(NotReserved { reserved: 0, .. })
        ),
        "{refused:?}"
    );
}

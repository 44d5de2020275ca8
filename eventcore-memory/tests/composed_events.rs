//! Event enums composed of other event enums: type names and stored data
//! are the parts' own, old events read through the parts' upcasters, and a
//! fold over a part folds the composed enum's events.

#![cfg(test)]

use eventcore::{
    Command, CommandExecutor, CommandLogic, Event, EventMetadata, EventSerializer, Fold,
    JsonSerializer, RecordedEvent, SerializationError, SerializedEvent, SnapshotPolicy, StreamId,
    Upcasters, require,
    store::{AppendBatch, EventFilter, EventStore, ExpectedVersion, NewEvent},
};
use eventcore_memory::MemoryStore;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
#[event(upcasters = order_upcasters)]
enum OrderEvent {
    #[event(version = 2)]
    Placed {
        units: u32,
    },
    Cancelled,
}

/// Version 1 of `Placed` called the units `quantity`.
fn order_upcasters() -> Upcasters {
    Upcasters::new().upcast("Placed", 1, |mut data| {
        let units = data["quantity"].take();
        Ok(serde_json::json!({ "units": units }))
    })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
enum ProductEvent {
    Restocked {
        units: u32,
    },
    #[event(alias = "Held")]
    Reserved {
        units: u32,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
#[event(compose)]
enum ShopEvent {
    Order(OrderEvent),
    Product(ProductEvent),
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Stock {
    units: u32,
}

#[eventcore::fold(via = ShopEvent)]
impl Fold<ProductEvent> for Stock {
    fn fold(&mut self, event: &RecordedEvent<ProductEvent>) {
        match event.payload() {
            ProductEvent::Restocked { units } => self.units += units,
            ProductEvent::Reserved { units } => self.units -= units,
        }
    }
}

#[derive(Default)]
struct Order {
    placed: bool,
}

#[eventcore::fold(via = ShopEvent)]
impl Fold<OrderEvent> for Order {
    fn fold(&mut self, event: &RecordedEvent<OrderEvent>) {
        self.placed = matches!(event.payload(), OrderEvent::Placed { .. });
    }
}

#[derive(Debug, PartialEq, thiserror::Error)]
enum Refused {
    #[error("only {0} left")]
    Short(u32),
    #[error("already placed")]
    Placed,
}

/// Places an order and reserves its units: two parts in one command.
#[derive(Command)]
#[command(event = ShopEvent)]
struct Place {
    #[stream(state = Order)]
    order: StreamId,
    #[stream(state = Stock, snapshot)]
    product: StreamId,
    units: u32,
}

impl CommandLogic for Place {
    type Error = Refused;

    fn handle(&self, state: PlaceState, streams: &mut PlaceStreams<'_>) -> Result<(), Refused> {
        require!(!state.order.placed, Refused::Placed);
        require!(
            state.product.units >= self.units,
            Refused::Short(state.product.units)
        );
        streams
            .product
            .emit(ProductEvent::Reserved { units: self.units }.into());
        streams
            .order
            .emit(OrderEvent::Placed { units: self.units }.into());
        Ok(())
    }
}

fn stored(stream: &str, event: SerializedEvent) -> AppendBatch {
    AppendBatch::single(
        StreamId::try_new(stream).unwrap(),
        ExpectedVersion::Any,
        vec![NewEvent::new(event, EventMetadata::new())],
    )
}

#[test]
fn names_versions_and_aliases_are_the_parts() {
    assert_eq!(
        ShopEvent::EVENT_TYPES,
        ["Placed", "Cancelled", "Restocked", "Reserved"]
    );
    assert_eq!(ShopEvent::SCHEMA_VERSIONS, [2, 1, 1, 1]);
    assert_eq!(ShopEvent::EVENT_ALIASES, [("Held", "Reserved")]);
    let filter = EventFilter::decodable::<ShopEvent>();
    for name in ["Placed", "Cancelled", "Restocked", "Reserved", "Held"] {
        assert!(filter.matches("any", name), "{name}");
    }
    assert!(!filter.matches("any", "Shipped"));
}

#[test]
fn stored_data_is_the_parts_own() {
    let part = OrderEvent::Placed { units: 3 };
    let alone = JsonSerializer.encode(&part).unwrap();
    let composed = JsonSerializer.encode(&ShopEvent::from(part)).unwrap();
    assert_eq!(composed.event_type(), "Placed");
    assert_eq!(composed.payload(), alone.payload());
    assert_eq!(composed.schema_version(), 2);
}

#[tokio::test]
async fn events_written_by_a_part_read_as_the_composed_type_and_back() {
    let store = MemoryStore::new();
    // Written by code that knows only the parts, one of them at version 1.
    let restocked = JsonSerializer
        .encode(&ProductEvent::Restocked { units: 5 })
        .unwrap();
    store
        .append(stored("product-lamp", restocked))
        .await
        .unwrap();
    store
        .append(stored(
            "product-lamp",
            SerializedEvent::new("Held", r#"{"units":1}"#),
        ))
        .await
        .unwrap();
    store
        .append(stored(
            "order-0",
            SerializedEvent::new("Placed", r#"{"quantity":9}"#),
        ))
        .await
        .unwrap();

    let executor = CommandExecutor::new(store.clone()).snapshots(SnapshotPolicy::default());
    let lamp = StreamId::try_new("product-lamp").unwrap();
    let place = |order: &str, units| Place {
        order: StreamId::try_new(order).unwrap(),
        product: lamp.clone(),
        units,
    };
    executor.execute(place("order-1", 3)).await.unwrap();
    let short = executor.execute(place("order-2", 2)).await.unwrap_err();
    assert!(
        matches!(short, eventcore::CommandError::Rejected(Refused::Short(1))),
        "{short:?}"
    );
    let placed = executor.execute(place("order-0", 1)).await.unwrap_err();
    assert!(
        matches!(placed, eventcore::CommandError::Rejected(Refused::Placed)),
        "{placed:?}"
    );

    // Read back with the parts alone, and with the composed type.
    let all = store
        .read_all(eventcore::GlobalPosition::START, &EventFilter::all(), 100)
        .await
        .unwrap();
    let old = all
        .iter()
        .find(|e| e.stream_id().as_str() == "order-0")
        .unwrap();
    assert_eq!(
        JsonSerializer.decode::<OrderEvent>(old).unwrap(),
        OrderEvent::Placed { units: 9 },
        "upcast by the part"
    );
    assert_eq!(
        JsonSerializer.decode::<ShopEvent>(old).unwrap(),
        ShopEvent::Order(OrderEvent::Placed { units: 9 }),
        "upcast through the composed type"
    );
    let reserved = all.iter().rfind(|e| e.event_type() == "Reserved").unwrap();
    assert_eq!(
        JsonSerializer.decode::<ProductEvent>(reserved).unwrap(),
        ProductEvent::Reserved { units: 3 }
    );
    // Stock folds both types now: name the one to load through.
    let stock: Stock = executor.load::<_, ProductEvent>(&lamp).await.unwrap();
    assert_eq!(stock.units, 1);
}

#[tokio::test]
async fn a_type_no_part_reads_is_an_unknown_type_listing_every_name() {
    let store = MemoryStore::new();
    store
        .append(stored("order-9", SerializedEvent::new("Shipped", "null")))
        .await
        .unwrap();
    let all = store
        .read_all(eventcore::GlobalPosition::START, &EventFilter::all(), 10)
        .await
        .unwrap();
    let err = JsonSerializer.decode::<ShopEvent>(&all[0]).unwrap_err();
    match err {
        SerializationError::UnknownEventType {
            event_type, known, ..
        } => {
            assert_eq!(event_type, "Shipped");
            assert_eq!(known, ShopEvent::EVENT_TYPES);
        }
        other => panic!("{other:?}"),
    }
}

// `#[derive(Event)]`: one event type name per variant, any variant shape,
// `#[event(rename = "..")]` to keep a stored name stable.
use eventcore::Event;

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, Event)]
enum OrderEvent {
    Placed { items: u32 },
    Paid(u64),
    #[event(rename = "OrderShipped")]
    Shipped,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, Event)]
enum Never {}

fn main() {
    assert_eq!(OrderEvent::EVENT_TYPES, ["Placed", "Paid", "OrderShipped"]);
    assert_eq!(OrderEvent::Paid(3).event_type(), "Paid");
    assert_eq!(OrderEvent::Shipped.event_type(), "OrderShipped");
    assert!(Never::EVENT_TYPES.is_empty());
}

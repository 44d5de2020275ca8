// Versions, aliases and upcasters on an event enum, generic or not.
use eventcore::{Event, Upcasters};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
#[event(upcasters = upcasters)]
enum BankEvent {
    #[event(rename = "AccountCreated", alias = "AccountOpened", alias = "Opened", version = 2)]
    Created { owner: String },
    #[event(version = 3)]
    Deposited(u64),
    Closed,
}

fn upcasters() -> Upcasters {
    Upcasters::new()
        .upcast_renamed("AccountOpened", 1, "AccountCreated", Ok)
        .upcast("Deposited", 1, Ok)
        .upcast("Deposited", 2, Ok)
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
#[event(upcasters = upcasters)]
enum Generic<T> {
    #[event(version = 2)]
    Happened(T),
}

fn main() {
    assert_eq!(BankEvent::EVENT_TYPES, ["AccountCreated", "Deposited", "Closed"]);
    assert_eq!(BankEvent::SCHEMA_VERSIONS, [2, 3, 1]);
    assert_eq!(BankEvent::current_name("Opened"), Some("AccountCreated"));
    assert!(BankEvent::upcasters().is_some_and(|u| u.check().is_ok()));
    assert_eq!(Generic::<u8>::schema_version("Happened"), Some(2));
}

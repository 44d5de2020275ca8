//! Upcasters: events stored by older code read into today's types, through
//! version chains, renames, typed steps and retired types; every failure is
//! a typed error naming the event.

#![cfg(test)]

use eventcore::{
    Event, EventMetadata, EventSerializer, GlobalPosition, JsonSerializer, SerializationError,
    SerializedEvent, StreamId, StreamVersion, Upcasters, store::StoredEvent,
};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

fn stored(event: SerializedEvent) -> StoredEvent {
    StoredEvent::new(
        StreamId::try_new("account-9").unwrap(),
        StreamVersion::new(2),
        GlobalPosition::new(5),
        EventMetadata::new(),
        event,
    )
}

/// How the first release wrote its events.
mod v1 {
    use eventcore::Event;
    use serde::{Deserialize, Serialize};

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
    pub enum BankEvent {
        AccountOpened { name: String },
        Deposited { amount: u64 },
        InterestAccrued { basis_points: u32 },
    }
}

/// Today: `AccountOpened` v1 became `AccountCreated` v2 (field renamed),
/// `Deposited` went through two versions (units to cents, then a currency),
/// and interest events are retired.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
#[event(upcasters = bank_upcasters)]
enum BankEvent {
    #[event(version = 2)]
    AccountCreated { owner: String },
    #[event(version = 3)]
    Deposited { cents: u64, currency: String },
}

#[derive(Deserialize)]
struct DepositedV2 {
    cents: u64,
}

#[derive(Serialize)]
struct DepositedV3 {
    cents: u64,
    currency: String,
}

impl From<DepositedV2> for DepositedV3 {
    fn from(old: DepositedV2) -> Self {
        Self {
            cents: old.cents,
            currency: "EUR".to_owned(),
        }
    }
}

fn bank_upcasters() -> Upcasters {
    Upcasters::new()
        .upcast_renamed("AccountOpened", 1, "AccountCreated", |mut data: Value| {
            Ok(json!({ "owner": data["name"].take() }))
        })
        .upcast("Deposited", 1, |data: Value| {
            let amount = data["amount"]
                .as_u64()
                .ok_or("`amount` is not a whole number")?;
            let cents = amount
                .checked_mul(100)
                .ok_or("`amount` overflows in cents")?;
            Ok(json!({ "cents": cents }))
        })
        .upcast_typed::<DepositedV2, DepositedV3>("Deposited", 2)
        .retire("InterestAccrued")
}

fn written_by_v1(event: &v1::BankEvent) -> StoredEvent {
    stored(JsonSerializer.encode(event).unwrap())
}

#[test]
fn a_chain_renames_types_and_fields_across_versions() {
    let created: BankEvent = JsonSerializer
        .decode(&written_by_v1(&v1::BankEvent::AccountOpened {
            name: "ada".to_owned(),
        }))
        .unwrap();
    assert_eq!(
        created,
        BankEvent::AccountCreated {
            owner: "ada".to_owned()
        }
    );
    let deposited: BankEvent = JsonSerializer
        .decode(&written_by_v1(&v1::BankEvent::Deposited { amount: 3 }))
        .unwrap();
    assert_eq!(
        deposited,
        BankEvent::Deposited {
            cents: 300,
            currency: "EUR".to_owned()
        }
    );
}

#[test]
fn a_chain_can_start_midway_and_events_at_the_current_version_skip_it() {
    let v2 = SerializedEvent::new("Deposited", r#"{"cents":7}"#).with_schema_version(2);
    let decoded: BankEvent = JsonSerializer.decode(&stored(v2)).unwrap();
    assert_eq!(
        decoded,
        BankEvent::Deposited {
            cents: 7,
            currency: "EUR".to_owned()
        }
    );
    let current = JsonSerializer
        .encode(&BankEvent::Deposited {
            cents: 1,
            currency: "CHF".to_owned(),
        })
        .unwrap();
    assert_eq!(current.schema_version(), 3);
    let same: BankEvent = JsonSerializer.decode(&stored(current)).unwrap();
    assert_eq!(
        same,
        BankEvent::Deposited {
            cents: 1,
            currency: "CHF".to_owned()
        }
    );
}

#[test]
fn events_stored_before_schema_versions_are_upcast_too() {
    let old = SerializedEvent::legacy_tagged("Deposited", r#"{"Deposited":{"amount":5}}"#);
    let decoded: BankEvent = JsonSerializer.decode(&stored(old)).unwrap();
    assert_eq!(
        decoded,
        BankEvent::Deposited {
            cents: 500,
            currency: "EUR".to_owned()
        }
    );
}

#[test]
fn retired_types_are_a_typed_skip() {
    let err = JsonSerializer
        .decode::<BankEvent>(&written_by_v1(&v1::BankEvent::InterestAccrued {
            basis_points: 5,
        }))
        .unwrap_err();
    assert!(err.is_retired(), "{err:?}");
    assert!(err.to_string().contains("\"InterestAccrued\""), "{err}");
}

#[test]
fn a_failing_step_names_the_event_the_type_and_the_version() {
    let bad = SerializedEvent::new("Deposited", r#"{"amount":"lots"}"#);
    let err = JsonSerializer
        .decode::<BankEvent>(&stored(bad))
        .unwrap_err();
    assert!(
        matches!(&err, SerializationError::Upcast { event_type, schema_version: 1, .. } if event_type == "Deposited"),
        "{err:?}"
    );
    let message = err.to_string();
    for part in [
        "account-9 version 2",
        "schema version 1",
        "not a whole number",
    ] {
        assert!(message.contains(part), "{part:?} missing from {message}");
    }
}

#[test]
fn a_version_without_a_way_forward_and_an_unknown_name_are_typed_errors() {
    let future = SerializedEvent::new("Deposited", "{}").with_schema_version(9);
    let err = JsonSerializer
        .decode::<BankEvent>(&stored(future))
        .unwrap_err();
    assert!(
        matches!(
            err,
            SerializationError::SchemaVersion {
                stored: 9,
                readable: 3,
                ..
            }
        ),
        "{err:?}"
    );
    let unknown = SerializedEvent::new("Withdrawn", "{}");
    let err = JsonSerializer
        .decode::<BankEvent>(&stored(unknown))
        .unwrap_err();
    assert!(
        matches!(&err, SerializationError::UnknownEventType { event_type, known, .. }
            if event_type == "Withdrawn" && known.contains(&"AccountCreated")),
        "{err:?}"
    );
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
#[event(upcasters = clashing_upcasters)]
enum Clashing {
    #[event(version = 2)]
    Opened,
}

fn clashing_upcasters() -> Upcasters {
    Upcasters::new()
        .upcast("Opened", 1, Ok)
        .upcast("Opened", 1, Ok)
        .upcast("Closed", 0, Ok)
        .retire("Closed")
}

#[test]
fn wrongly_registered_upcasters_report_every_mistake_when_used() {
    let problems = clashing_upcasters().check().unwrap_err();
    for part in [
        "two upcasters from schema version 1",
        "version 0",
        "both retired and upcast",
    ] {
        assert!(problems.contains(part), "{part:?} missing from {problems}");
    }
    let old = SerializedEvent::new("Opened", "null");
    let err = JsonSerializer.decode::<Clashing>(&stored(old)).unwrap_err();
    assert!(
        matches!(err, SerializationError::InvalidUpcasters { .. }),
        "{err:?}"
    );
}

proptest! {
    #[test]
    fn upcast_then_decode_equals_the_expected_current_event(amount in 0..u64::MAX / 100, name in any::<String>()) {
        let deposited: BankEvent = JsonSerializer.decode(&written_by_v1(&v1::BankEvent::Deposited { amount })).unwrap();
        prop_assert_eq!(deposited, BankEvent::Deposited { cents: amount * 100, currency: "EUR".to_owned() });
        let created: BankEvent = JsonSerializer.decode(&written_by_v1(&v1::BankEvent::AccountOpened { name: name.clone() })).unwrap();
        prop_assert_eq!(created, BankEvent::AccountCreated { owner: name });
    }

    #[test]
    fn amounts_that_overflow_are_upcast_errors_not_panics(amount in u64::MAX / 100 + 1..=u64::MAX) {
        let err = JsonSerializer.decode::<BankEvent>(&written_by_v1(&v1::BankEvent::Deposited { amount })).unwrap_err();
        let is_upcast = matches!(err, SerializationError::Upcast { .. });
        prop_assert!(is_upcast, "{:?}", err);
    }
}

//! What the default serializer stores: the variant's data alone, the type
//! name as the one discriminator, and the schema version; and how stored
//! events read back through renames, aliases, versions and the form kept
//! before schema versions.

#![cfg(test)]

use eventcore::{
    Event, EventMetadata, EventSerializer, GlobalPosition, JsonSerializer, SerializationError,
    SerializedEvent, StreamId, StreamVersion, store::StoredEvent,
};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

fn stored(event: SerializedEvent) -> StoredEvent {
    StoredEvent::new(
        StreamId::try_new("account-7").unwrap(),
        StreamVersion::new(3),
        GlobalPosition::new(11),
        EventMetadata::new(),
        event,
    )
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
enum Shapes {
    Struct { amount: u64, note: String },
    Tuple(u8, String),
    Newtype(i64),
    Unit,
}

#[test]
fn every_variant_shape_stores_its_data_alone_and_reads_back() {
    for (event, payload) in [
        (
            Shapes::Struct {
                amount: 5,
                note: "}{\"Struct\":".to_owned(),
            },
            r#"{"amount":5,"note":"}{\"Struct\":"}"#,
        ),
        (Shapes::Tuple(1, "a".to_owned()), r#"[1,"a"]"#),
        (Shapes::Newtype(-4), "-4"),
        (Shapes::Unit, "null"),
    ] {
        let encoded = JsonSerializer.encode(&event).unwrap();
        assert_eq!(encoded.payload(), payload, "{event:?}");
        assert_eq!(encoded.schema_version(), 1);
        let decoded: Shapes = JsonSerializer.decode(&stored(encoded)).unwrap();
        assert_eq!(decoded, event);
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
#[serde(rename_all = "snake_case")]
enum SerdeRenamed {
    MoneyIn {
        #[serde(rename = "cents")]
        amount: u64,
    },
    #[serde(rename = "gone")]
    Closed,
}

#[test]
fn serde_renames_change_neither_the_type_name_nor_the_stored_form() {
    let encoded = JsonSerializer
        .encode(&SerdeRenamed::MoneyIn { amount: 9 })
        .unwrap();
    assert_eq!(encoded.event_type(), "MoneyIn");
    assert_eq!(encoded.payload(), r#"{"cents":9}"#);
    let closed = JsonSerializer.encode(&SerdeRenamed::Closed).unwrap();
    assert_eq!((closed.event_type(), closed.payload()), ("Closed", "null"));
    for encoded in [encoded, closed] {
        let decoded: SerdeRenamed = JsonSerializer.decode(&stored(encoded.clone())).unwrap();
        assert_eq!(decoded.event_type(), encoded.event_type());
    }
}

/// The events as the first release of a domain wrote them.
mod v1 {
    use eventcore::Event;
    use serde::{Deserialize, Serialize};

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
    pub enum BankEvent {
        AccountOpened { owner: String },
        Deposited { amount: u64 },
    }
}

/// The same domain later: a variant renamed in code (same type name), and
/// a type renamed with its old name kept as an alias.
mod v2 {
    use eventcore::Event;
    use serde::{Deserialize, Serialize};

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
    pub enum BankEvent {
        #[event(rename = "AccountCreated", alias = "AccountOpened")]
        Created { owner: String },
        #[event(rename = "Deposited")]
        MoneyIn { amount: u64 },
    }
}

#[test]
fn renamed_variants_and_aliased_types_read_old_events() {
    let opened = JsonSerializer
        .encode(&v1::BankEvent::AccountOpened {
            owner: "ada".to_owned(),
        })
        .unwrap();
    let deposited = JsonSerializer
        .encode(&v1::BankEvent::Deposited { amount: 12 })
        .unwrap();
    let created: v2::BankEvent = JsonSerializer.decode(&stored(opened)).unwrap();
    assert_eq!(
        created,
        v2::BankEvent::Created {
            owner: "ada".to_owned()
        }
    );
    assert_eq!(created.event_type(), "AccountCreated");
    let money_in: v2::BankEvent = JsonSerializer.decode(&stored(deposited)).unwrap();
    assert_eq!(money_in, v2::BankEvent::MoneyIn { amount: 12 });
}

#[test]
fn events_stored_before_schema_versions_read_back_even_after_a_variant_rename() {
    // Serde's tagged form, as stores kept it before schema versions; the
    // tag names the variant as it was then called.
    let old = SerializedEvent::legacy_tagged("Deposited", r#"{"Deposited":{"amount":12}}"#);
    let decoded: v2::BankEvent = JsonSerializer.decode(&stored(old)).unwrap();
    assert_eq!(decoded, v2::BankEvent::MoneyIn { amount: 12 });
    let unit = SerializedEvent::legacy_tagged("Unit", r#""Unit""#);
    assert_eq!(
        JsonSerializer.decode::<Shapes>(&stored(unit)).unwrap(),
        Shapes::Unit
    );
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
enum Versioned {
    Opened,
    #[event(version = 3)]
    Deposited {
        cents: u64,
    },
}

#[test]
fn events_carry_their_schema_version_and_other_versions_are_typed_errors() {
    let encoded = JsonSerializer
        .encode(&Versioned::Deposited { cents: 1 })
        .unwrap();
    assert_eq!(encoded.schema_version(), 3);
    assert_eq!(
        JsonSerializer
            .encode(&Versioned::Opened)
            .unwrap()
            .schema_version(),
        1
    );
    let same: Versioned = JsonSerializer.decode(&stored(encoded.clone())).unwrap();
    assert_eq!(same, Versioned::Deposited { cents: 1 });

    for (written, advice) in [(2, "register an upcaster"), (4, "newer code")] {
        let other = encoded.clone().with_schema_version(written);
        let err = JsonSerializer
            .decode::<Versioned>(&stored(other))
            .unwrap_err();
        assert!(
            matches!(err, SerializationError::SchemaVersion { stored, readable: 3, ref event_type, .. }
                if stored == written && event_type == "Deposited"),
            "{err:?}"
        );
        let message = err.to_string();
        for part in [
            "account-7 version 3",
            "\"Deposited\"",
            "schema version",
            advice,
        ] {
            assert!(message.contains(part), "{part:?} missing from {message}");
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
enum InternallyTagged {
    Opened { owner: String },
}

impl Event for InternallyTagged {
    const EVENT_TYPES: &'static [&'static str] = &["Opened"];

    fn event_type(&self) -> &'static str {
        "Opened"
    }
}

#[test]
fn a_type_that_is_not_an_externally_tagged_enum_is_stored_as_serde_writes_it() {
    let event = InternallyTagged::Opened {
        owner: "bo".to_owned(),
    };
    let encoded = JsonSerializer.encode(&event).unwrap();
    assert_eq!(encoded.payload(), r#"{"type":"Opened","owner":"bo"}"#);
    assert_eq!(
        JsonSerializer
            .decode::<InternallyTagged>(&stored(encoded))
            .unwrap(),
        event
    );
}

/// A hand-written `Event` whose type names are listed out of the variants'
/// order, and whose `event_type` disagrees with `EVENT_TYPES`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Twisted {
    First,
    Second,
}

impl Event for Twisted {
    const EVENT_TYPES: &'static [&'static str] = &["Second", "First"];

    fn event_type(&self) -> &'static str {
        match self {
            Self::First => "First",
            Self::Second => "Second",
        }
    }
}

#[test]
fn an_event_impl_that_disagrees_with_serde_is_refused_not_stored_wrongly() {
    let err = JsonSerializer.encode(&Twisted::First).unwrap_err();
    assert!(
        matches!(&err, SerializationError::Inconsistent { event_type, .. } if event_type == "First"),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("order of the enum's variants"),
        "{err}"
    );
    // Reading: the name picks serde's variant at its place, which decodes
    // as the other name: a typed mismatch, never the wrong event.
    let err = JsonSerializer
        .decode::<Twisted>(&stored(SerializedEvent::new("First", "null")))
        .unwrap_err();
    assert!(
        matches!(&err, SerializationError::TypeMismatch { stored, decoded: "Second", .. } if stored == "First"),
        "{err:?}"
    );
}

proptest! {
    #[test]
    fn any_text_in_any_shape_round_trips(note in any::<String>(), n in any::<i64>(), b in any::<u8>()) {
        for event in [
            Shapes::Struct { amount: n.unsigned_abs(), note: note.clone() },
            Shapes::Tuple(b, note.clone()),
            Shapes::Newtype(n),
        ] {
            let encoded = JsonSerializer.encode(&event).unwrap();
            let decoded: Shapes = JsonSerializer.decode(&stored(encoded)).unwrap();
            prop_assert_eq!(decoded, event);
        }
    }

    #[test]
    fn hostile_stored_payloads_are_typed_errors_never_panics(payload in any::<String>(), legacy in any::<bool>()) {
        let event = if legacy {
            SerializedEvent::legacy_tagged("Struct", payload)
        } else {
            SerializedEvent::new("Struct", payload)
        };
        if let Err(err) = JsonSerializer.decode::<Shapes>(&stored(event)) {
            let is_malformed = matches!(err, SerializationError::MalformedPayload { .. });
            prop_assert!(is_malformed, "{:?}", err);
        }
    }
}

//! Round-trip and failure properties of the default JSON serializer.

#![cfg(test)]

use eventcore::{
    Event, EventMetadata, EventSerializer, GlobalPosition, JsonSerializer, SerializationError,
    SerializedEvent, StreamId, StreamVersion, store::StoredEvent,
};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Ledger {
    Opened { owner: String },
    Deposited { amount: u64, note: Option<String> },
    Closed,
}

impl Event for Ledger {
    const EVENT_TYPES: &'static [&'static str] = &["Opened", "Deposited", "Closed"];

    fn event_type(&self) -> &'static str {
        match self {
            Self::Opened { .. } => "Opened",
            Self::Deposited { .. } => "Deposited",
            Self::Closed => "Closed",
        }
    }
}

fn ledger() -> impl Strategy<Value = Ledger> {
    prop_oneof![
        ".{0,20}".prop_map(|owner| Ledger::Opened { owner }),
        (any::<u64>(), proptest::option::of(".{0,20}"))
            .prop_map(|(amount, note)| Ledger::Deposited { amount, note }),
        Just(Ledger::Closed),
    ]
}

fn stored(event_type: &str, payload: &str) -> StoredEvent {
    StoredEvent::new(
        StreamId::try_new("ledger-1").unwrap(),
        StreamVersion::new(4),
        GlobalPosition::new(9),
        EventMetadata::new(),
        SerializedEvent::new(event_type.to_owned(), payload),
    )
}

proptest! {
    #[test]
    fn encode_then_decode_is_identity(event in ledger()) {
        let encoded = JsonSerializer.encode(&event).unwrap();
        prop_assert_eq!(encoded.event_type(), event.event_type());
        let decoded: Ledger = JsonSerializer.decode(&stored(encoded.event_type(), encoded.payload())).unwrap();
        prop_assert_eq!(decoded, event);
    }

    #[test]
    fn unknown_types_are_typed_errors(name in "[A-Z][a-z]{1,12}") {
        prop_assume!(!Ledger::EVENT_TYPES.contains(&name.as_str()));
        let err = JsonSerializer.decode::<Ledger>(&stored(&name, "{}")).unwrap_err();
        let message = err.to_string();
        let is_unknown = matches!(&err, SerializationError::UnknownEventType { event_type, .. } if *event_type == name);
        prop_assert!(is_unknown, "{:?}", err);
        prop_assert!(message.contains("ledger-1") && message.contains("version 4"), "{}", message);
    }

    #[test]
    fn malformed_payloads_are_typed_errors(garbage in "[^{}]{0,20}") {
        let err = JsonSerializer.decode::<Ledger>(&stored("Deposited", &garbage)).unwrap_err();
        let is_malformed = matches!(err, SerializationError::MalformedPayload { ref event_type, version, .. }
            if event_type == "Deposited" && version == StreamVersion::new(4));
        prop_assert!(is_malformed, "{:?}", err);
    }
}

#[test]
fn payload_of_another_variant_does_not_decode_as_the_stored_type() {
    // The stored type name picks the variant; the payload is its data alone,
    // so another variant's data is malformed for it.
    let payload = JsonSerializer.encode(&Ledger::Closed).unwrap();
    assert_eq!(payload.payload(), "null");
    let err = JsonSerializer
        .decode::<Ledger>(&stored("Opened", payload.payload()))
        .unwrap_err();
    assert!(
        matches!(err, SerializationError::MalformedPayload { ref event_type, .. } if event_type == "Opened"),
        "{err:?}"
    );
    assert!(err.to_string().contains("ledger-1"), "{err}");
}

#[test]
fn wrong_shape_payload_names_stream_version_and_type() {
    let err = JsonSerializer
        .decode::<Ledger>(&stored("Deposited", r#"{"amount":"lots"}"#))
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("\"Deposited\""), "{message}");
    assert!(message.contains("ledger-1 version 4"), "{message}");
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Reading {
    Measured {
        celsius: f64,
        calibration: Option<f32>,
        history: Vec<f64>,
    },
}

impl Event for Reading {
    const EVENT_TYPES: &'static [&'static str] = &["Measured"];

    fn event_type(&self) -> &'static str {
        "Measured"
    }
}

fn measured(celsius: f64, calibration: Option<f32>, history: Vec<f64>) -> Reading {
    Reading::Measured {
        celsius,
        calibration,
        history,
    }
}

#[test]
fn non_finite_numbers_are_refused_with_the_field_that_holds_them() {
    // Before: NaN was written as null, the append succeeded, and the event
    // never decoded again.
    for (event, path) in [
        (measured(f64::NAN, None, vec![]), "celsius"),
        (measured(1.0, Some(f32::INFINITY), vec![]), "calibration"),
        (
            measured(1.0, None, vec![2.0, f64::NEG_INFINITY]),
            "history[1]",
        ),
    ] {
        match JsonSerializer.encode(&event) {
            Err(SerializationError::NotRepresentable {
                event_type,
                path: found,
                rule,
            }) => {
                assert_eq!(event_type, "Measured");
                assert_eq!(found, path);
                assert!(rule.contains("cannot be written as JSON"), "{rule}");
            }
            other => panic!("{event:?} must be refused, got {other:?}"),
        }
    }
}

proptest! {
    #[test]
    fn finite_floats_decode_to_the_equal_event(
        celsius in any::<f64>().prop_filter("finite", |f| f.is_finite()),
        calibration in proptest::option::of(any::<f32>().prop_filter("finite", |f| f.is_finite())),
        history in proptest::collection::vec(any::<f64>().prop_filter("finite", |f| f.is_finite()), 0..4),
    ) {
        let event = measured(celsius, calibration, history);
        let encoded = JsonSerializer.encode(&event).unwrap();
        let decoded: Reading = JsonSerializer
            .decode(&stored(encoded.event_type(), encoded.payload()))
            .unwrap();
        prop_assert_eq!(decoded, event);
    }
}

//! Property tests for every smart constructor: valid input is accepted and
//! round-trips through serde; invalid input is rejected with a message that
//! names the rule.

#![cfg(test)]

use eventcore::{
    EventId, EventMetadata, GlobalPosition, StreamId, StreamVersion, Timestamp, UserId,
    ValidationError,
};
use eventcore_testing::strategies;
use proptest::prelude::*;

fn json_round_trip<T>(value: &T) -> T
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    serde_json::from_str(&serde_json::to_string(value).unwrap()).unwrap()
}

proptest! {
    #[test]
    fn valid_stream_ids_are_accepted_and_round_trip(name in strategies::valid_name()) {
        let id = StreamId::try_new(&name).unwrap();
        prop_assert_eq!(id.as_str(), name.as_str());
        prop_assert_eq!(json_round_trip(&id), id.clone());
        prop_assert_eq!(StreamId::try_from(name.clone()).unwrap(), id);
    }

    #[test]
    fn invalid_stream_ids_are_rejected_with_the_rule(name in strategies::invalid_name()) {
        let err = StreamId::try_new(&name).unwrap_err();
        let message = err.to_string();
        prop_assert!(message.starts_with("StreamId"), "{}", message);
        match err {
            ValidationError::Empty { .. } => prop_assert!(name.is_empty()),
            ValidationError::TooLong { length, max, .. } => {
                prop_assert!(length > max);
                prop_assert!(message.contains("at most 255 characters"), "{}", message);
            }
            ValidationError::ControlCharacter { .. } => {
                prop_assert!(name.chars().any(char::is_control));
                prop_assert!(message.contains("control character"), "{}", message);
            }
            ValidationError::Invalid { rule, .. } => {
                prop_assert!(
                    rule.contains("invisible or bidirectional formatting character")
                        || rule.contains("normalization form C"),
                    "{}",
                    message
                );
            }
            other => prop_assert!(false, "unexpected error {:?}", other),
        }
        // Deserializing the same text is rejected too.
        prop_assert!(serde_json::from_str::<StreamId>(&serde_json::to_string(&name).unwrap()).is_err());
    }

    #[test]
    fn valid_user_ids_are_accepted_and_round_trip(name in strategies::valid_name()) {
        let id = UserId::try_new(&name).unwrap();
        prop_assert_eq!(id.as_str(), name.as_str());
        prop_assert_eq!(json_round_trip(&id), id);
    }

    #[test]
    fn invalid_user_ids_are_rejected(name in strategies::invalid_name()) {
        let err = UserId::try_new(&name).unwrap_err();
        prop_assert!(err.to_string().starts_with("UserId"), "{}", err);
    }

    #[test]
    fn v7_event_ids_are_accepted_and_round_trip(id in strategies::event_id()) {
        prop_assert_eq!(EventId::try_from_uuid(*id.as_uuid()).unwrap(), id);
        prop_assert_eq!(json_round_trip(&id), id);
    }

    #[test]
    fn non_v7_uuids_are_rejected_with_their_version(bits in any::<u128>(), version in 0_u128..16) {
        prop_assume!(version != 7);
        let bits = (bits & !(0xF_u128 << 76)) | (version << 76);
        let uuid = uuid::Uuid::from_u128(bits);
        let err = EventId::try_from_uuid(uuid).unwrap_err();
        prop_assert_eq!(&err, &ValidationError::NotUuidV7 { uuid, version: version as usize });
        let message = err.to_string();
        prop_assert!(message.contains(&uuid.to_string()), "{}", message);
        prop_assert!(message.contains("UUIDv7"), "{}", message);
        let quoted = format!("\"{uuid}\""); prop_assert!(serde_json::from_str::<EventId>(&quoted).is_err());
    }

    #[test]
    fn versions_and_positions_round_trip(v in strategies::stream_version(), p in strategies::global_position()) {
        prop_assert_eq!(json_round_trip(&v), v);
        prop_assert_eq!(json_round_trip(&p), p);
        prop_assert_eq!(StreamVersion::new(v.value()), v);
        prop_assert!(v.value() == u64::MAX || v.next() > v);
    }

    #[test]
    fn timestamps_round_trip(t in strategies::timestamp()) {
        prop_assert_eq!(json_round_trip(&t), t);
        prop_assert_eq!(Timestamp::from(t.into_inner()), t);
    }

    #[test]
    fn metadata_round_trips(m in strategies::metadata()) {
        prop_assert_eq!(json_round_trip(&m), m.clone());
        // Re-stamping keeps the context but mints a new event id.
        let next = m.to_builder().build();
        prop_assert_eq!(next.correlation_id(), m.correlation_id());
        prop_assert_eq!(next.causation_id(), m.causation_id());
        prop_assert_eq!(next.actor(), m.actor());
        prop_assert_eq!(next.custom(), m.custom());
        prop_assert_ne!(next.event_id(), m.event_id());
    }
}

#[test]
fn minted_event_ids_are_v7_and_increase() {
    let ids: Vec<EventId> = (0..1000).map(|_| EventId::new()).collect();
    assert!(ids.iter().all(|id| id.as_uuid().get_version_num() == 7));
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ids minted in sequence must sort in order"
    );
}

#[test]
fn metadata_defaults_are_fresh() {
    let a = EventMetadata::new();
    let b = EventMetadata::new();
    assert_ne!(a.event_id(), b.event_id());
    assert_ne!(a.correlation_id(), b.correlation_id());
    assert!(a.causation_id().is_none() && a.actor().is_none() && a.custom().is_empty());
    assert!(GlobalPosition::START < GlobalPosition::new(1));
}

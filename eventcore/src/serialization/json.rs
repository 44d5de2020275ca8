//! The default serializer: JSON, with the type name as the one
//! discriminator.

use super::{
    EventSerializer, composed, finite,
    variants::{data_of, data_of_any, from_data, serde_variants},
};
use std::cell::RefCell;

use serde_json::Value;

use crate::{
    error::SerializationError,
    event::Event,
    store::{SerializedEvent, StoredEvent},
};

thread_local! {
    /// The buffer events are encoded into, reused by every encode on the
    /// thread.
    static ENCODE_BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The largest encode buffer kept for the next event, in bytes.
const MAX_KEPT_BUFFER: usize = 64 * 1024;

/// The default serializer: the event's serde JSON form, stored as the
/// variant's data alone, next to its type name and schema version.
///
/// Serde writes an enum variant as `{"Deposited":{"amount":5}}`; the store
/// keeps `{"amount":5}` with the type name `Deposited`, so that the type
/// name is the one discriminator and renaming a variant in code (keeping
/// its type name with `#[event(rename = "…")]`) never breaks a stored
/// payload. Unit variants store `null`, tuple variants an array, newtype
/// variants their inner value. A type that is not an externally tagged
/// enum (a struct, or an enum with `#[serde(tag = "…")]`) is stored as serde
/// writes it.
///
/// ```
/// use eventcore::{Event, EventSerializer, JsonSerializer};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
/// enum BankEvent {
///     Opened,
///     #[event(version = 2)]
///     Deposited { cents: u64 },
/// }
///
/// let encoded = JsonSerializer.encode(&BankEvent::Deposited { cents: 5 })?;
/// assert_eq!(encoded.event_type(), "Deposited");
/// assert_eq!(encoded.payload(), r#"{"cents":5}"#);
/// assert_eq!(encoded.schema_version(), 2);
/// assert_eq!(JsonSerializer.encode(&BankEvent::Opened)?.payload(), "null");
/// # Ok::<(), eventcore::SerializationError>(())
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct JsonSerializer;

impl EventSerializer for JsonSerializer {
    /// Encodes `event` as JSON. NaN and ±infinity anywhere in the event
    /// are refused with [`SerializationError::NotRepresentable`] naming the
    /// field: `serde_json` would write them as `null`, which never decodes
    /// back. Everything else decodes to an equal event: JSON keeps every
    /// other value serde writes, and floats round-trip exactly (the
    /// workspace builds `serde_json` with `float_roundtrip`).
    fn encode<E: Event>(&self, event: &E) -> Result<SerializedEvent, SerializationError> {
        if let Some(encoded) = event.visit_part(composed::EncodePart(self)) {
            return encoded;
        }
        let event_type = event.event_type();
        finite::check(event).map_err(|(path, rule)| SerializationError::NotRepresentable {
            event_type,
            path,
            rule,
        })?;
        let index = place::<E>(event_type).ok_or_else(|| SerializationError::Inconsistent {
            event_type: event_type.to_owned(),
            rule: format!(
                "`event_type()` returned {event_type:?}, which is not in `EVENT_TYPES` {:?}",
                E::EVENT_TYPES
            ),
        })?;
        let schema_version = version_at::<E>(index);
        // Written into a buffer this thread reuses, so the payload costs
        // one allocation: its `Arc<str>`.
        ENCODE_BUFFER.with_borrow_mut(|buffer| {
            if buffer.capacity() > MAX_KEPT_BUFFER {
                // One large event must not pin its buffer to the thread.
                *buffer = Vec::new();
            }
            buffer.clear();
            serde_json::to_writer(&mut *buffer, event)
                .map_err(|source| SerializationError::Encode { event_type, source })?;
            let json = std::str::from_utf8(buffer).map_err(|_| SerializationError::Inconsistent {
                event_type: event_type.to_owned(),
                rule: "serde_json wrote text that is not UTF-8".to_owned(),
            })?;
            let payload = match serde_variants::<E>() {
                None => json,
                Some(tags) => {
                    let tag = serde_tag::<E>(tags, index, event_type)?;
                    let data = data_of(json, tag).ok_or_else(|| SerializationError::Inconsistent {
                        event_type: event_type.to_owned(),
                        rule: format!(
                            "serde wrote it as {json}, not as the variant {tag:?} that has the place \
                             of {event_type:?} in `EVENT_TYPES`; list `EVENT_TYPES` in the order of \
                             the enum's variants"
                        ),
                    })?;
                    data.of(json)
                }
            };
            Ok(SerializedEvent::from_serde_json(
                event_type,
                schema_version,
                payload,
            ))
        })
    }

    fn decode<E: Event>(&self, stored: &StoredEvent) -> Result<E, SerializationError> {
        if let Some(decoded) = composed::decode::<E, _>(self, stored) {
            return decoded;
        }
        let stored_type = stored.event_type();
        // An event at its type's current version reads without upcasters.
        let fresh = E::current_name(stored_type)
            .and_then(|current| Some((current, place::<E>(current)?)))
            .filter(|(_, index)| version_at::<E>(*index) == stored.schema_version());
        let (current, event) = match fresh {
            Some((current, index)) => (current, decode_data::<E>(stored, current, index)?),
            None => upcast_and_decode::<E>(stored)?,
        };
        let decoded = event.event_type();
        if decoded != current {
            return Err(SerializationError::TypeMismatch {
                stream: stored.stream_id().clone(),
                version: stored.version(),
                stored: stored_type.to_owned(),
                decoded,
            });
        }
        Ok(event)
    }
}

/// The payload's data text: a payload kept before schema versions holds
/// serde's tagged form, whose tag (maybe a variant's old name) comes off.
fn stored_data(stored: &StoredEvent, tagged_enum: bool) -> &str {
    if tagged_enum && stored.payload().is_legacy_tagged() {
        data_of_any(stored.json()).unwrap_or(stored.json())
    } else {
        stored.json()
    }
}

fn malformed(stored: &StoredEvent, source: serde_json::Error) -> SerializationError {
    SerializationError::MalformedPayload {
        stream: stored.stream_id().clone(),
        version: stored.version(),
        event_type: stored.event_type().to_owned(),
        source,
    }
}

/// Decodes a stored event that is at the current version of `current`,
/// the type name at `index` in `EVENT_TYPES`.
fn decode_data<E: Event>(
    stored: &StoredEvent,
    current: &str,
    index: usize,
) -> Result<E, SerializationError> {
    match serde_variants::<E>() {
        None => serde_json::from_str(stored.json()).map_err(|e| malformed(stored, e)),
        Some(tags) => {
            let tag = serde_tag::<E>(tags, index, current)?;
            from_data(tag, stored_data(stored, true)).map_err(|e| malformed(stored, e))
        }
    }
}

/// Runs a stored event through its type's upcasters to a current type
/// name and version, then decodes it. Returns the current name with it.
fn upcast_and_decode<E: Event>(
    stored: &StoredEvent,
) -> Result<(&'static str, E), SerializationError> {
    let stored_type = stored.event_type();
    let unreadable = || match E::current_name(stored_type) {
        Some(current) => SerializationError::SchemaVersion {
            stream: stored.stream_id().clone(),
            version: stored.version(),
            event_type: stored_type.to_owned(),
            stored: stored.schema_version(),
            readable: E::schema_version(current).unwrap_or(1),
        },
        None => SerializationError::UnknownEventType {
            stream: stored.stream_id().clone(),
            version: stored.version(),
            event_type: stored_type.to_owned(),
            schema_version: stored.schema_version(),
            known: E::EVENT_TYPES,
        },
    };
    let Some(upcasters) = E::upcasters() else {
        return Err(unreadable());
    };
    upcasters
        .check()
        .map_err(|problems| SerializationError::InvalidUpcasters {
            event_type: stored_type.to_owned(),
            problems,
        })?;
    if upcasters.is_retired(stored_type) {
        return Err(SerializationError::Retired {
            stream: stored.stream_id().clone(),
            version: stored.version(),
            event_type: stored_type.to_owned(),
        });
    }
    let tags = serde_variants::<E>();
    let mut data: Value = serde_json::from_str(stored_data(stored, tags.is_some()))
        .map_err(|e| malformed(stored, e))?;
    let mut name = stored_type.to_owned();
    let mut version = stored.schema_version();
    loop {
        if let Some(current) = E::current_name(&name)
            && E::schema_version(current) == Some(version)
        {
            let value = match tags {
                None => data,
                Some(tags) => {
                    let index = place::<E>(current).unwrap_or(usize::MAX);
                    let tag = serde_tag::<E>(tags, index, current)?;
                    Value::Object(std::iter::once((tag.to_owned(), data)).collect())
                }
            };
            let event = serde_json::from_value(value).map_err(|e| malformed(stored, e))?;
            return Ok((current, event));
        }
        let Some(step) = upcasters.step(&name, version) else {
            return Err(unreadable());
        };
        data = step
            .apply(data)
            .map_err(|source| SerializationError::Upcast {
                stream: stored.stream_id().clone(),
                version: stored.version(),
                event_type: name.clone(),
                schema_version: version,
                source,
            })?;
        if let Some(renamed) = step.renamed_to() {
            name = renamed.to_owned();
        }
        // Each step raises the version, so the chain ends.
        version = version.checked_add(1).ok_or_else(unreadable)?;
    }
}

/// The place of `event_type` in `EVENT_TYPES`.
fn place<E: Event>(event_type: &str) -> Option<usize> {
    E::EVENT_TYPES.iter().position(|name| *name == event_type)
}

/// The current schema version of the type name at `index` in
/// `EVENT_TYPES`.
fn version_at<E: Event>(index: usize) -> u32 {
    E::SCHEMA_VERSIONS.get(index).copied().unwrap_or(1)
}

/// Serde's tag of the variant whose type name, `event_type`, is at `index`
/// in `EVENT_TYPES`: serde's variant at the same place.
fn serde_tag<E: Event>(
    tags: &'static [&'static str],
    index: usize,
    event_type: &str,
) -> Result<&'static str, SerializationError> {
    tags.get(index)
        .copied()
        .ok_or_else(|| SerializationError::Inconsistent {
            event_type: event_type.to_owned(),
            rule: format!(
                "`EVENT_TYPES` {:?} does not have it at a place of serde's {} variants ({tags:?}); \
             every variant needs one type name, and `#[serde(skip)]` variants cannot be events",
                E::EVENT_TYPES,
                tags.len()
            ),
        })
}

//! Turning typed events into the store's serialized form and back.

mod finite;

use crate::{
    error::SerializationError,
    event::Event,
    store::{SerializedEvent, StoredEvent},
};

/// Encodes typed events for storage and decodes stored events.
///
/// Implement it to change the wire format or to add upcasting for older
/// schemas. [`JsonSerializer`] is the default.
pub trait EventSerializer: Send + Sync + 'static {
    /// Encodes `event`.
    fn encode<E: Event>(&self, event: &E) -> Result<SerializedEvent, SerializationError>;

    /// Decodes a stored event into `E`. Unknown type names and malformed
    /// payloads are errors naming the stream, version and type.
    fn decode<E: Event>(&self, stored: &StoredEvent) -> Result<E, SerializationError>;
}

/// The default serializer: the event's serde JSON form, tagged with its
/// per-variant type name.
///
/// ```
/// use eventcore::{Event, EventSerializer, JsonSerializer};
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
/// # enum BankEvent { Deposited { amount: u64 } }
/// # impl Event for BankEvent {
/// #     const EVENT_TYPES: &'static [&'static str] = &["Deposited"];
/// #     fn event_type(&self) -> &'static str { "Deposited" }
/// # }
///
/// let encoded = JsonSerializer.encode(&BankEvent::Deposited { amount: 5 })?;
/// assert_eq!(encoded.event_type(), "Deposited");
/// assert_eq!(encoded.payload(), r#"{"Deposited":{"amount":5}}"#);
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
        let event_type = event.event_type();
        finite::check(event).map_err(|(path, rule)| SerializationError::NotRepresentable {
            event_type,
            path,
            rule,
        })?;
        let payload = serde_json::to_string(event)
            .map_err(|source| SerializationError::Encode { event_type, source })?;
        Ok(SerializedEvent::from_serde_json(event_type, payload))
    }

    fn decode<E: Event>(&self, stored: &StoredEvent) -> Result<E, SerializationError> {
        let stored_type = stored.event_type();
        if !E::EVENT_TYPES.contains(&stored_type) {
            return Err(SerializationError::UnknownEventType {
                stream: stored.stream_id().clone(),
                version: stored.version(),
                event_type: stored_type.to_owned(),
                known: E::EVENT_TYPES,
            });
        }
        let event: E = serde_json::from_str(stored.json()).map_err(|source| {
            SerializationError::MalformedPayload {
                stream: stored.stream_id().clone(),
                version: stored.version(),
                event_type: stored_type.to_owned(),
                source,
            }
        })?;
        let decoded = event.event_type();
        if decoded != stored_type {
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

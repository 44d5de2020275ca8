//! Why an event could not be encoded or decoded.

use crate::types::{StreamId, StreamVersion};

/// An event could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SerializationError {
    /// The stored event type is not one the target event enum knows: not a
    /// current name, not an alias, not retired, and no upcaster leads from
    /// it to one.
    #[error(
        "unknown event type {event_type:?} (schema version {schema_version}) at {stream} version {version}; known types: {known:?}"
    )]
    UnknownEventType {
        /// The stream holding the event.
        stream: StreamId,
        /// The event's version in that stream.
        version: StreamVersion,
        /// The stored type name.
        event_type: String,
        /// The stored schema version.
        schema_version: u32,
        /// The names the target type accepts.
        known: &'static [&'static str],
    },
    /// The payload did not decode into the event type.
    #[error(
        "malformed payload for event type {event_type:?} at {stream} version {version}: {source}"
    )]
    MalformedPayload {
        /// The stream holding the event.
        stream: StreamId,
        /// The event's version in that stream.
        version: StreamVersion,
        /// The stored type name.
        event_type: String,
        /// The decoder's complaint.
        #[source]
        source: serde_json::Error,
    },
    /// The payload decoded, but into a different variant than its stored type.
    #[error(
        "event at {stream} version {version} is stored as {stored:?} but its payload decodes as {decoded:?}"
    )]
    TypeMismatch {
        /// The stream holding the event.
        stream: StreamId,
        /// The event's version in that stream.
        version: StreamVersion,
        /// The stored type name.
        stored: String,
        /// The type name of the decoded value.
        decoded: &'static str,
    },
    /// An event holds a value its encoding cannot carry (NaN or ±infinity
    /// in JSON). Nothing is written.
    #[error("event of type {event_type:?} cannot be encoded: at {path}, {rule}")]
    NotRepresentable {
        /// The event's type name.
        event_type: &'static str,
        /// Where in the event, e.g. `celsius` or `items[2].price`.
        path: String,
        /// What is wrong with the value there.
        rule: String,
    },
    /// The stored event was written at a schema version this code does
    /// not read.
    #[error(
        "event of type {event_type:?} at {stream} version {version} was written at schema version {stored}, and this code reads version {readable}: {}",
        schema_advice(*.stored, *.readable)
    )]
    SchemaVersion {
        /// The stream holding the event.
        stream: StreamId,
        /// The event's version in that stream.
        version: StreamVersion,
        /// The stored type name.
        event_type: String,
        /// The schema version the event was written at.
        stored: u32,
        /// The schema version the current code reads for that type.
        readable: u32,
    },
    /// The stored event's type is retired: commands and projections skip it
    /// on purpose. Only code that asks for one event sees this error.
    #[error("event of type {event_type:?} at {stream} version {version} is retired and is skipped")]
    Retired {
        /// The stream holding the event.
        stream: StreamId,
        /// The event's version in that stream.
        version: StreamVersion,
        /// The stored type name.
        event_type: String,
    },
    /// An upcaster failed on a stored event. Nothing is decoded.
    #[error(
        "the upcaster of event type {event_type:?} from schema version {schema_version} failed on the event at {stream} version {version}: {source}"
    )]
    Upcast {
        /// The stream holding the event.
        stream: StreamId,
        /// The event's version in that stream.
        version: StreamVersion,
        /// The type name the failing step starts from.
        event_type: String,
        /// The schema version the failing step starts from.
        schema_version: u32,
        /// The upcaster's complaint.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// The event type's upcasters were registered wrongly (two steps from
    /// one version, a version 0, a type both retired and upcast).
    #[error("the upcasters of event type {event_type:?} are registered wrongly: {problems}")]
    InvalidUpcasters {
        /// The stored type name being read when the mistake showed.
        event_type: String,
        /// Every registration mistake.
        problems: String,
    },
    /// An event type's `Event` implementation disagrees with its serde form
    /// (a hand-written `EVENT_TYPES` out of the variants' order, or a
    /// `#[serde(skip)]` variant). Nothing is written.
    #[error(
        "the `Event` implementation of event type {event_type:?} disagrees with its serde form: {rule}"
    )]
    Inconsistent {
        /// The event's type name.
        event_type: String,
        /// What disagrees, and what to change.
        rule: String,
    },
    /// An event could not be encoded.
    #[error("could not encode event of type {event_type:?}: {source}")]
    Encode {
        /// The event's type name.
        event_type: &'static str,
        /// The encoder's complaint.
        #[source]
        source: serde_json::Error,
    },
}

impl SerializationError {
    /// Whether the event is of a retired type, to be skipped on purpose.
    #[must_use]
    pub const fn is_retired(&self) -> bool {
        matches!(self, Self::Retired { .. })
    }
}

/// What to do about an event written at another schema version.
fn schema_advice(stored: u32, readable: u32) -> &'static str {
    if stored < readable {
        "register an upcaster from that version (`#[event(upcasters = ..)]`)"
    } else {
        "it was written by newer code; deploy that code before reading it"
    }
}

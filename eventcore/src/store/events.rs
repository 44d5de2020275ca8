use std::{borrow::Cow, sync::Arc};

use crate::types::{EventMetadata, GlobalPosition, RecordedEvent, StreamId, StreamVersion};

/// An event in the form stores speak: its type name and a JSON payload.
///
/// [`NewEvent`] and [`StoredEvent`] embed one, next to what the store
/// adds (metadata; stream, version and position).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SerializedEvent {
    event_type: Cow<'static, str>,
    payload: Arc<str>,
}

impl SerializedEvent {
    /// Pairs a type name with an already-encoded JSON payload.
    #[must_use]
    pub fn new(event_type: impl Into<Cow<'static, str>>, payload: impl Into<Arc<str>>) -> Self {
        Self {
            event_type: event_type.into(),
            payload: payload.into(),
        }
    }

    /// The event type name.
    #[must_use]
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The JSON payload text.
    #[must_use]
    pub fn payload(&self) -> &str {
        &self.payload
    }

    /// Splits into the type name and the payload.
    #[must_use]
    pub fn into_parts(self) -> (Cow<'static, str>, Arc<str>) {
        (self.event_type, self.payload)
    }
}

/// A serialized event on its way into the store.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent {
    event: SerializedEvent,
    metadata: EventMetadata,
}

impl NewEvent {
    /// Pairs a serialized event with its metadata.
    #[must_use]
    pub const fn new(event: SerializedEvent, metadata: EventMetadata) -> Self {
        Self { event, metadata }
    }

    /// The serialized event.
    #[must_use]
    pub const fn event(&self) -> &SerializedEvent {
        &self.event
    }

    /// The event's metadata.
    #[must_use]
    pub const fn metadata(&self) -> &EventMetadata {
        &self.metadata
    }

    /// Turns this into the committed form, once the store has assigned a
    /// version and a position.
    #[must_use]
    pub fn into_stored(
        self,
        stream_id: StreamId,
        version: StreamVersion,
        position: GlobalPosition,
    ) -> StoredEvent {
        RecordedEvent::new(stream_id, version, position, self.metadata, self.event)
    }
}

/// A committed event in serialized form, as stores return it: a
/// [`RecordedEvent`] whose payload is the [`SerializedEvent`].
///
/// Immutable: fields are read through accessors only. Cloning is cheap for
/// events written in this process (the payload is shared).
///
/// ```
/// use eventcore::store::StoredEvent;
/// use eventcore::{EventMetadata, GlobalPosition, SerializedEvent, StreamId, StreamVersion};
///
/// let stored = StoredEvent::new(
///     StreamId::try_new("account-1")?,
///     StreamVersion::new(1),
///     GlobalPosition::new(7),
///     EventMetadata::new(),
///     SerializedEvent::new("Opened", r#"{"owner":"alice"}"#),
/// );
/// assert_eq!(stored.event_type(), "Opened");
/// assert_eq!(stored.json(), r#"{"owner":"alice"}"#);
/// # Ok::<(), eventcore::ValidationError>(())
/// ```
pub type StoredEvent = RecordedEvent<SerializedEvent>;

impl RecordedEvent<SerializedEvent> {
    /// The event type name.
    #[must_use]
    pub fn event_type(&self) -> &str {
        self.payload().event_type()
    }

    /// The JSON payload text.
    #[must_use]
    pub fn json(&self) -> &str {
        self.payload().payload()
    }
}

/// The events and current version of one stream, as read.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamEvents {
    stream_id: StreamId,
    version: StreamVersion,
    events: Vec<StoredEvent>,
}

impl StreamEvents {
    /// Assembles a stream read. `version` is the stream's version in the
    /// snapshot that produced `events`.
    #[must_use]
    pub const fn new(
        stream_id: StreamId,
        version: StreamVersion,
        events: Vec<StoredEvent>,
    ) -> Self {
        Self {
            stream_id,
            version,
            events,
        }
    }

    /// The stream.
    #[must_use]
    pub const fn stream_id(&self) -> &StreamId {
        &self.stream_id
    }

    /// The stream's version when it was read (0 if it does not exist).
    #[must_use]
    pub const fn version(&self) -> StreamVersion {
        self.version
    }

    /// The stream's events in version order.
    #[must_use]
    pub fn events(&self) -> &[StoredEvent] {
        &self.events
    }

    /// Takes the events out.
    #[must_use]
    pub fn into_events(self) -> Vec<StoredEvent> {
        self.events
    }
}

/// The result of [`EventStore::read_streams`](super::EventStore::read_streams):
/// every requested stream once, in the order first requested.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StreamsRead {
    streams: Vec<StreamEvents>,
}

impl StreamsRead {
    /// Wraps per-stream reads.
    #[must_use]
    pub const fn new(streams: Vec<StreamEvents>) -> Self {
        Self { streams }
    }

    /// The streams, in request order.
    #[must_use]
    pub fn streams(&self) -> &[StreamEvents] {
        &self.streams
    }

    /// Takes the streams out.
    #[must_use]
    pub fn into_streams(self) -> Vec<StreamEvents> {
        self.streams
    }

    /// One stream's read, if it was requested.
    #[must_use]
    pub fn stream(&self, id: &StreamId) -> Option<&StreamEvents> {
        self.streams.iter().find(|s| s.stream_id() == id)
    }

    /// The version of `id` as read (0 if absent or not requested).
    #[must_use]
    pub fn version_of(&self, id: &StreamId) -> StreamVersion {
        self.stream(id)
            .map_or(StreamVersion::INITIAL, StreamEvents::version)
    }
}

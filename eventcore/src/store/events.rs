use std::{borrow::Cow, sync::Arc};

use crate::types::{EventMetadata, GlobalPosition, RecordedEvent, StreamId, StreamVersion};

/// An event in the form stores speak: its type name and a JSON payload.
///
/// [`NewEvent`] and [`StoredEvent`] embed one, next to what the store
/// adds (metadata; stream, version and position).
#[derive(Clone, Debug)]
pub struct SerializedEvent {
    event_type: Cow<'static, str>,
    schema_version: u32,
    payload: Arc<str>,
    /// Whether the payload is known to be well-formed JSON (it came from
    /// `serde_json`), so [`check_payload`](Self::check_payload) need not parse it.
    well_formed: bool,
    /// Whether the payload is in the form stores kept before schema
    /// versions: serde's own, with the variant's name around its data.
    legacy_tagged: bool,
}

impl PartialEq for SerializedEvent {
    fn eq(&self, other: &Self) -> bool {
        self.event_type == other.event_type
            && self.schema_version == other.schema_version
            && self.legacy_tagged == other.legacy_tagged
            && self.payload == other.payload
    }
}

impl Eq for SerializedEvent {}

impl SerializedEvent {
    /// Pairs a type name with an already-encoded JSON payload (the event's
    /// data, without its type name), at schema version 1. Stores check the
    /// payload when it is appended (see
    /// [`check_payload`](Self::check_payload)).
    #[must_use]
    pub fn new(event_type: impl Into<Cow<'static, str>>, payload: impl Into<Arc<str>>) -> Self {
        Self {
            event_type: event_type.into(),
            schema_version: 1,
            payload: payload.into(),
            well_formed: false,
            legacy_tagged: false,
        }
    }

    /// The same event at schema version `schema_version` (1 unless set).
    ///
    /// ```
    /// use eventcore::SerializedEvent;
    ///
    /// let event = SerializedEvent::new("Deposited", r#"{"cents":500}"#).with_schema_version(2);
    /// assert_eq!(event.schema_version(), 2);
    /// ```
    #[must_use]
    pub fn with_schema_version(self, schema_version: u32) -> Self {
        Self {
            schema_version,
            ..self
        }
    }

    /// An event a store kept before schema versions existed: its payload is
    /// serde's own form, with the variant's name around the data
    /// (`{"Deposited":{"amount":5}}`), and its schema version is 1. Stores
    /// return such rows this way so that they decode as they always did.
    ///
    /// ```
    /// use eventcore::SerializedEvent;
    ///
    /// let old = SerializedEvent::legacy_tagged("Deposited", r#"{"Deposited":{"amount":5}}"#);
    /// assert!(old.is_legacy_tagged());
    /// assert_eq!(old.schema_version(), 1);
    /// ```
    #[must_use]
    pub fn legacy_tagged(
        event_type: impl Into<Cow<'static, str>>,
        payload: impl Into<Arc<str>>,
    ) -> Self {
        Self {
            legacy_tagged: true,
            ..Self::new(event_type, payload)
        }
    }

    /// A payload `serde_json` just wrote: well-formed by construction.
    pub(crate) fn from_serde_json(
        event_type: &'static str,
        schema_version: u32,
        payload: &str,
    ) -> Self {
        Self {
            event_type: Cow::Borrowed(event_type),
            schema_version,
            payload: payload.into(),
            well_formed: true,
            legacy_tagged: false,
        }
    }

    /// Checks that the payload is JSON every store keeps as it is: well
    /// formed, with no `\u0000` escape (PostgreSQL's `jsonb` cannot hold
    /// the NUL character) and no unpaired UTF-16 surrogate escape. Returns
    /// the broken rule. Every store applies this rule on append, so a
    /// payload one store refuses is refused by all.
    ///
    /// ```
    /// use eventcore::SerializedEvent;
    ///
    /// assert!(SerializedEvent::new("E", r#"{"name":"\u00e9"}"#).check_payload().is_ok());
    /// assert!(SerializedEvent::new("E", "{not json").check_payload().is_err());
    /// assert!(SerializedEvent::new("E", r#"{"a":"\u0000"}"#).check_payload().is_err());
    /// assert!(SerializedEvent::new("E", r#"{"a":"\ud800"}"#).check_payload().is_err());
    /// // A literal backslash followed by "u0000" is text, not a NUL.
    /// assert!(SerializedEvent::new("E", r#"{"a":"\\u0000"}"#).check_payload().is_ok());
    /// ```
    ///
    /// The schema version is held to the same kind of rule: from 1 to
    /// `i32::MAX`, what every store keeps.
    ///
    /// ```
    /// use eventcore::SerializedEvent;
    ///
    /// let event = SerializedEvent::new("E", "null");
    /// assert!(event.clone().with_schema_version(0).check_payload().is_err());
    /// assert!(event.with_schema_version(1 << 31).check_payload().is_err());
    /// ```
    pub fn check_payload(&self) -> Result<(), String> {
        if !(1..=MAX_SCHEMA_VERSION).contains(&self.schema_version) {
            return Err(format!(
                "schema version {} is out of range: schema versions run from 1 to {MAX_SCHEMA_VERSION}",
                self.schema_version
            ));
        }
        if !self.well_formed {
            serde_json::from_str::<serde::de::IgnoredAny>(&self.payload)
                .map_err(|e| format!("must be valid JSON ({e})"))?;
        }
        check_escapes(&self.payload)
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

    /// The schema version the event was written at (1 unless set).
    #[must_use]
    pub const fn schema_version(&self) -> u32 {
        self.schema_version
    }

    /// Whether the payload is in the form stores kept before schema
    /// versions (see [`legacy_tagged`](Self::legacy_tagged)).
    #[must_use]
    pub const fn is_legacy_tagged(&self) -> bool {
        self.legacy_tagged
    }

    /// Splits into the type name and the payload.
    #[must_use]
    pub fn into_parts(self) -> (Cow<'static, str>, Arc<str>) {
        (self.event_type, self.payload)
    }
}

/// The highest schema version every store keeps (PostgreSQL's `integer`).
const MAX_SCHEMA_VERSION: u32 = i32::MAX.unsigned_abs();

/// Finds `\u0000` and unpaired surrogate escapes in well-formed JSON text.
fn check_escapes(json: &str) -> Result<(), String> {
    let bytes = json.as_bytes();
    let mut at = 0;
    // Whether the previous escape was a high surrogate awaiting its pair.
    let mut pending_high = false;
    while let Some(offset) = bytes[at..].iter().position(|b| *b == b'\\') {
        let escape = at + offset;
        let unit = match bytes.get(escape + 1) {
            Some(b'u') => json
                .get(escape + 2..escape + 6)
                .and_then(|hex| u16::from_str_radix(hex, 16).ok()),
            _ => None,
        };
        if pending_high {
            // A high surrogate must be followed at once by a low one.
            if offset != 0 || !matches!(unit, Some(0xDC00..=0xDFFF)) {
                return Err(lone_surrogate());
            }
            pending_high = false;
        } else {
            match unit {
                Some(0) => {
                    return Err(
                        "must not contain the escape \\u0000: the NUL character cannot be \
                         stored by every store (PostgreSQL jsonb refuses it)"
                            .to_owned(),
                    );
                }
                Some(0xDC00..=0xDFFF) => return Err(lone_surrogate()),
                Some(0xD800..=0xDBFF) => pending_high = true,
                _ => {}
            }
        }
        at = escape + if unit.is_some() { 6 } else { 2 };
    }
    if pending_high {
        return Err(lone_surrogate());
    }
    Ok(())
}

fn lone_surrogate() -> String {
    "must not contain an unpaired UTF-16 surrogate escape (\\uD800 to \\uDFFF)".to_owned()
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

    /// The schema version the event was written at.
    #[must_use]
    pub fn schema_version(&self) -> u32 {
        self.payload().schema_version()
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

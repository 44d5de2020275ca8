use super::{EventMetadata, GlobalPosition, StreamId, StreamVersion};

/// An event as it was committed: where it lives, its metadata and its
/// decoded payload.
///
/// Recorded events are immutable: every field is private and read through
/// accessors, and no method changes one.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedEvent<E> {
    stream_id: StreamId,
    version: StreamVersion,
    position: GlobalPosition,
    metadata: EventMetadata,
    payload: E,
}

impl<E> RecordedEvent<E> {
    /// Assembles a recorded event. Stores and the executor call this; user
    /// code normally receives recorded events rather than building them.
    #[must_use]
    pub const fn new(
        stream_id: StreamId,
        version: StreamVersion,
        position: GlobalPosition,
        metadata: EventMetadata,
        payload: E,
    ) -> Self {
        Self {
            stream_id,
            version,
            position,
            metadata,
            payload,
        }
    }

    /// The stream the event belongs to.
    #[must_use]
    pub const fn stream_id(&self) -> &StreamId {
        &self.stream_id
    }

    /// The event's version within its stream (1 for the first event).
    #[must_use]
    pub const fn version(&self) -> StreamVersion {
        self.version
    }

    /// The event's store-wide position.
    #[must_use]
    pub const fn position(&self) -> GlobalPosition {
        self.position
    }

    /// The event's metadata.
    #[must_use]
    pub const fn metadata(&self) -> &EventMetadata {
        &self.metadata
    }

    /// The decoded event.
    #[must_use]
    pub const fn payload(&self) -> &E {
        &self.payload
    }

    /// Takes the decoded event out.
    #[must_use]
    pub fn into_payload(self) -> E {
        self.payload
    }

    /// The same event with its payload replaced, e.g. decoded from its
    /// serialized form.
    ///
    /// ```
    /// use eventcore::{EventMetadata, GlobalPosition, RecordedEvent, StreamId, StreamVersion};
    ///
    /// let raw = RecordedEvent::new(
    ///     StreamId::try_new("account-1")?,
    ///     StreamVersion::new(1),
    ///     GlobalPosition::new(7),
    ///     EventMetadata::new(),
    ///     "42",
    /// );
    /// let parsed = raw.map(|text| text.parse::<u32>());
    /// assert_eq!(parsed.payload(), &Ok(42));
    /// assert_eq!(parsed.version(), StreamVersion::new(1));
    /// # Ok::<(), eventcore::ValidationError>(())
    /// ```
    #[must_use]
    pub fn map<F>(self, f: impl FnOnce(E) -> F) -> RecordedEvent<F> {
        RecordedEvent {
            stream_id: self.stream_id,
            version: self.version,
            position: self.position,
            metadata: self.metadata,
            payload: f(self.payload),
        }
    }
}

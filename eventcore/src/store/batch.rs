use std::collections::HashSet;

use super::NewEvent;
use crate::{
    error::ValidationError,
    types::{EventId, GlobalPosition, StreamId, StreamVersion},
};

/// The version a writer expects a stream to be at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExpectedVersion {
    /// The stream must be at exactly this version (0: must not exist yet).
    Exact(StreamVersion),
    /// No check: append at whatever version the stream has. Commands never
    /// use this; it exists for imports and tooling.
    Any,
}

impl ExpectedVersion {
    /// The stream must not exist yet.
    pub const NO_STREAM: Self = Self::Exact(StreamVersion::INITIAL);
}

impl From<StreamVersion> for ExpectedVersion {
    fn from(value: StreamVersion) -> Self {
        Self::Exact(value)
    }
}

/// One stream's part in an append: its expected version and the events to
/// add (none for a read-only participant).
#[derive(Clone, Debug, PartialEq)]
pub struct StreamWrite {
    stream_id: StreamId,
    expected: ExpectedVersion,
    events: Vec<NewEvent>,
}

impl StreamWrite {
    /// Events to append to `stream_id`, which must be at `expected`.
    #[must_use]
    pub fn new(
        stream_id: StreamId,
        expected: impl Into<ExpectedVersion>,
        events: Vec<NewEvent>,
    ) -> Self {
        Self {
            stream_id,
            expected: expected.into(),
            events,
        }
    }

    /// A read-only participant: nothing is written, but the append fails if
    /// the stream is no longer at `expected`.
    #[must_use]
    pub fn check_only(stream_id: StreamId, expected: StreamVersion) -> Self {
        Self::new(stream_id, expected, Vec::new())
    }

    /// The stream.
    #[must_use]
    pub const fn stream_id(&self) -> &StreamId {
        &self.stream_id
    }

    /// The expected version.
    #[must_use]
    pub const fn expected(&self) -> ExpectedVersion {
        self.expected
    }

    /// The events to write.
    #[must_use]
    pub fn events(&self) -> &[NewEvent] {
        &self.events
    }

    /// Splits into parts.
    #[must_use]
    pub fn into_parts(self) -> (StreamId, ExpectedVersion, Vec<NewEvent>) {
        (self.stream_id, self.expected, self.events)
    }
}

/// An atomic write across streams: either every event is committed and every
/// expected version held, or nothing is written.
///
/// ```
/// use eventcore::store::{AppendBatch, ExpectedVersion, StreamWrite};
/// use eventcore::{StreamId, StreamVersion};
///
/// let a = StreamId::try_new("a")?;
/// let batch = AppendBatch::try_new(vec![
///     StreamWrite::new(a.clone(), ExpectedVersion::NO_STREAM, vec![]),
///     StreamWrite::check_only(StreamId::try_new("b")?, StreamVersion::new(3)),
/// ])?;
/// assert_eq!(batch.writes().len(), 2);
///
/// // A stream may appear only once.
/// let twice = AppendBatch::try_new(vec![
///     StreamWrite::check_only(a.clone(), StreamVersion::INITIAL),
///     StreamWrite::check_only(a, StreamVersion::INITIAL),
/// ]);
/// assert!(twice.is_err());
/// # Ok::<(), eventcore::ValidationError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AppendBatch {
    writes: Vec<StreamWrite>,
}

impl AppendBatch {
    /// Builds a batch, rejecting a stream that appears twice.
    pub fn try_new(writes: Vec<StreamWrite>) -> Result<Self, ValidationError> {
        if writes.len() > 1 {
            let mut seen = HashSet::with_capacity(writes.len());
            for write in &writes {
                if !seen.insert(write.stream_id()) {
                    return Err(ValidationError::invalid(
                        "AppendBatch",
                        write.stream_id(),
                        "must name each stream once, with all of its events",
                    ));
                }
            }
        }
        Ok(Self { writes })
    }

    /// A batch that writes to a single stream.
    #[must_use]
    pub fn single(
        stream_id: StreamId,
        expected: impl Into<ExpectedVersion>,
        events: Vec<NewEvent>,
    ) -> Self {
        Self {
            writes: vec![StreamWrite::new(stream_id, expected, events)],
        }
    }

    /// The participating streams.
    #[must_use]
    pub fn writes(&self) -> &[StreamWrite] {
        &self.writes
    }

    /// Takes the writes out.
    #[must_use]
    pub fn into_writes(self) -> Vec<StreamWrite> {
        self.writes
    }

    /// Checks every payload against the rule all stores share (see
    /// [`SerializedEvent::check_payload`](crate::SerializedEvent::check_payload)).
    /// Stores call it before writing anything, so a batch one store refuses
    /// is refused by every store, with the same error.
    ///
    /// ```
    /// use eventcore::store::{AppendBatch, ExpectedVersion, NewEvent};
    /// use eventcore::{EventMetadata, SerializedEvent, StreamId};
    ///
    /// let bad = NewEvent::new(SerializedEvent::new("Opened", "{oops"), EventMetadata::new());
    /// let batch = AppendBatch::single(StreamId::try_new("account-1")?, ExpectedVersion::NO_STREAM, vec![bad]);
    /// let err = batch.check_payloads().unwrap_err();
    /// assert!(err.to_string().contains("event 1 of account-1 (Opened)"), "{err}");
    /// # Ok::<(), eventcore::ValidationError>(())
    /// ```
    pub fn check_payloads(&self) -> Result<(), ValidationError> {
        for write in &self.writes {
            for (index, event) in write.events().iter().enumerate() {
                event.event().check_payload().map_err(|rule| {
                    ValidationError::invalid(
                        "event payload",
                        format!(
                            "event {} of {} ({})",
                            index + 1,
                            write.stream_id(),
                            event.event().event_type()
                        ),
                        rule,
                    )
                })?;
            }
        }
        Ok(())
    }

    /// The number of events the batch writes.
    #[must_use]
    pub fn event_count(&self) -> usize {
        self.writes.iter().map(|w| w.events.len()).sum()
    }
}

/// Where one appended event landed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppendedEvent {
    /// Its stream.
    pub stream_id: StreamId,
    /// Its version in that stream.
    pub version: StreamVersion,
    /// Its global position.
    pub position: GlobalPosition,
    /// Its id, from its metadata.
    pub event_id: EventId,
}

/// What an append committed: each event in batch order, and the new version
/// of every stream in the batch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppendResult {
    /// The events, in the order of the batch (stream by stream).
    pub events: Vec<AppendedEvent>,
    /// Every participating stream with its version after the append.
    pub stream_versions: Vec<(StreamId, StreamVersion)>,
}

use crate::types::{StreamId, StreamVersion};

use super::NewEvent;

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

//! A stored row a store cannot turn into a [`StoredEvent`](super::StoredEvent).

use std::fmt;

use crate::{
    error::StoreError,
    types::{EventId, GlobalPosition},
};

/// A row of the store-wide feed that the store could not decode: its
/// metadata does not parse, its stream id breaks today's rules, a number is
/// out of range. Such rows come from other tools writing to the tables, or
/// from a version of this library with other rules.
///
/// [`EventStore::read_all_lenient`](super::EventStore::read_all_lenient)
/// returns one in the row's place, so a reader can decide what to do about
/// it; the projection runner hands it to its
/// [`ErrorPolicy`](crate::projection::ErrorPolicy). Everything the row still
/// says is kept as text, for the log and the operator.
///
/// ```
/// use eventcore::{EventId, GlobalPosition, StoreError, store::UndecodableEvent};
///
/// let id = EventId::new();
/// let row = UndecodableEvent::new(GlobalPosition::new(42), "metadata does not decode: expected a map")
///     .with_event_id(id)
///     .with_stream("account-7")
///     .with_event_type("Deposited");
/// assert_eq!(row.position(), GlobalPosition::new(42));
/// assert_eq!(row.event_id(), Some(id));
/// let error = StoreError::from(row);
/// assert!(error.to_string().contains("position 42"), "{error}");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UndecodableEvent {
    position: GlobalPosition,
    event_id: Option<EventId>,
    stream: String,
    event_type: String,
    reason: String,
}

impl UndecodableEvent {
    /// The row at `position`, and why it does not decode.
    #[must_use]
    pub fn new(position: GlobalPosition, reason: impl Into<String>) -> Self {
        Self {
            position,
            event_id: None,
            stream: String::new(),
            event_type: String::new(),
            reason: reason.into(),
        }
    }

    /// Sets the event id, when the row's id still reads.
    #[must_use]
    pub const fn with_event_id(mut self, id: EventId) -> Self {
        self.event_id = Some(id);
        self
    }

    /// Sets the stream id as stored, valid or not.
    #[must_use]
    pub fn with_stream(mut self, stream: impl Into<String>) -> Self {
        self.stream = stream.into();
        self
    }

    /// Sets the event type name as stored.
    #[must_use]
    pub fn with_event_type(mut self, event_type: impl Into<String>) -> Self {
        self.event_type = event_type.into();
        self
    }

    /// The row's global position.
    #[must_use]
    pub const fn position(&self) -> GlobalPosition {
        self.position
    }

    /// The row's event id, when it still reads.
    #[must_use]
    pub const fn event_id(&self) -> Option<EventId> {
        self.event_id
    }

    /// The stream id as stored (empty when unknown).
    #[must_use]
    pub fn stream(&self) -> &str {
        &self.stream
    }

    /// The event type name as stored (empty when unknown).
    #[must_use]
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// Why the row does not decode.
    #[must_use]
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for UndecodableEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the event at position {}", self.position)?;
        if let Some(id) = self.event_id {
            write!(f, " (event id {id}")?;
            if !self.stream.is_empty() {
                write!(f, ", stream {:?}", self.stream)?;
            }
            f.write_str(")")?;
        } else if !self.stream.is_empty() {
            write!(f, " (stream {:?})", self.stream)?;
        }
        write!(f, " cannot be decoded: {}", self.reason)
    }
}

impl std::error::Error for UndecodableEvent {}

impl From<UndecodableEvent> for StoreError {
    fn from(row: UndecodableEvent) -> Self {
        Self::Corrupt {
            detail: row.to_string(),
        }
    }
}

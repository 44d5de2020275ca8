//! The file format: one [`Entry`] per line, each a change the store made.
//!
//! An entry records a *decision*, never a request: the positions and
//! versions an append was given, the token and expiry a lease was granted,
//! the time a purge looked at. Replaying the file then repeats what was
//! decided, whatever the clock says now, and never decides anything again.
//!
//! Every type here checks itself while it is decoded (stream ids, keys,
//! queue and state-type names go through their constructors), so an entry
//! that decodes is valid and applying it cannot fail.

use eventcore::{
    CorrelationId, EventMetadata, GlobalPosition, IdempotencyKey, SerializedEvent, StreamId,
    StreamVersion, Timestamp, ValidationError,
    store::{NewEvent, ScheduledMessage, Settled, Snapshot, StoredEvent},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// One change, as one line of the file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Entry {
    /// A committed batch: its events in position order, and the
    /// idempotency record it claimed, in the same line (so in the same
    /// atomic write). Read-only participants leave no trace: their versions
    /// were checked under the lock before the line was written.
    Append {
        events: Vec<EventLine>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<KeyLine>,
    },
    /// Idempotency records expired at `at` were deleted.
    PurgeKeys { at: Timestamp },
    /// A checkpoint moved to `position`.
    Checkpoint {
        name: String,
        position: GlobalPosition,
    },
    /// A lease as granted, renewed or released (released: expired now).
    Lease(LeaseLine),
    /// A projection's control record after a request.
    Control {
        name: String,
        paused: bool,
        rebuilds_requested: u64,
        rebuilds_done: u64,
    },
    /// A message was scheduled.
    Schedule(Message),
    /// A pending message was settled at `at`.
    Settle {
        id: IdempotencyKey,
        fired: bool,
        at: Timestamp,
    },
    /// Messages settled before `before` were deleted.
    PurgeSettled { before: Timestamp },
    /// A snapshot was saved (replacing the one of its stream and type).
    Snapshot(SavedSnapshot),
    /// Every snapshot of `state_type` was deleted.
    DropSnapshots { state_type: String },
}

/// One event of a committed batch, with the version and position the
/// store gave it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct EventLine {
    pub(crate) stream: StreamId,
    pub(crate) version: StreamVersion,
    pub(crate) position: GlobalPosition,
    event_type: String,
    schema_version: u32,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    legacy_tagged: bool,
    /// The payload as a JSON *string*: kept byte for byte, and any newline
    /// in it is escaped, so it cannot break the one-line framing.
    payload: String,
    metadata: EventMetadata,
}

impl EventLine {
    pub(crate) fn new(
        stream: StreamId,
        version: StreamVersion,
        position: GlobalPosition,
        event: &NewEvent,
    ) -> Self {
        let serialized = event.event();
        Self {
            stream,
            version,
            position,
            event_type: serialized.event_type().to_owned(),
            schema_version: serialized.schema_version(),
            legacy_tagged: serialized.is_legacy_tagged(),
            payload: serialized.payload().to_owned(),
            metadata: event.metadata().clone(),
        }
    }

    /// The event as readers get it.
    pub(crate) fn into_stored(self) -> StoredEvent {
        let event = if self.legacy_tagged {
            SerializedEvent::legacy_tagged(self.event_type, self.payload)
        } else {
            SerializedEvent::new(self.event_type, self.payload)
                .with_schema_version(self.schema_version)
        };
        StoredEvent::new(
            self.stream,
            self.version,
            self.position,
            self.metadata,
            event,
        )
    }
}

/// An idempotency record, as its batch claimed it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct KeyLine {
    pub(crate) key: IdempotencyKey,
    pub(crate) command: String,
    pub(crate) fingerprint: Uuid,
    pub(crate) recorded_at: Timestamp,
    /// `None`: kept for ever.
    pub(crate) expires_at: Option<Timestamp>,
}

impl KeyLine {
    /// Whether the record still counts at `now`.
    pub(crate) fn is_live(&self, now: Timestamp) -> bool {
        self.expires_at.is_none_or(|at| at > now)
    }
}

/// A lease's holder, fencing token and expiry (wall clock).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct LeaseLine {
    pub(crate) name: String,
    pub(crate) holder: String,
    pub(crate) token: u64,
    pub(crate) expires_at: Timestamp,
}

impl LeaseLine {
    pub(crate) fn is_live(&self, now: Timestamp) -> bool {
        self.expires_at > now
    }
}

/// A [`ScheduledMessage`], written as its parts and checked by its
/// constructor when read back.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "MessageParts", into = "MessageParts")]
pub(crate) struct Message(pub(crate) ScheduledMessage);

#[derive(Serialize, Deserialize)]
struct MessageParts {
    id: IdempotencyKey,
    queue: String,
    due_at: Timestamp,
    payload: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    correlation_id: Option<CorrelationId>,
}

impl TryFrom<MessageParts> for Message {
    type Error = ValidationError;

    fn try_from(parts: MessageParts) -> Result<Self, Self::Error> {
        let message = ScheduledMessage::new(parts.id, parts.queue, parts.due_at, parts.payload)?;
        Ok(Self(match parts.correlation_id {
            Some(correlation) => message.correlated(correlation),
            None => message,
        }))
    }
}

impl From<Message> for MessageParts {
    fn from(Message(message): Message) -> Self {
        Self {
            id: message.id().clone(),
            queue: message.queue().to_owned(),
            due_at: message.due_at(),
            payload: message.payload().clone(),
            correlation_id: message.correlation_id(),
        }
    }
}

/// How a settled message ended, as an entry says it.
pub(crate) const fn settled(fired: bool) -> Settled {
    if fired {
        Settled::Fired
    } else {
        Settled::Cancelled
    }
}

/// A [`Snapshot`], written as its parts and checked by its constructor when
/// read back.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "SnapshotParts", into = "SnapshotParts")]
pub(crate) struct SavedSnapshot(pub(crate) Snapshot);

#[derive(Serialize, Deserialize)]
struct SnapshotParts {
    stream: StreamId,
    state_type: String,
    version: StreamVersion,
    fingerprint: String,
    state: Value,
}

impl TryFrom<SnapshotParts> for SavedSnapshot {
    type Error = ValidationError;

    fn try_from(parts: SnapshotParts) -> Result<Self, Self::Error> {
        Snapshot::new(
            parts.stream,
            parts.state_type,
            parts.version,
            parts.fingerprint,
            parts.state,
        )
        .map(Self)
    }
}

impl From<SavedSnapshot> for SnapshotParts {
    fn from(SavedSnapshot(snapshot): SavedSnapshot) -> Self {
        Self {
            stream: snapshot.stream_id().clone(),
            state_type: snapshot.state_type().to_owned(),
            version: snapshot.version(),
            fingerprint: snapshot.fingerprint().to_owned(),
            state: snapshot.state().clone(),
        }
    }
}

use std::time::Duration;

use crate::{
    store::{HeldBack, StoredEvent, UndecodableEvent},
    types::{EventId, GlobalPosition, StreamVersion, Timestamp},
};

/// Where a runner is in its life.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProjectionStatus {
    /// Started, not yet processing.
    Starting,
    /// Waiting for the lease, which another runner holds.
    Standby,
    /// Processing events behind the head.
    CatchingUp,
    /// Caught up and following live notifications.
    Live,
    /// Paused on request.
    Paused,
    /// Waiting before retrying after a failure: a batch the projection could
    /// not apply (under the [`ErrorPolicy`](super::ErrorPolicy)), or a store
    /// operation that failed (under the
    /// [`StoreRetryPolicy`](super::StoreRetryPolicy)).
    Retrying {
        /// How many tries in a row have failed.
        attempt: u32,
        /// The last failure.
        error: String,
    },
    /// Stopped by the error policy, or by a store failure that outlasted
    /// the store retry budget; the error is kept.
    Failed {
        /// The error that stopped it.
        error: String,
    },
    /// Shut down on request.
    Stopped,
}

/// An event the runner passed over without applying it. Nothing is skipped
/// silently: each one is listed in [`ProjectionHealth::skipped`] and logged
/// at error level (warn for operator-listed ones) with the same fields.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SkippedEvent {
    /// Its global position.
    pub position: GlobalPosition,
    /// Its event id, when the row's id still reads.
    pub event_id: Option<EventId>,
    /// Its stream id as stored (for an undecodable row it may break the
    /// rules of [`StreamId`](crate::StreamId)).
    pub stream: String,
    /// Its version in that stream, when the row decoded.
    pub version: Option<StreamVersion>,
    /// Its type name as stored.
    pub event_type: String,
    /// Why it was skipped.
    pub cause: SkipCause,
    /// The error that led to it (for a listed event: that it was listed).
    pub error: String,
}

/// Why the runner skipped an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipCause {
    /// Applying or decoding it failed, and the
    /// [`ErrorPolicy`](super::ErrorPolicy) skips failing events.
    Failed,
    /// The store cannot decode its row (see
    /// [`UndecodableEvent`](crate::store::UndecodableEvent)), and the error
    /// policy skips failing events.
    Undecodable,
    /// An operator listed its position in
    /// [`RunnerConfig::skip_positions`](super::RunnerConfig::skip_positions).
    Listed,
}

impl SkippedEvent {
    pub(crate) fn of_event(event: &StoredEvent, cause: SkipCause, error: String) -> Self {
        Self {
            position: event.position(),
            event_id: Some(event.metadata().event_id()),
            stream: event.stream_id().to_string(),
            version: Some(event.version()),
            event_type: event.event_type().to_owned(),
            cause,
            error,
        }
    }

    pub(crate) fn of_row(row: &UndecodableEvent, cause: SkipCause, error: String) -> Self {
        Self {
            position: row.position(),
            event_id: row.event_id(),
            stream: row.stream().to_owned(),
            version: None,
            event_type: row.event_type().to_owned(),
            cause,
            error,
        }
    }
}

/// A runner's health and lag.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProjectionHealth {
    /// The projection's name.
    pub name: String,
    /// Its status.
    pub status: ProjectionStatus,
    /// The last position processed (the checkpoint).
    pub position: GlobalPosition,
    /// The newest position in the store when last checked.
    pub head: GlobalPosition,
    /// How many events lie between [`position`](Self::position) and
    /// [`head`](Self::head), counted with
    /// [`EventStore::count_events`](crate::store::EventStore::count_events)
    /// (at most a million). It includes events the projection's filter
    /// skips.
    pub lag: u64,
    /// Time since the runner last processed an event, if it ever did.
    pub since_last_event: Option<Duration>,
    /// Events passed over without being applied, oldest first: failing or
    /// undecodable ones the error policy skipped, and listed ones. Cleared
    /// by a rebuild.
    pub skipped: Vec<SkippedEvent>,
    /// The positions an operator told the runner to skip
    /// ([`RunnerConfig::skip_positions`](super::RunnerConfig::skip_positions)),
    /// in order.
    pub skip_positions: Vec<GlobalPosition>,
    /// Whether this runner holds the projection's lease right now: it was
    /// granted or renewed, and the time-to-live counted from the request
    /// has not run out. A runner stalled past its lease never claims it.
    pub holds_lease: bool,
    /// When the lease lapses unless renewed, as the store reported it;
    /// `None` while the runner holds no lease.
    pub lease_expires_at: Option<Timestamp>,
    /// This runner's identity in the lease table (`name#instance-id`).
    pub holder: String,
    /// The in-flight write that keeps newer, already committed events from
    /// the runner while it waits at the head (see
    /// [`EventStore::held_back`](crate::store::EventStore::held_back)):
    /// which write, from which position, and since when. Checked at most
    /// once a second while the runner waits; `None` when nothing holds it
    /// back.
    pub held_back: Option<HeldBack>,
}

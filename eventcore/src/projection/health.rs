use std::time::Duration;

use crate::types::{GlobalPosition, StreamId, StreamVersion, Timestamp};

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

/// An event the runner skipped under [`ErrorPolicy::Skip`](super::ErrorPolicy).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedEvent {
    /// Its global position.
    pub position: GlobalPosition,
    /// Its stream.
    pub stream_id: StreamId,
    /// Its version in that stream.
    pub version: StreamVersion,
    /// Its type name.
    pub event_type: String,
    /// Why it failed.
    pub error: String,
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
    /// Events skipped under the skip policy, oldest first.
    pub skipped: Vec<SkippedEvent>,
    /// Whether this runner holds the projection's lease right now: it was
    /// granted or renewed, and the time-to-live counted from the request
    /// has not run out. A runner stalled past its lease never claims it.
    pub holds_lease: bool,
    /// When the lease lapses unless renewed, as the store reported it;
    /// `None` while the runner holds no lease.
    pub lease_expires_at: Option<Timestamp>,
    /// This runner's identity in the lease table (`name#instance-id`).
    pub holder: String,
}

use crate::types::{EventId, GlobalPosition, StreamId, StreamVersion};

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

/// What an append committed: each event in the batch's emission order, and
/// the new version of every stream in the batch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppendResult {
    /// The events in the batch's emission order
    /// ([`AppendBatch::emitted`](super::AppendBatch::emitted)), which is
    /// also the order of their global positions.
    pub events: Vec<AppendedEvent>,
    /// Every participating stream with its version after the append.
    pub stream_versions: Vec<(StreamId, StreamVersion)>,
}

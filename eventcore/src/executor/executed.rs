//! What a successful execution returns.

use crate::types::RecordedEvent;

/// What a successful execution did.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Executed<E> {
    /// The events written, with their stream versions, global positions and
    /// metadata, in the order the command emitted them across streams; their
    /// global positions increase in that order. Empty when the command
    /// emitted nothing.
    pub events: Vec<RecordedEvent<E>>,
    /// How many appends were tried, the successful one included: 1 without
    /// conflicts, never more than the [`RetryPolicy`](crate::RetryPolicy)'s
    /// [`max_attempts`](crate::RetryPolicy::max_attempts). An append tried on the
    /// [stream cache](crate::CommandExecutor::stream_cache)'s state counts like any
    /// other; an attempt on cached state that appended nothing (a stream
    /// not cached, or a decision that had to be confirmed on fresh state)
    /// does not. A command that emitted nothing reports 1. A replay counts
    /// only the appends this execution tried before it found the key
    /// recorded: 0 when its first read found the record, 1 when an append
    /// decided on cached state was refused for the key.
    pub attempts: u32,
    /// Whether these events were written by an earlier execution with the
    /// same [idempotency key](crate::ExecutionOptions::idempotency_key):
    /// this execution wrote nothing.
    /// The events are the ones that execution recorded, with their
    /// original positions, ids and metadata (an event of a
    /// [retired](crate::Upcasters::retire) type is left out).
    pub replayed: bool,
}

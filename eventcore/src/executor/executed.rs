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
    /// does not. A command that emitted nothing reports 1.
    pub attempts: u32,
}

//! Every error EventCore returns. All enums are `#[non_exhaustive]`, so new
//! failure modes can be added without breaking callers.

use std::time::Duration;

mod serialization;

pub use self::serialization::SerializationError;
pub use crate::types::ValidationError;
use crate::types::{GlobalPosition, IdempotencyKey, StreamId, StreamVersion};

/// A boxed error from a backend library (sqlx, I/O, …).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A failure reported by an [`EventStore`](crate::store::EventStore).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A participating stream was not at the expected version. Nothing in
    /// the batch was written.
    #[error("version conflict on stream {stream}: expected version {expected}, found {actual}")]
    VersionConflict {
        /// The first stream found to have moved.
        stream: StreamId,
        /// The version the writer expected.
        expected: StreamVersion,
        /// The version the store holds.
        actual: StreamVersion,
    },
    /// A batch claimed an idempotency key that is already recorded (and not
    /// expired). Nothing in the batch was written; the record says what
    /// the first claim wrote (see
    /// [`EventStore::idempotency_record`](crate::store::EventStore::idempotency_record)).
    #[error("idempotency key {key} is already recorded; the batch claiming it again wrote nothing")]
    IdempotencyKeyRecorded {
        /// The key.
        key: IdempotencyKey,
    },
    /// The backend could not be reached or refused the connection.
    #[error("event store unavailable: {message}")]
    Unavailable {
        /// What was being attempted.
        message: String,
        /// The backend's error.
        #[source]
        source: Option<BoxError>,
    },
    /// An operation did not finish within its time limit.
    #[error("{operation} timed out after {after:?}")]
    Timeout {
        /// The operation, e.g. `append`.
        operation: &'static str,
        /// The limit that ran out.
        after: Duration,
    },
    /// The backend reported an error while running an operation.
    #[error("{operation} failed: {source}")]
    Backend {
        /// The operation, e.g. `read_streams`.
        operation: &'static str,
        /// The backend's error.
        #[source]
        source: BoxError,
    },
    /// A stored event could not be decoded.
    #[error(transparent)]
    Serialization(#[from] SerializationError),
    /// The input to a store operation was invalid.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The caller's lease is no longer held, so its write was refused.
    #[error(
        "lease {name:?} is no longer held by {holder:?} (fencing token {token}); the write was refused"
    )]
    LeaseLost {
        /// The lease name.
        name: String,
        /// The holder that tried to write.
        holder: String,
        /// The holder's fencing token.
        token: u64,
    },
    /// A checkpoint write expected the checkpoint at `expected` (where the
    /// writer's batch started) but it was elsewhere, so the write was
    /// refused. It happens when a batch is replayed after its first commit
    /// went through but the reply was lost, or when another runner moved the
    /// checkpoint: reload the checkpoint and carry on from there.
    #[error(
        "checkpoint {name:?} is at {}, not at {expected} where this write started; the write was refused",
        actual.map_or_else(|| "no position (never saved)".to_owned(), |p| p.to_string())
    )]
    CheckpointMoved {
        /// The checkpoint name.
        name: String,
        /// Where the writer expected it.
        expected: GlobalPosition,
        /// Where it is (`None`: never saved).
        actual: Option<GlobalPosition>,
    },
    /// A write ran on a connection that was already inside a transaction
    /// nobody was tracking (typically left open by a task cancelled while it
    /// was starting a transaction). The write was **not** committed and the
    /// connection was discarded; retrying is safe.
    #[error(
        "{operation} ran on a connection already inside a transaction left open elsewhere; nothing was committed and the connection was discarded, so the write can be retried"
    )]
    StrayTransaction {
        /// The operation, e.g. `append`.
        operation: &'static str,
    },
    /// A stored position or version is outside what this library accepts.
    #[error("corrupt store data: {detail}")]
    Corrupt {
        /// What is wrong.
        detail: String,
    },
}

impl StoreError {
    /// Whether this is a [`StoreError::VersionConflict`].
    #[must_use]
    pub const fn is_version_conflict(&self) -> bool {
        matches!(self, Self::VersionConflict { .. })
    }

    /// Whether retrying the same operation later may succeed: the store was
    /// unreachable, slow, failed mid-operation, or refused a write that can
    /// simply be redone. Corrupt data and invalid input are not transient.
    ///
    /// ```
    /// use eventcore::StoreError;
    ///
    /// assert!(StoreError::StrayTransaction { operation: "append" }.is_transient());
    /// assert!(!StoreError::Corrupt { detail: "negative version".into() }.is_transient());
    /// ```
    #[must_use]
    pub const fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Unavailable { .. }
                | Self::Timeout { .. }
                | Self::Backend { .. }
                | Self::StrayTransaction { .. }
        )
    }

    /// Wraps a backend error for `operation`.
    pub fn backend(operation: &'static str, source: impl Into<BoxError>) -> Self {
        Self::Backend {
            operation,
            source: source.into(),
        }
    }
}

/// Why a command did not complete.
///
/// `E` is the command's own domain error, so callers can `match` on business
/// rejections:
///
/// ```
/// use eventcore::CommandError;
///
/// #[derive(Debug, PartialEq, thiserror::Error)]
/// enum BankError {
///     #[error("insufficient funds")]
///     InsufficientFunds,
/// }
///
/// let err: CommandError<BankError> = CommandError::Rejected(BankError::InsufficientFunds);
/// assert!(matches!(err, CommandError::Rejected(BankError::InsufficientFunds)));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError<E> {
    /// The command's business logic refused it.
    #[error("command rejected: {0}")]
    Rejected(#[source] E),
    /// Version conflicts persisted through every attempt of the retry policy.
    #[error("gave up after {attempts} attempts because of version conflicts; last: {last}")]
    RetriesExhausted {
        /// Appends tried: the policy's
        /// [`max_attempts`](crate::RetryPolicy::max_attempts), counted as
        /// [`Executed::attempts`](crate::Executed::attempts) is.
        attempts: u32,
        /// The last conflict seen.
        #[source]
        last: StoreError,
    },
    /// The execution's deadline passed before the command wrote anything
    /// (before an attempt, during a read, or while waiting to retry after
    /// a conflict): nothing was written. See
    /// [`ExecutionOptions::deadline`](crate::ExecutionOptions::deadline).
    #[error("the deadline passed after {attempts} attempt(s); nothing was written")]
    DeadlineExceeded {
        /// Appends tried before it passed.
        attempts: u32,
        /// The conflict that the execution was waiting to retry, if any.
        #[source]
        last: Option<StoreError>,
    },
    /// The execution's deadline passed while an append was in flight: the
    /// batch was written whole or not at all, but which is unknown.
    ///
    /// With an [idempotency key](crate::ExecutionOptions::idempotency_key),
    /// executing the command again with the same key settles it: it
    /// returns the events that were written (as a replay), or writes them
    /// once. Without one, read the command's streams to find out before
    /// executing it again.
    #[error(
        "the deadline passed while attempt {attempts} was appending: its events may or may not have been written; {}",
        match idempotency_key {
            Some(key) => format!("execute it again with idempotency key {key} to find out (it writes at most once)"),
            None => "read the command's streams before executing it again".to_owned(),
        }
    )]
    OutcomeUnknown {
        /// Appends tried, the one in flight included.
        attempts: u32,
        /// The execution's idempotency key, if it had one.
        idempotency_key: Option<IdempotencyKey>,
    },
    /// The idempotency key was first used by a different request: another
    /// command, or the same command with other streams or another
    /// [request fingerprint](crate::ExecutionOptions::request_fingerprint).
    /// Nothing was written. (An executor whose stream cache holds the
    /// command's streams may have decided once on cached state before the
    /// store refused the key; that decision was dropped.)
    #[error(
        "idempotency key {key} was first used by a different request ({recorded_command}{}); this {command} wrote nothing",
        if recorded_command == command { " with other streams or payload" } else { "" }
    )]
    IdempotencyKeyReused {
        /// The key.
        key: IdempotencyKey,
        /// This command's name.
        command: &'static str,
        /// The name of the command recorded under the key.
        recorded_command: String,
    },
    /// The command's streams, declared and discovered together, are more
    /// than the executor's `max_streams` allows.
    #[error(
        "command would read {requested} streams, more than the limit of {limit}; raise the limit with the executor's `max_streams` setting if this is intended"
    )]
    StreamLimitExceeded {
        /// The configured limit.
        limit: usize,
        /// How many streams the command asked for.
        requested: usize,
    },
    /// The event store failed.
    #[error(transparent)]
    Store(StoreError),
    /// An event could not be encoded or decoded.
    #[error(transparent)]
    Serialization(#[from] SerializationError),
    /// An input was invalid.
    #[error(transparent)]
    Validation(#[from] ValidationError),
}

impl<E> From<StoreError> for CommandError<E> {
    fn from(value: StoreError) -> Self {
        match value {
            StoreError::Serialization(inner) => Self::Serialization(inner),
            StoreError::Validation(inner) => Self::Validation(inner),
            other => Self::Store(other),
        }
    }
}

/// A failure while running a projection.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProjectionError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An event could not be decoded for the projection.
    #[error(transparent)]
    Serialization(#[from] SerializationError),
    /// The projection's own `apply` failed.
    #[error("projection {projection:?} failed at position {position}: {source}")]
    Apply {
        /// The projection's name.
        projection: String,
        /// The position of the first event of the failing batch.
        position: GlobalPosition,
        /// The projection's error.
        #[source]
        source: BoxError,
    },
    /// No projection with this name is registered.
    #[error("no projection named {0:?} is registered")]
    UnknownProjection(String),
    /// The runner was stopped by its error policy.
    #[error("projection {projection:?} stopped: {reason}")]
    Stopped {
        /// The projection's name.
        projection: String,
        /// Why it stopped.
        reason: String,
    },
}

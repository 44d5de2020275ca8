//! Snapshots: the folded state of one stream, saved so that an executor
//! with a cold cache reads only the events after it.
//!
//! A snapshot is only ever a cache of what the events fold to. It names the
//! state type it holds, the stream version it folds up to, and a
//! fingerprint of the code that folded it; a reader uses it only when the
//! fingerprint matches its own code, and folds from the events otherwise.
//! A store keeps one snapshot per stream and state type.

use std::future::Future;

use serde_json::Value;

use crate::{
    error::StoreError,
    types::{NameKind, StreamId, StreamVersion, ValidationError, validate_name},
};

/// The folded state of `stream_id` for one state type, at `version`.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    stream_id: StreamId,
    state_type: String,
    version: StreamVersion,
    fingerprint: String,
    state: Value,
}

impl Snapshot {
    /// A snapshot of `stream_id`'s state of type `state_type` (a name of 1
    /// to 128 characters, such as the type's path), folded from its first
    /// `version` events (at least one) by code identified by `fingerprint`
    /// (1 to 128 characters), serialized as `state`.
    ///
    /// ```
    /// use eventcore::{StreamId, StreamVersion, store::Snapshot};
    ///
    /// let stream = StreamId::try_new("account-7")?;
    /// let snapshot = Snapshot::new(stream.clone(), "banking::Account", StreamVersion::new(40),
    ///     "fold-3f2a", serde_json::json!({ "balance": 1250 }))?;
    /// assert_eq!(snapshot.version().value(), 40);
    /// // A snapshot of nothing is refused: there is nothing to save.
    /// assert!(Snapshot::new(stream, "banking::Account", StreamVersion::INITIAL, "fold-3f2a",
    ///     serde_json::Value::Null).is_err());
    /// # Ok::<(), eventcore::ValidationError>(())
    /// ```
    pub fn new(
        stream_id: StreamId,
        state_type: impl Into<String>,
        version: StreamVersion,
        fingerprint: impl Into<String>,
        state: Value,
    ) -> Result<Self, ValidationError> {
        let (state_type, fingerprint) = (state_type.into(), fingerprint.into());
        validate_name(&state_type, NameKind::StateType)?;
        validate_name(&fingerprint, NameKind::Fingerprint)?;
        if version.is_initial() {
            return Err(ValidationError::invalid(
                "Snapshot",
                version,
                "a snapshot must fold at least one event (version 1 or more)",
            ));
        }
        Ok(Self {
            stream_id,
            state_type,
            version,
            fingerprint,
            state,
        })
    }

    /// The stream.
    #[must_use]
    pub const fn stream_id(&self) -> &StreamId {
        &self.stream_id
    }

    /// The state type's name.
    #[must_use]
    pub fn state_type(&self) -> &str {
        &self.state_type
    }

    /// The stream version the state folds up to.
    #[must_use]
    pub const fn version(&self) -> StreamVersion {
        self.version
    }

    /// What identifies the code that folded it.
    #[must_use]
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The serialized state.
    #[must_use]
    pub const fn state(&self) -> &Value {
        &self.state
    }
}

/// Durable snapshots: the folded state of one stream, saved so that an
/// executor with a cold cache reads only the events after it.
///
/// A snapshot is only ever a cache of what the events fold to: a reader
/// uses it only when its fingerprint matches the reader's own code, and
/// folds from the events otherwise. A store keeps one snapshot per stream
/// and state type.
pub trait SnapshotStore: Send + Sync {
    /// Saves `snapshot` as its stream's snapshot for its state type,
    /// replacing the one saved before, unless that one has the same
    /// fingerprint and a higher version (a slower writer never turns a
    /// snapshot back). Returns whether it was written.
    fn save_snapshot(
        &self,
        snapshot: Snapshot,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The snapshot of `stream` for `state_type`, if one was saved.
    fn load_snapshot(
        &self,
        stream: &StreamId,
        state_type: &str,
    ) -> impl Future<Output = Result<Option<Snapshot>, StoreError>> + Send;

    /// Deletes every snapshot of `state_type` (for operators: after a
    /// change the fingerprint cannot see, say); returns how many went.
    fn drop_snapshots(
        &self,
        state_type: &str,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

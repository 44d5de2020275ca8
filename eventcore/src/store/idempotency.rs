//! What the port needs for idempotent commands: a batch may claim a key,
//! and a store keeps what the claiming batch wrote under it.

use std::{borrow::Cow, time::Duration};

use uuid::Uuid;

use super::{StoredEvent, StreamsRead};
use crate::types::{IdempotencyKey, Timestamp};

/// A batch's claim on an idempotency key (see
/// [`AppendBatch::with_idempotency`](super::AppendBatch::with_idempotency)).
///
/// The store records the claim atomically with the batch: if the batch is
/// written, so is the record, listing the positions it wrote; if the batch
/// fails, nothing is recorded. A batch claiming a key that is already
/// recorded (and not expired) writes nothing and fails with
/// [`StoreError::IdempotencyKeyRecorded`](crate::StoreError::IdempotencyKeyRecorded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyClaim {
    key: IdempotencyKey,
    command: Cow<'static, str>,
    fingerprint: Uuid,
    retention: Option<Duration>,
}

impl IdempotencyClaim {
    /// A claim on `key` by `command` (its name: a `&'static str` such as
    /// [`Command::NAME`](crate::Command::NAME) is kept without a copy), for
    /// the request identified by `fingerprint`, kept for ever.
    #[must_use]
    pub fn new(
        key: IdempotencyKey,
        command: impl Into<Cow<'static, str>>,
        fingerprint: Uuid,
    ) -> Self {
        Self {
            key,
            command: command.into(),
            fingerprint,
            retention: None,
        }
    }

    /// Keeps the record for `retention` from the moment it is written (by
    /// the store's clock), instead of for ever. An expired record is as
    /// good as absent: lookups do not return it, and a new claim on its key
    /// replaces it.
    #[must_use]
    pub const fn retained_for(mut self, retention: Duration) -> Self {
        self.retention = Some(retention);
        self
    }

    /// The key.
    #[must_use]
    pub const fn key(&self) -> &IdempotencyKey {
        &self.key
    }

    /// The name of the command that claims it.
    #[must_use]
    pub fn command(&self) -> &str {
        &self.command
    }

    /// What identifies the request: the same key with another fingerprint
    /// is another request reusing the key.
    #[must_use]
    pub const fn fingerprint(&self) -> Uuid {
        self.fingerprint
    }

    /// How long the record is kept (`None`: for ever).
    #[must_use]
    pub const fn retention(&self) -> Option<Duration> {
        self.retention
    }
}

/// What a store keeps under an idempotency key: who claimed it and the
/// events the claiming batch wrote.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct IdempotencyRecord {
    /// The key.
    pub key: IdempotencyKey,
    /// The name of the command that claimed it.
    pub command: String,
    /// The claim's request fingerprint.
    pub fingerprint: Uuid,
    /// When the record was written.
    pub recorded_at: Timestamp,
    /// When it expires (`None`: never).
    pub expires_at: Option<Timestamp>,
    /// The events the batch wrote, in position order (none for a batch
    /// that only checked versions).
    pub events: Vec<StoredEvent>,
}

impl IdempotencyRecord {
    /// A record as a store returns it.
    #[must_use]
    pub const fn new(
        key: IdempotencyKey,
        command: String,
        fingerprint: Uuid,
        recorded_at: Timestamp,
        expires_at: Option<Timestamp>,
        events: Vec<StoredEvent>,
    ) -> Self {
        Self {
            key,
            command,
            fingerprint,
            recorded_at,
            expires_at,
            events,
        }
    }
}

/// What [`EventStore::read_streams_keyed`](super::EventStore::read_streams_keyed)
/// found: the key's record, or the streams when the key is not recorded.
#[derive(Clone, Debug)]
pub enum KeyedRead {
    /// The key is recorded: the streams were not read.
    Recorded(IdempotencyRecord),
    /// The key is not recorded (or its record expired).
    Streams(StreamsRead),
}

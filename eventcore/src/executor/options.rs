//! What one execution may ask for beyond the command: the metadata its
//! events share, a deadline, and an idempotency key.

use std::time::{Duration, Instant};

use uuid::Uuid;
use xxhash_rust::xxh3::xxh3_128;

use crate::types::{EventMetadataBuilder, IdempotencyKey};

/// Options for one execution (see
/// [`CommandExecutor::execute_with_options`](super::CommandExecutor::execute_with_options)).
///
/// ```
/// use std::time::Duration;
/// use eventcore::{EventMetadata, ExecutionOptions};
///
/// let options = ExecutionOptions::new()
///     .metadata(EventMetadata::builder().custom("source", "import"))
///     .timeout(Duration::from_secs(2))
///     .idempotency_key(eventcore::IdempotencyKey::try_new("import-17")?);
/// assert!(options.deadline_at().is_some());
/// assert_eq!(options.idempotency_key_ref().map(|k| k.as_str()), Some("import-17"));
/// # Ok::<(), eventcore::ValidationError>(())
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct ExecutionOptions {
    pub(super) metadata: EventMetadataBuilder,
    pub(super) deadline: Option<Instant>,
    pub(super) idempotency_key: Option<IdempotencyKey>,
    /// A digest of the request bytes, if given.
    pub(super) request: Option<Uuid>,
}

impl Default for ExecutionOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl ExecutionOptions {
    /// Fresh metadata and no deadline: what
    /// [`execute`](super::CommandExecutor::execute) uses.
    pub fn new() -> Self {
        Self {
            metadata: EventMetadataBuilder::default(),
            deadline: None,
            idempotency_key: None,
            request: None,
        }
    }

    /// The correlation id, causation id, actor and custom fields every
    /// event written shares (see
    /// [`execute_with`](super::CommandExecutor::execute_with)).
    pub fn metadata(mut self, metadata: EventMetadataBuilder) -> Self {
        self.metadata = metadata;
        self
    }

    /// Gives up at `deadline`: no attempt starts and no retry waits past
    /// it, and an attempt still running then is abandoned.
    ///
    /// The error says what is known of the outcome:
    /// [`DeadlineExceeded`](crate::CommandError::DeadlineExceeded) when
    /// nothing was written, and
    /// [`OutcomeUnknown`](crate::CommandError::OutcomeUnknown) when an
    /// append was in flight: its batch was then written whole or not at
    /// all, and only reading the streams tells which. (Wrapping `execute`
    /// in `tokio::time::timeout` cannot tell these apart.)
    pub const fn deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// A deadline `timeout` from now (from this call, not from the
    /// execution's start).
    pub fn timeout(self, timeout: Duration) -> Self {
        let deadline = Instant::now().checked_add(timeout);
        match deadline {
            Some(deadline) => self.deadline(deadline),
            // Beyond what the clock can hold: no deadline in practice.
            None => self,
        }
    }

    /// The deadline, if any.
    #[must_use]
    pub const fn deadline_at(&self) -> Option<Instant> {
        self.deadline
    }

    /// Makes the execution idempotent: executing with a key that a
    /// successful execution already recorded writes nothing and returns the
    /// events that first execution wrote, marked
    /// [`replayed`](super::Executed::replayed).
    ///
    /// - The first execution that succeeds records the key with the
    ///   positions it wrote, atomically with its events (in the same
    ///   transaction on PostgreSQL). A decision to write nothing is recorded
    ///   too. A rejection is not: nothing was written, and the command may
    ///   succeed later.
    /// - Concurrent executions with one key write once; the others return
    ///   the winner's events as a replay.
    /// - The same key with another command, other streams, or another
    ///   [`request_fingerprint`](Self::request_fingerprint) is refused with
    ///   [`IdempotencyKeyReused`](crate::CommandError::IdempotencyKeyReused),
    ///   without writing anything.
    /// - Keys are scoped per store, and kept for ever unless the executor
    ///   sets a [retention](super::CommandExecutor::idempotency_retention).
    ///
    /// The key costs no extra round trip: the claim travels with the
    /// append, and the store refuses it if the key is recorded. The
    /// lookup rides on the execution's read, so an execution that reads
    /// the store first (a new executor, another process, a stream not
    /// cached) finds the record without running the command's logic. On
    /// a warm [stream cache](super::CommandExecutor::stream_cache) the
    /// executor decides on cached state as it always does; if the store
    /// then refuses the key, that decision is dropped unwritten and the
    /// record is returned. `handle` is deterministic and sees only its
    /// state, so that extra decision is invisible but for its cost.
    ///
    /// ```
    /// use eventcore::{Command, CommandError, CommandExecutor, CommandLogic, CommandState, Event};
    /// use eventcore::{ExecutionOptions, IdempotencyKey, RecordedEvent, StreamId};
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
    /// enum Note { Written }
    ///
    /// #[derive(Command)]
    /// #[command(event = Note)]
    /// struct Write { #[stream] page: StreamId }
    ///
    /// impl CommandState for Write {
    ///     type State = ();
    ///     fn initial_state(&self) {}
    ///     fn apply(&self, (): &mut (), _: &RecordedEvent<Note>) {}
    /// }
    ///
    /// impl CommandLogic for Write {
    ///     type Error = std::convert::Infallible;
    ///     fn handle(&self, (): (), streams: &mut WriteStreams<'_>) -> Result<(), Self::Error> {
    ///         streams.page.emit(Note::Written);
    ///         Ok(())
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let executor = CommandExecutor::new(eventcore_memory::MemoryStore::new());
    /// let page = || StreamId::try_new("page-1");
    /// let key = IdempotencyKey::try_new("message-42")?;
    /// let keyed = |body: &str| {
    ///     ExecutionOptions::new().idempotency_key(key.clone()).request_fingerprint(body)
    /// };
    ///
    /// let first = executor.execute_with_options(Write { page: page()? }, keyed("hello")).await?;
    /// let again = executor.execute_with_options(Write { page: page()? }, keyed("hello")).await?;
    /// assert!(!first.replayed && again.replayed);
    /// assert_eq!(again.events, first.events); // written once
    ///
    /// // The same key with another request body is refused, nothing written.
    /// match executor.execute_with_options(Write { page: page()? }, keyed("bye")).await {
    ///     Err(CommandError::IdempotencyKeyReused { .. }) => {}
    ///     other => panic!("{other:?}"),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn idempotency_key(mut self, key: impl Into<IdempotencyKey>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// The bytes that identify the request (its body, or a serialization
    /// of the command), compared when the key is used again: the same key
    /// with other bytes is another request reusing the key, and is
    /// refused.
    ///
    /// Without it, a reuse is recognized by the command's name and its
    /// declared streams only: `Deposit { account: a, amount: 5 }` and
    /// `Deposit { account: a, amount: 7 }` look like the same request. Only
    /// a digest of the bytes is kept.
    pub fn request_fingerprint(mut self, request: impl AsRef<[u8]>) -> Self {
        self.request = Some(Uuid::new_v5(&REQUESTS, request.as_ref()));
        self
    }

    /// The idempotency key, if any.
    #[must_use]
    pub const fn idempotency_key_ref(&self) -> Option<&IdempotencyKey> {
        self.idempotency_key.as_ref()
    }
}

/// The UUID namespace of request digests.
const REQUESTS: Uuid = Uuid::from_u128(0x0b6e_52a4_7f0c_4c3d_a1e9_52d8_6f40_3b17);

/// What identifies one idempotent request: the command's name, its declared
/// streams in order, and the request digest if one was given, as the 128
/// bits of their XXH3-128 digest (a specified, stable hash: the same request
/// has the same fingerprint in every process and release). XXH3 rather
/// than SHA-1 because this runs on every keyed execution and the names are
/// the application's own, not an adversary's; the request digest, over
/// bytes a client may choose, stays a UUID version 5.
pub(super) fn fingerprint(
    command: &str,
    streams: &[crate::types::StreamId],
    request: Option<Uuid>,
) -> Uuid {
    // One-shot hashing of a buffer on the stack when the parts fit (the
    // usual case), rather than the streaming hasher and its 600-byte state.
    let mut stack = [0_u8; 256];
    let mut heap = Vec::new();
    let len = command.len()
        + streams.iter().map(|s| s.as_str().len() + 1).sum::<usize>()
        + 1
        + request.map_or(0, |_| 16);
    let buffer: &mut [u8] = if len <= stack.len() {
        &mut stack[..len]
    } else {
        heap.resize(len, 0);
        &mut heap
    };
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        buffer[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    };
    put(command.as_bytes());
    for stream in streams {
        // A name never holds NUL, so the separators keep the parts apart.
        put(&[0]);
        put(stream.as_str().as_bytes());
    }
    put(&[0xff]);
    if let Some(request) = request {
        put(request.as_bytes());
    }
    Uuid::from_u128(xxh3_128(buffer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::StreamId;

    fn streams(names: &[&str]) -> Vec<StreamId> {
        names
            .iter()
            .map(|n| StreamId::try_new(*n).unwrap())
            .collect()
    }

    #[test]
    fn fingerprints_are_stable_across_releases() {
        // Stored with every idempotency record: changing how they are
        // computed would make every recorded key look reused.
        let fp = fingerprint("Deposit", &streams(&["account-1"]), None);
        assert_eq!(fp.to_string(), "1bfbafc6-5c0f-a0d8-12f8-9b5c7b26bfae");
        // The layout, hashed piece by piece: name, NUL and each stream,
        // 0xff, then the request digest if any.
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        for part in [&b"Deposit"[..], &[0], b"account-1", &[0xff]] {
            hasher.update(part);
        }
        assert_eq!(fp, Uuid::from_u128(hasher.digest128()));
    }

    #[test]
    fn fingerprints_tell_requests_apart() {
        let base = fingerprint("Deposit", &streams(&["a", "b"]), None);
        assert_ne!(base, fingerprint("Withdraw", &streams(&["a", "b"]), None));
        assert_ne!(base, fingerprint("Deposit", &streams(&["b", "a"]), None));
        assert_ne!(base, fingerprint("Deposit", &streams(&["ab"]), None));
        assert_ne!(
            base,
            fingerprint("Deposit", &streams(&["a", "b"]), Some(Uuid::nil()))
        );
        // Past the stack buffer, the same way.
        let long: Vec<String> = (0..40).map(|n| format!("stream-{n}")).collect();
        let long: Vec<&str> = long.iter().map(String::as_str).collect();
        let big = fingerprint("Deposit", &streams(&long), None);
        assert_eq!(big, fingerprint("Deposit", &streams(&long), None));
        assert_ne!(big, fingerprint("Deposit", &streams(&long[1..]), None));
    }
}

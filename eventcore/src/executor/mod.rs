//! Running commands: read the declared streams, fold them into state,
//! decide, and append the new events in one optimistically concurrent write.

mod attempt;
mod cache;
mod entry;
mod executed;
mod execution;
mod load;
mod options;
mod plan;
mod replay;
mod retry;
mod run;
mod snapshots;
mod timeline;

use std::sync::Arc;

use self::{cache::StreamCache, execution::Settings, run::run, snapshots::Snapshots};

pub use executed::Executed;
pub use options::ExecutionOptions;
pub use retry::RetryPolicy;
pub use snapshots::SnapshotPolicy;

use crate::{
    command::CommandLogic,
    error::CommandError,
    serialization::{EventSerializer, JsonSerializer},
    store::{EventStore, SnapshotStore},
    types::EventMetadataBuilder,
};

/// Runs `command` against `store` with the default settings: the default
/// [`RetryPolicy`], [`JsonSerializer`], a limit of
/// [`CommandExecutor::DEFAULT_MAX_STREAMS`] streams and fresh metadata.
///
/// See [`CommandExecutor::execute`] for what happens.
pub async fn execute<S, C>(
    store: &S,
    command: C,
) -> Result<Executed<C::Event>, CommandError<C::Error>>
where
    S: EventStore,
    C: CommandLogic,
{
    run(
        store,
        &Settings::default(),
        command,
        &ExecutionOptions::new(),
    )
    .await
}

/// Executes commands against a store, with a retry policy, a limit on the
/// number of streams one command may read, and a serializer.
///
/// ```
/// use std::time::Duration;
/// use eventcore::{CommandExecutor, RetryPolicy};
/// use eventcore_memory::MemoryStore;
///
/// let executor = CommandExecutor::new(MemoryStore::new())
///     .retry_policy(RetryPolicy::new().with_max_attempts(10).max_delay(Duration::from_millis(100)))
///     .max_streams(32);
/// # let _ = executor;
/// ```
#[derive(Clone, Debug)]
pub struct CommandExecutor<S, Ser = JsonSerializer> {
    store: S,
    settings: Settings<Ser>,
}

impl<S> CommandExecutor<S> {
    /// The default limit on the streams one command may read, declared and
    /// discovered together.
    pub const DEFAULT_MAX_STREAMS: usize = execution::DEFAULT_MAX_STREAMS;

    /// How many decoded events an executor caches by default (see
    /// [`stream_cache`](CommandExecutor::stream_cache)).
    pub const DEFAULT_CACHE_EVENTS: usize = 100_000;

    /// An executor with the default settings, including a stream cache of
    /// [`DEFAULT_CACHE_EVENTS`](Self::DEFAULT_CACHE_EVENTS) events.
    pub fn new(store: S) -> Self {
        let cache = Some(Arc::new(StreamCache::new(Self::DEFAULT_CACHE_EVENTS)));
        Self {
            store,
            settings: Settings {
                cache,
                ..Settings::default()
            },
        }
    }
}

impl<S, Ser> CommandExecutor<S, Ser> {
    /// Sets the retry policy for version conflicts.
    #[must_use]
    pub const fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.settings.retry = policy;
        self
    }

    /// Limits how many streams one command may read, declared and
    /// discovered together. A command that asks for more fails with
    /// [`CommandError::StreamLimitExceeded`].
    #[must_use]
    pub const fn max_streams(mut self, limit: usize) -> Self {
        self.settings.max_streams = limit;
        self
    }

    /// Sizes the stream cache: decoded stream histories, up to about
    /// `events` events in all, shared by this executor's clones. `0` turns
    /// the cache off.
    ///
    /// Next to each stream it also keeps the newest state of each
    /// `#[stream(state = T)]` type folded from it (for `T: Clone + Send +
    /// Sync`), so a command on a long stream folds only the events recorded
    /// since; those states are evicted with their stream.
    ///
    /// With the cache, a command reads only the events it has not seen, and
    /// when every stream it needs is cached it first tries to decide and
    /// append without reading at all (one round trip instead of two). The
    /// append's version check catches a stale cache, which is then refreshed
    /// at once; that append counts against the [`RetryPolicy`] like any
    /// other, but the last attempt the policy allows always reads the store,
    /// so a stale cache alone never exhausts it. Rejections and decisions to
    /// write nothing are always confirmed on freshly read state. Correctness
    /// never depends on the cache.
    #[must_use]
    pub fn stream_cache(mut self, events: usize) -> Self {
        self.settings.cache = (events > 0).then(|| Arc::new(StreamCache::new(events)));
        self
    }

    /// Replaces the serializer. Cached histories were decoded by the old
    /// serializer, so the cache starts empty.
    #[must_use]
    pub fn serializer<Ser2: EventSerializer>(self, serializer: Ser2) -> CommandExecutor<S, Ser2> {
        let capacity = self.settings.cache.as_ref().map(|c| c.capacity());
        CommandExecutor {
            store: self.store,
            settings: Settings {
                retry: self.settings.retry,
                max_streams: self.settings.max_streams,
                serializer,
                cache: capacity.map(|events| Arc::new(StreamCache::new(events))),
                idempotency_retention: self.settings.idempotency_retention,
                snapshots: self.settings.snapshots,
                metrics: self.settings.metrics,
            },
        }
    }

    /// Keeps the idempotency records this executor writes for `retention`
    /// instead of for ever (see
    /// [`ExecutionOptions::idempotency_key`]).
    ///
    /// The trade-off: kept for ever, a key settles every duplicate however
    /// late it comes, and the store keeps one small record (the key, the
    /// command's name, a fingerprint and where its events are) per
    /// idempotent execution for ever. With a retention the records stay
    /// bounded, but a duplicate that arrives after its key expired executes
    /// again. Choose a retention longer than any redelivery can be late
    /// (a queue's maximum redelivery window, a client's retry horizon),
    /// and reclaim expired records with
    /// [`EventStore::purge_idempotency_records`](crate::store::EventStore::purge_idempotency_records).
    /// Expiry follows the store's clock.
    #[must_use]
    pub const fn idempotency_retention(mut self, retention: std::time::Duration) -> Self {
        self.settings.idempotency_retention = Some(retention);
        self
    }

    /// The store.
    pub const fn store(&self) -> &S {
        &self.store
    }
}

impl<S: EventStore, Ser: EventSerializer> CommandExecutor<S, Ser> {
    /// Executes `command` with fresh metadata.
    ///
    /// 1. Reads every declared stream (duplicates collapse), then any
    ///    streams its [`StreamResolver`](crate::StreamResolver) discovers.
    /// 2. Folds all their events into the command's state, in global
    ///    position order.
    /// 3. Calls [`CommandLogic::handle`]. An `Err` is returned as
    ///    [`CommandError::Rejected`] and nothing is written.
    /// 4. Appends the emitted events in one atomic batch in which **every
    ///    stream read takes part** with the version it was read at, read-only
    ///    ones included. If the command emitted nothing, nothing is appended
    ///    (and so nothing is checked: a decision that writes nothing cannot
    ///    cause write skew).
    /// 5. On a version conflict, waits as the [`RetryPolicy`] says and starts
    ///    again from step 1, until the policy's maximum number of appends
    ///    has been tried ([`CommandError::RetriesExhausted`]). Other failures
    ///    are returned at once.
    ///
    /// With the [stream cache](Self::stream_cache) (on by default), step 1
    /// reads only the events the cache lacks, and when every stream is
    /// already cached the executor first runs steps 2–4 on the cached state
    /// without reading at all. That speculative attempt is trusted only if it
    /// writes and its append succeeds; a conflict (stale cache) or a
    /// rejection sends the command through the normal steps at once. Its
    /// append counts as an attempt; it is never the last one allowed.
    ///
    /// Each execution runs inside a tracing span `eventcore.execute` with
    /// the command name, the declared streams, the correlation id and the
    /// number of attempts.
    pub async fn execute<C: CommandLogic>(
        &self,
        command: C,
    ) -> Result<Executed<C::Event>, CommandError<C::Error>> {
        run(
            &self.store,
            &self.settings,
            command,
            &ExecutionOptions::new(),
        )
        .await
    }

    /// Executes `command`, stamping every event it writes with the
    /// correlation id, causation id, actor and custom fields of `metadata`
    /// (see [`EventMetadataBuilder`] for the defaults). Each event gets its
    /// own event id and timestamp.
    ///
    /// ```
    /// use eventcore::{Command, CommandExecutor, CommandLogic, CommandState, Event, EventMetadata,
    ///     RecordedEvent, StreamId, UserId};
    /// use eventcore_memory::MemoryStore;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
    /// enum Note { Written { text: String } }
    ///
    /// #[derive(Command)]
    /// #[command(event = Note)]
    /// struct Write { #[stream] page: StreamId, text: String }
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
    ///         streams.page.emit(Note::Written { text: self.text.clone() });
    ///         Ok(())
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let executor = CommandExecutor::new(MemoryStore::new());
    /// let page = StreamId::try_new("page-1")?;
    /// let first = executor.execute(Write { page: page.clone(), text: "hello".into() }).await?;
    ///
    /// // A follow-up caused by the first event, on behalf of alice.
    /// let context = EventMetadata::builder()
    ///     .caused_by(&first.events[0])
    ///     .actor(UserId::try_new("alice")?);
    /// let done = executor.execute_with(Write { page, text: "again".into() }, context).await?;
    /// let metadata = done.events[0].metadata();
    /// assert_eq!(metadata.correlation_id(), first.events[0].metadata().correlation_id());
    /// assert_eq!(metadata.actor().map(UserId::as_str), Some("alice"));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn execute_with<C: CommandLogic>(
        &self,
        command: C,
        metadata: EventMetadataBuilder,
    ) -> Result<Executed<C::Event>, CommandError<C::Error>> {
        let options = ExecutionOptions::new().metadata(metadata);
        run(&self.store, &self.settings, command, &options).await
    }

    /// Executes `command` with `options`: the metadata its events share
    /// and a deadline after which it gives up, saying whether anything may
    /// have been written.
    ///
    /// ```
    /// use std::time::Duration;
    /// use eventcore::{Command, CommandError, CommandExecutor, CommandLogic, CommandState, Event};
    /// use eventcore::{ExecutionOptions, RecordedEvent, StreamId};
    /// use eventcore_memory::MemoryStore;
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
    /// let executor = CommandExecutor::new(MemoryStore::new());
    /// let page = StreamId::try_new("page-1")?;
    /// let options = ExecutionOptions::new().timeout(Duration::from_secs(5));
    /// executor.execute_with_options(Write { page: page.clone() }, options).await?;
    ///
    /// // A deadline already past: nothing is tried, and nothing written.
    /// let past = ExecutionOptions::new().timeout(Duration::ZERO);
    /// match executor.execute_with_options(Write { page }, past).await {
    ///     Err(CommandError::DeadlineExceeded { attempts: 0, .. }) => {}
    ///     other => panic!("{other:?}"),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn execute_with_options<C: CommandLogic>(
        &self,
        command: C,
        options: ExecutionOptions,
    ) -> Result<Executed<C::Event>, CommandError<C::Error>> {
        run(&self.store, &self.settings, command, &options).await
    }
}

impl<S: SnapshotStore + Clone + 'static, Ser> CommandExecutor<S, Ser> {
    /// Keeps snapshots of stream states in the store, taken as `policy`
    /// says, so that a command on a long stream from a cold executor (a
    /// new process, another replica, an evicted cache) reads only the
    /// events after the newest snapshot.
    ///
    /// Only the states of fields marked `#[stream(state = T, snapshot)]`
    /// are kept (`T: Serialize + DeserializeOwned`, its `impl Fold` marked
    /// [`#[eventcore::fold]`](crate::fold) or the field given
    /// `snapshot_version = N`). A snapshot is only ever a cache: one saved
    /// by other fold code (its fingerprint differs), one that does not
    /// decode, or one that claims a version the stream has not reached is
    /// passed over (reported once at warning level) and the state is
    /// folded from the events. Snapshots are saved on a task of their own
    /// after a successful append, never in it.
    ///
    /// See [`SnapshotPolicy`] for an example.
    #[must_use]
    pub fn snapshots(mut self, policy: SnapshotPolicy) -> Self {
        self.settings.snapshots = Some(Snapshots::new(self.store.clone(), policy));
        self
    }
}

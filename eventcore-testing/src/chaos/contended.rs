use eventcore::{
    StoreError,
    store::{AppendBatch, EventStore},
};

use super::{
    Countdown,
    interpose::{AppendFault, Interpose},
};

/// Wraps a store and plays a rival writer that wins the race for the first
/// `n` appends: before each of them it appends `rival` to the wrapped store,
/// really writing it. An append that checks a stream the rival wrote then
/// fails with a genuine
/// [`StoreError::VersionConflict`](eventcore::StoreError::VersionConflict),
/// and a retry reads the rival's events. Unlike
/// [`ConflictingStore`](super::ConflictingStore), whose conflicts write
/// nothing, it tests that a command decides again on fresh state, and
/// which stream the conflict names. If the rival's own write fails, the
/// append fails with that error. Everything else passes through untouched.
///
/// ```
/// use eventcore::{EventMetadata, SerializedEvent, StoreError, StreamId, StreamVersion};
/// use eventcore::store::{AppendBatch, EventStore, NewEvent};
/// use eventcore_memory::MemoryStore;
/// use eventcore_testing::chaos::ContendedStore;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let counter = StreamId::try_new("counter")?;
/// let one = || vec![NewEvent::new(SerializedEvent::new("Incremented", "{}"), EventMetadata::new())];
/// let rival = AppendBatch::single(counter.clone(), eventcore::store::ExpectedVersion::Any, one());
/// let store = ContendedStore::new(MemoryStore::new(), rival, 1);
///
/// // Expects the stream empty, but the rival wrote first.
/// let ours = AppendBatch::single(counter.clone(), StreamVersion::INITIAL, one());
/// let err = store.append(ours).await.unwrap_err();
/// assert!(matches!(err, StoreError::VersionConflict { actual, .. } if actual == StreamVersion::new(1)));
/// assert_eq!(store.remaining(), 0);
///
/// // The race is over: expecting the rival's event succeeds.
/// store.append(AppendBatch::single(counter.clone(), StreamVersion::new(1), one())).await?;
/// assert_eq!(store.stream_version(&counter).await?, StreamVersion::new(2));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ContendedStore<S> {
    pub(super) inner: S,
    rival: AppendBatch,
    remaining: Countdown,
}

impl<S> ContendedStore<S> {
    /// Wraps `inner`; `rival` is appended before each of its first `n`
    /// appends. Give it [`ExpectedVersion::Any`](eventcore::store::ExpectedVersion::Any)
    /// so it always lands.
    pub fn new(inner: S, rival: AppendBatch, n: u64) -> Self {
        Self {
            inner,
            rival,
            remaining: Countdown::new(n),
        }
    }

    /// How many races the rival has left to win.
    #[must_use]
    pub fn remaining(&self) -> u64 {
        self.remaining.left()
    }

    /// The wrapped store.
    pub const fn inner(&self) -> &S {
        &self.inner
    }
}

impl<S: EventStore> Interpose for ContendedStore<S> {
    async fn before_append(&self, _: &AppendBatch) -> Result<AppendFault, StoreError> {
        let races = self.remaining.take();
        if races {
            self.inner.append(self.rival.clone()).await?;
        }
        Ok(AppendFault::Pass)
    }
}

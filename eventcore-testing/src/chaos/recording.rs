use std::{
    future::{Future, ready},
    sync::Arc,
};

use eventcore::{StoreError, store::AppendBatch};
use parking_lot::Mutex;

use super::interpose::{AppendFault, Interpose};

/// Wraps a store and records every append batch it is asked to write, in
/// order, whether or not the append then succeeds. Use it to check what a
/// command appended, which streams it checked at which versions, and how
/// many appends it tried. Everything passes through untouched.
///
/// Put it outermost to see only the caller's appends: a
/// [`ContendedStore`](super::ContendedStore) inside it appends its rival
/// past the recorder.
///
/// ```
/// use eventcore::{EventMetadata, SerializedEvent, StreamId, StreamVersion};
/// use eventcore::store::{AppendBatch, EventStore, NewEvent};
/// use eventcore_memory::MemoryStore;
/// use eventcore_testing::chaos::RecordingStore;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = RecordingStore::new(MemoryStore::new());
/// let event = NewEvent::new(SerializedEvent::new("Incremented", "{}"), EventMetadata::new());
/// let batch = AppendBatch::single(StreamId::try_new("counter")?, StreamVersion::INITIAL, vec![event]);
///
/// store.append(batch.clone()).await?;
/// // Refused (the stream has moved on), but recorded all the same.
/// assert!(store.append(batch.clone()).await.is_err());
///
/// assert_eq!(store.appends(), [batch.clone(), batch]);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct RecordingStore<S> {
    pub(super) inner: S,
    appends: Arc<Mutex<Vec<AppendBatch>>>,
}

impl<S> RecordingStore<S> {
    /// Wraps `inner`, with nothing recorded yet.
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            appends: Arc::default(),
        }
    }

    /// Every batch appended through this wrapper (and its clones) so far,
    /// oldest first.
    #[must_use]
    pub fn appends(&self) -> Vec<AppendBatch> {
        self.appends.lock().clone()
    }

    /// The wrapped store.
    pub const fn inner(&self) -> &S {
        &self.inner
    }
}

impl<S: Send + Sync> Interpose for RecordingStore<S> {
    fn before_append(
        &self,
        batch: &AppendBatch,
    ) -> impl Future<Output = Result<AppendFault, StoreError>> + Send {
        self.appends.lock().push(batch.clone());
        ready(Ok(AppendFault::Pass))
    }
}
